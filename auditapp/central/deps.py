"""Who is calling and what they may do: the request's database session, its user, and the role policy.

Every route of the central store's API takes one of the `Caller` dependencies below, so no endpoint can
forget to check who is calling. The policy is one table (action -> roles) that the role-matrix test reads.
The routes module keeps no `from __future__ import annotations`: FastAPI reads these annotations at runtime.
"""

from collections.abc import Callable, Iterator
from enum import StrEnum
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from auditapp.central import auth
from auditapp.central.auth import Role
from auditapp.central.errors import ApiError
from auditapp.central.tables import User


class Action(StrEnum):
    """What a caller wants to do; each maps to the roles allowed to do it."""

    READ = "read findings, CAPAs, audits, metrics and the audit trail"
    TRIAGE = "triage findings"
    CAPA_MANAGE = "open, assign and plan CAPAs"
    CAPA_WORK = "record work on a CAPA"
    CAPA_SIGN = "sign a CAPA's closure"
    ISSUE_ENROLLMENT = "issue enrollment codes"
    MANAGE_DEVICES = "list and revoke devices"
    MANAGE_USERS = "create users and set roles"
    PUBLISH_CHECKLISTS = "publish checklists to the field devices"
    READ_EMAILS = "read users' e-mail addresses"
    AUDIT_IN_FIELD = "audit in the field with an enrolled device"


_ALL = frozenset(Role)
POLICY: dict[Action, frozenset[Role]] = {
    Action.READ: _ALL,
    Action.TRIAGE: frozenset({Role.QUALITY_MANAGER}),
    Action.CAPA_MANAGE: frozenset({Role.QUALITY_MANAGER}),
    Action.CAPA_WORK: frozenset({Role.QUALITY_MANAGER, Role.CAPA_OWNER}),
    Action.CAPA_SIGN: frozenset({Role.QUALITY_MANAGER}),
    Action.ISSUE_ENROLLMENT: frozenset({Role.ADMIN, Role.QUALITY_MANAGER}),
    Action.MANAGE_DEVICES: frozenset({Role.ADMIN}),
    Action.MANAGE_USERS: frozenset({Role.ADMIN}),
    Action.PUBLISH_CHECKLISTS: frozenset({Role.ADMIN, Role.QUALITY_MANAGER}),
    # Not a route of its own: the trail hides addresses from the other roles (PLT-020).
    Action.READ_EMAILS: frozenset({Role.ADMIN}),
    # Not a route of its own: enrollment codes and pushes are refused to the other roles (SYN-219).
    Action.AUDIT_IN_FIELD: auth.FIELD_ROLES,
}
"""Which roles may do what; administrators run the system, quality managers make the quality decisions."""


def allowed(role: str, action: Action) -> bool:
    """Whether a role may do an action."""
    return role in {r.value for r in POLICY[action]}


def check(user: User, action: Action) -> None:
    """Refuse with 403 unless the user's role may do the action."""
    if not allowed(user.role, action):
        raise ApiError(403, "forbidden", f"your role ({user.role}) may not {action.value}")


def _session(request: Request) -> Iterator[Session]:
    with request.app.state.db.transaction() as session:
        yield session


# Commit before the answer is sent, so what a client has just been told is already stored.
Db = Annotated[Session, Depends(_session, scope="function")]
"""The request's session: one transaction that commits when the route returns, or rolls back."""


def bearer_token(request: Request) -> str:
    """The bearer token of the request; 401 when there is none."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "not_authenticated", "send an Authorization: Bearer token (sign in first)")
    return token.strip()


def _current_user(request: Request, session: Db) -> User:
    return auth.user_for_token(session, bearer_token(request))


def require(action: Action) -> Callable[..., User]:
    """A dependency that yields the signed-in user when their role may do the action, else 401/403."""

    def dependency(user: Annotated[User, Depends(_current_user)]) -> User:
        check(user, action)
        return user

    dependency.__name__ = f"require_{action.name.lower()}"
    return dependency


Reader = Annotated[User, Depends(require(Action.READ))]
"""Any signed-in user."""
Triager = Annotated[User, Depends(require(Action.TRIAGE))]
"""A user who may triage findings."""
CapaManager = Annotated[User, Depends(require(Action.CAPA_MANAGE))]
"""A user who may open, assign and plan CAPAs."""
CapaWorker = Annotated[User, Depends(require(Action.CAPA_WORK))]
"""A user who may record work on a CAPA (ownership is checked by the route)."""
CapaSigner = Annotated[User, Depends(require(Action.CAPA_SIGN))]
"""A user who may sign a CAPA's closure."""
UserAdmin = Annotated[User, Depends(require(Action.MANAGE_USERS))]
"""A user who may manage users and roles."""
EmailReader = Annotated[User, Depends(require(Action.READ_EMAILS))]
"""A user who may read users' e-mail addresses."""
DeviceAdmin = Annotated[User, Depends(require(Action.MANAGE_DEVICES))]
"""A user who may list and revoke devices."""
ChecklistPublisher = Annotated[User, Depends(require(Action.PUBLISH_CHECKLISTS))]
"""A user who may publish checklists to the field devices."""
