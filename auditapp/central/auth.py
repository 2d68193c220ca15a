"""Who is calling: users with argon2id passwords and short-lived bearer tokens (devices sign instead)."""

from __future__ import annotations

import contextlib
import hashlib
import re
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from auditapp.central import locks, trail
from auditapp.central.errors import ApiError
from auditapp.central.sync_tables import EnrollmentCode
from auditapp.central.tables import ApiToken, User

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


class Role(StrEnum):
    """What a user may do on the central store."""

    ADMIN = "admin"
    QUALITY_MANAGER = "quality_manager"
    CAPA_OWNER = "capa_owner"
    AUDITOR = "auditor"
    VIEWER = "viewer"


FIELD_ROLES = frozenset({Role.ADMIN, Role.QUALITY_MANAGER, Role.AUDITOR})
"""Roles that audit in the field with an enrolled device. Viewers only read and CAPA owners work at the
desktop, so neither is given a device, and a device whose user moves to one of them may no longer push.
Administrators stay: they may give themselves any role, and on a small store they are often the auditor."""


def audits_in_field(role: str) -> bool:
    """Whether a user of this role may have a field device (enrollment codes, pushes)."""
    return role in {r.value for r in FIELD_ROLES}


def field_roles_text() -> str:
    """The field roles in words, for messages."""
    names = sorted(r.value for r in FIELD_ROLES)
    return f"{', '.join(names[:-1])} or {names[-1]}"


_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
"""Control characters (C0, DEL, C1), line and paragraph separators and bidi overrides and isolates: in a
name they break lines, move the cursor or reverse text in terminals, listings and reports."""


def check_printable(value: str, field: str, what: str) -> None:
    """Refuse (ApiError 422 naming the field) a name holding a control or text-direction character."""
    found = _UNPRINTABLE.search(value)
    if found is not None:
        raise ApiError(
            422,
            "invalid_field",
            f"{field}: the {what} contains the control character U+{ord(found.group()):04X} at position "
            f"{found.start() + 1}: use letters, digits, spaces and punctuation only (no line breaks, tabs, "
            "escape or text-direction codes)",
        )


USERNAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,79}$"
"""A username: a letter or digit, then letters, digits, . _ @ -; up to 80 characters, no spaces."""
PASSWORD_MIN = 10
PASSWORD_MAX = 200
DISPLAY_NAME_MAX = 200


def check_new_user(username: str, password: str, display_name: str) -> None:
    """The rules of a new account, for the API and the command line alike; ApiError 422 naming the field."""
    if not re.fullmatch(USERNAME_PATTERN, username):
        raise ApiError(
            422,
            "invalid_field",
            f"username: {username[:40]!r}{'...' if len(username) > 40 else ''} is not a username: "
            "1 to 80 letters, digits and . _ @ -, starting with a letter or digit, no spaces",
        )
    if len(password) < PASSWORD_MIN:
        raise ApiError(422, "weak_password", f"password: use at least {PASSWORD_MIN} characters")
    if len(password) > PASSWORD_MAX:
        raise ApiError(
            422, "invalid_field", f"password: use at most {PASSWORD_MAX} characters (it has {len(password)})"
        )
    if len(display_name) > DISPLAY_NAME_MAX:
        raise ApiError(
            422,
            "invalid_field",
            f"display_name: the printed name has {len(display_name)} characters; "
            f"use at most {DISPLAY_NAME_MAX}",
        )
    check_printable(display_name, "display_name", "printed name")


def now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def token_digest(token: str) -> str:
    """What is stored of a token: its SHA-256, so a leaked database holds no usable token."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(
    session: Session,
    username: str,
    password: str,
    role: Role,
    display_name: str = "",
    actor: str = trail.SYSTEM_ACTOR,
) -> User:
    """Add a user (recorded in the trail): a new username, a password of 10 to 200 characters and a printed
    name of at most 200 (check_new_user); the same rules whether the API or the command line asks."""
    check_new_user(username, password, display_name)
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise ApiError(409, "user_exists", f"username: {username!r} is taken")
    user = User(
        id=str(uuid.uuid4()),
        username=username,
        display_name=display_name or username,
        role=role.value,
        password_hash=_hasher.hash(password),
        active=True,
        created_at=now(),
    )
    session.add(user)
    session.flush()
    changes: dict[str, tuple[object, object]] = {
        "username": (None, user.username),
        "display_name": (None, user.display_name),
        "role": (None, user.role),
        "active": (None, True),
    }
    trail.record(session, actor, "user", user.id, "create", changes)
    return user


def _keep_an_admin(session: Session, user: User) -> None:
    """Refuse to demote or deactivate the last active administrator: nobody could manage users after.

    The check and the change that follows are serialised: the active administrators are locked first
    (PostgreSQL: their rows, FOR UPDATE; SQLite: the database's write lock), and the user is read again
    after the lock, so two administrators removing each other at the same moment cannot both succeed.
    """
    locks.write_lock(session)
    admins = session.scalars(
        select(User.id).where(User.role == Role.ADMIN.value, User.active.is_(True)).with_for_update()
    ).all()
    session.refresh(user)  # as it is now: a change that waited for the lock may have been committed
    if user.role != Role.ADMIN.value or not user.active:
        return
    if len(admins) <= 1:
        what = f"user {user.username!r} is the last active admin: make another admin first"
        raise ApiError(409, "last_admin", what)


def set_role(session: Session, user: User, role: Role, actor: str) -> None:
    """Change a user's role (recorded in the trail); no change when it is already that role."""
    if role is not Role.ADMIN:
        _keep_an_admin(session, user)
    if user.role == role.value:
        return
    old = user.role
    user.role = role.value
    trail.record(session, actor, "user", user.id, "change_role", {"role": (old, role.value)})


def deactivate(session: Session, user: User, actor: str) -> None:
    """Switch a user off until an administrator reactivates them (recorded in the trail): their tokens stop
    working at once, their unused enrollment codes expire now, and their devices are revoked, so a tablet
    of theirs can no longer push or pull; none of these comes back with a reactivation."""
    _keep_an_admin(session, user)
    if not user.active:
        return
    user.active = False
    session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    session.execute(
        update(EnrollmentCode)
        .where(EnrollmentCode.user_id == user.id, EnrollmentCode.used_at.is_(None))
        .values(expires_at=datetime.now(UTC))
    )
    trail.record(session, actor, "user", user.id, "deactivate", {"active": (True, False)})
    from auditapp.central.devices import revoke_active  # devices builds on this module

    revoke_active(session, actor, user.id)


def reactivate(session: Session, user: User, actor: str) -> None:
    """Switch a deactivated user on again (recorded in the trail): they sign in again with their password.

    What the deactivation ended stays ended: their old session tokens were deleted and their devices stay
    revoked, so a tablet needs a new enrollment code. Reactivating an active user is refused (409
    `user_active`); the check is serialised like deactivation, so two administrators cannot both do it.
    """
    locks.write_lock(session)  # SQLite; on PostgreSQL the user's row is locked by the read below
    session.refresh(user, with_for_update=True)  # as it is now: a change that waited may have committed
    if user.active:
        raise ApiError(
            409,
            "user_active",
            f"user {user.username!r} is active: only a deactivated user can be reactivated",
        )
    user.active = True
    trail.record(session, actor, "user", user.id, "reactivate", {"active": (False, True)})


def check_password(user: User, password: str) -> bool:
    """Whether the password is the user's."""
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


_DECOY_HASH: list[str] = []


def password_matches(user: User | None, password: str) -> bool:
    """Whether the password is the user's; an unknown user costs the same time, so names cannot be probed."""
    if user is not None:
        return check_password(user, password)
    if not _DECOY_HASH:
        _DECOY_HASH.append(_hasher.hash(secrets.token_urlsafe(16)))
    with contextlib.suppress(VerificationError, InvalidHashError):
        _hasher.verify(_DECOY_HASH[0], password)
    return False


def issue_token(session: Session, user: User, minutes: int) -> tuple[str, datetime]:
    """A new bearer token for the user, valid for `minutes`."""
    token = secrets.token_urlsafe(32)
    expires = now() + timedelta(minutes=minutes)
    session.add(ApiToken(token_hash=token_digest(token), user_id=user.id, expires_at=expires))
    return token, expires


def forget_token(session: Session, token: str) -> None:
    """Drop a bearer token (sign-out). One that is not a session is refused (401 `invalid_token`), as any
    other use of it is; an expired one is still dropped, since it was the caller's session."""
    row = session.get(ApiToken, token_digest(token))
    if row is None:
        raise ApiError(401, "invalid_token", "sign in again: the session token is not known")
    session.delete(row)


def user_for_token(session: Session, token: str) -> User:
    """The active user a bearer token belongs to; expired or unknown tokens are refused."""
    row = session.get(ApiToken, token_digest(token))
    if row is None:
        raise ApiError(401, "invalid_token", "sign in again: the session token is not known")
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=UTC)
    if expires < now():
        raise ApiError(401, "token_expired", "sign in again: the session has expired")
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        raise ApiError(401, "invalid_token", "sign in again: the account is not active")
    return user
