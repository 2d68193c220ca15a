"""CAPA work: open, assign, record each 8.5.2 section and the actions; every change goes to the audit trail.

Quality managers may record work on any CAPA; a CAPA owner only on CAPAs they own (or, for an action, the
actions they own). A closed CAPA takes no more work until it is reopened.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from auditapp.central import trail
from auditapp.central.auth import Role, now
from auditapp.central.capa_records import CapaBundle, capa_user, is_closed, record_work, refresh
from auditapp.central.capa_tables import CapaActionRow, CapaRow
from auditapp.central.errors import ApiError
from auditapp.central.tables import User
from auditapp.domain.capa import Action, ActionKind, ActionStatus, CapaStage
from auditapp.domain.errors import ValidationError


def invalid(exc: ValidationError, code: str = "invalid_field") -> ApiError:
    """A domain validation error as a 422 whose message names the field."""
    return ApiError(422, code, str(exc))


def may_work(user: User, row: CapaRow, action: CapaActionRow | None = None) -> None:
    """Refuse with 403 `not_owner` unless the user is a quality manager or owns the CAPA (or the action)."""
    if user.role == Role.QUALITY_MANAGER.value:
        return
    if user.role == Role.CAPA_OWNER.value and (
        row.owner_id == user.id or (action is not None and action.owner_id == user.id)
    ):
        return
    raise ApiError(
        403,
        "not_owner",
        f"you do not own CAPA {row.id}: only its owner or a quality manager may record work on it",
    )


def ensure_open(row: CapaRow) -> None:
    """Refuse with 409 `capa_closed` when the CAPA is closed."""
    if is_closed(row):
        raise ApiError(409, "capa_closed", f"CAPA {row.id} is closed: reopen it before recording more work")


def log_changes(
    session: Session,
    actor: str,
    entity: str,
    entity_id: str,
    action: str,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
) -> dict[str, tuple[object, object]]:
    """Write the fields that changed to the audit trail (nothing when nothing changed); returns them."""
    changes = {k: (before.get(k), v) for k, v in after.items() if before.get(k) != v}
    if changes:
        trail.record(session, actor, entity, entity_id, action, changes)
    return changes


def _fields(row: object, names: tuple[str, ...]) -> dict[str, Any]:
    return {n: getattr(row, n) for n in names}


def open_capa(
    session: Session, actor: User, title: str, problem_statement: str, owner: str | None
) -> CapaRow:
    """A new CAPA owned by `owner` (default the actor), stage `open`."""
    owner_user = capa_user(session, owner, "owner") if owner else actor
    if owner_user.role not in (Role.CAPA_OWNER.value, Role.QUALITY_MANAGER.value):
        raise ApiError(422, "owner_not_allowed", f"owner: {owner_user.username} cannot own a CAPA")
    if not title.strip():
        raise ApiError(422, "invalid_field", "title: give the CAPA a title")
    if not problem_statement.strip():
        raise ApiError(422, "invalid_field", "problem_statement: state the problem (8.5.2 a)")
    at = now()
    row = CapaRow(
        id=str(uuid.uuid4()),
        title=title.strip(),
        problem_statement=problem_statement.strip(),
        owner_id=owner_user.id,
        containment="",
        correction="",
        root_cause_result="",
        document_update_justification="",
        communication_justification="",
        verification_comment="",
        stage=CapaStage.OPEN.value,
        round=0,
        awaiting_rework=False,
        created_by=actor.username,
        created_at=at,
        updated_at=at,
    )
    session.add(row)
    session.flush()
    trail.record(
        session,
        actor.username,
        "capa",
        row.id,
        "opened",
        {
            "title": (None, row.title),
            "problem_statement": (None, row.problem_statement),
            "owner": (None, owner_user.username),
        },
    )
    return row


def assign(session: Session, actor: User, row: CapaRow, owner: str) -> CapaBundle:
    """Give the CAPA to another owner."""
    ensure_open(row)
    new_owner = capa_user(session, owner, "owner")
    before = refresh(session, row, touched=False)
    if new_owner.id != row.owner_id:
        row.owner_id = new_owner.id
        trail.record(
            session, actor.username, "capa", row.id, "assigned", {"owner": (before.capa.owner, owner)}
        )
    return refresh(session, row)


SECTION_FIELDS: dict[str, tuple[str, ...]] = {
    "problem": ("title", "problem_statement"),
    "containment": ("containment", "correction"),
    "root-cause": ("root_cause_method", "root_cause_result"),
    "verification": ("verification_compliance", "verification_safety", "verification_comment", "verified_by"),
    "document-update": ("document_update_justification",),
    "communication": ("communication_justification",),
}
"""The sections of a CAPA recorded one at a time, and the columns each one sets."""


def record_section(
    session: Session, actor: User, row: CapaRow, section: str, values: Mapping[str, Any]
) -> CapaBundle:
    """Record one section: only the columns in `values` change, the others keep what is recorded (CAP-019);
    refused on a closed CAPA or by a non-owner."""
    may_work(actor, row)
    ensure_open(row)
    names = SECTION_FIELDS[section]
    before = _fields(row, names)
    for name in names:
        if name in values:
            setattr(row, name, values[name])
    if section == "verification":
        row.verified_by = actor.username
        row.verified_at = now()
    if log_changes(
        session, actor.username, "capa", row.id, f"recorded {section}", before, _fields(row, names)
    ):
        record_work(row)
    return refresh(session, row)


ACTION_FIELDS = (
    "kind",
    "description",
    "owner",
    "due_date",
    "status",
    "evidence",
    "document_id",
    "document_revision",
    "communication_record",
    "cancel_reason",
)


def _domain_action(row: CapaActionRow, owner: str) -> Action:
    return Action(
        action_id=row.id,
        kind=ActionKind(row.kind),
        description=row.description,
        owner=owner,
        due_date=row.due_date,
        status=ActionStatus(row.status),
        evidence=row.evidence,
        document_id=row.document_id,
        document_revision=row.document_revision,
        communication_record=row.communication_record,
        cancel_reason=row.cancel_reason,
    )


def _action_view(action: Action) -> dict[str, Any]:
    values = {name: getattr(action, name) for name in ACTION_FIELDS}
    values["kind"], values["status"] = action.kind.value, action.status.value
    values["due_date"] = action.due_date.isoformat() if isinstance(action.due_date, date) else None
    return values


def add_action(session: Session, actor: User, row: CapaRow, values: Mapping[str, Any]) -> CapaActionRow:
    """A new action on the CAPA; its owner defaults to the CAPA's owner."""
    may_work(actor, row)
    ensure_open(row)
    owner = capa_user(session, values["owner"], "owner") if values.get("owner") else None
    at = now()
    action = CapaActionRow(
        id=str(uuid.uuid4()),
        capa_id=row.id,
        kind=values["kind"],
        description=str(values.get("description") or "").strip(),
        owner_id=owner.id if owner else row.owner_id,
        due_date=values.get("due_date"),
        status=values.get("status") or ActionStatus.PLANNED.value,
        evidence=str(values.get("evidence") or "").strip(),
        document_id=str(values.get("document_id") or "").strip(),
        document_revision=str(values.get("document_revision") or "").strip(),
        communication_record=str(values.get("communication_record") or "").strip(),
        cancel_reason=str(values.get("cancel_reason") or "").strip(),
        created_at=at,
        updated_at=at,
    )
    owner_name = owner.username if owner else _username(session, row.owner_id)
    domain = _domain_action(action, owner_name)
    try:
        domain.validate()
    except ValidationError as exc:
        raise invalid(exc) from exc
    session.add(action)
    session.flush()
    log_changes(
        session,
        actor.username,
        "capa_action",
        action.id,
        "added",
        {},
        {"capa_id": row.id, **_action_view(domain)},
    )
    record_work(row)
    refresh(session, row)
    return action


def update_action(
    session: Session, actor: User, row: CapaRow, action: CapaActionRow, values: Mapping[str, Any]
) -> CapaActionRow:
    """Change an action (progress, evidence, changed document, training record, owner, due date)."""
    may_work(actor, row, action)
    ensure_open(row)
    before = _action_view(_domain_action(action, _username(session, action.owner_id)))
    if values.get("owner"):
        action.owner_id = capa_user(session, values["owner"], "owner").id
    for name in ACTION_FIELDS:
        if name != "owner" and name in values and values[name] is not None:
            value = values[name]
            setattr(action, name, value.strip() if isinstance(value, str) else value)
    domain = _domain_action(action, _username(session, action.owner_id))
    try:
        domain.validate()
    except ValidationError as exc:
        raise invalid(exc) from exc
    action.updated_at = now()
    if log_changes(
        session, actor.username, "capa_action", action.id, "updated", before, _action_view(domain)
    ):
        record_work(row)
    refresh(session, row)
    return action


def _username(session: Session, user_id: str) -> str:
    user = session.get(User, user_id)
    return user.username if user else ""
