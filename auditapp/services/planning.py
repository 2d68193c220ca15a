"""Use cases that set an audit up and close it: plan, edit the plan, meeting notes, close."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from auditapp.domain import drafts
from auditapp.domain.errors import NotFoundError, ValidationError
from auditapp.domain.payloads import MEETINGS
from auditapp.domain.plan import PLAN_FIELDS, AuditPlan, AuditType, ChecklistRef, decode_plan_field
from auditapp.domain.state import AuditState
from auditapp.services.context import CaptureContext


def pin_criteria(ctx: CaptureContext, criteria: Sequence[ChecklistRef | str]) -> tuple[ChecklistRef, ...]:
    """Checklist ids or references, checked against the catalog and pinned by content hash."""
    pinned: list[ChecklistRef] = []
    for entry in criteria:
        checklist_id = entry if isinstance(entry, str) else entry.checklist_id
        wanted = None if isinstance(entry, str) else entry.content_hash
        try:
            info = ctx.checklist(checklist_id, wanted)
        except NotFoundError:
            raise ValidationError(f"checklist {checklist_id!r} is not in the catalog", "criteria") from None
        if isinstance(entry, ChecklistRef) and entry.content_hash != info.content_hash:
            raise ValidationError(
                f"checklist {checklist_id!r} version {entry.version} is not the one in the catalog "
                f"(version {info.version}): its content differs",
                "criteria",
            )
        pinned.append(info.ref())
    return tuple(pinned)


def plan_audit(
    ctx: CaptureContext,
    *,
    title: str,
    organisation: str,
    site: str,
    audit_type: AuditType | str,
    objectives: str,
    scope: str,
    criteria: Sequence[ChecklistRef | str],
    start_date: dt.date | str,
    end_date: dt.date | str,
    lead_auditor: str,
    team: Sequence[str] = (),
    auditees: Sequence[Mapping[str, str]] = (),
) -> str:
    """Create an audit from its ISO 19011 plan and its checklists; returns the new audit's id."""
    raw: dict[str, Any] = {
        "title": title,
        "organisation": organisation,
        "site": site,
        "audit_type": audit_type,
        "objectives": objectives,
        "scope": scope,
        "start_date": start_date,
        "end_date": end_date,
        "lead_auditor": lead_auditor,
        "team": [t.strip() for t in team],
        "auditees": [dict(a) for a in auditees],
    }
    values = {name: decode_plan_field(name, value) for name, value in raw.items()}
    plan = AuditPlan(criteria=pin_criteria(ctx, criteria), **values).validate()
    audit_id = ctx.new_id()
    ctx.record(audit_id, [drafts.audit_planned(plan)])
    return audit_id


def edit_plan(ctx: CaptureContext, audit_id: str, **changes: Any) -> AuditState:
    """Change plan fields (each merged on its own); the edited plan must still be valid as a whole."""
    state = ctx.open_for_capture(audit_id)
    assert state.plan is not None  # open_for_capture refuses audits without a plan
    unknown = [name for name in changes if name not in PLAN_FIELDS]
    if unknown:
        raise ValidationError(f"unknown plan field {unknown[0]!r}", "field")
    if not changes:
        return state
    plan = state.plan
    for name, value in changes.items():
        if name == "criteria":
            value = pin_criteria(ctx, value)
        plan = plan.with_field(name, value)
    # A field in conflict is recorded even when its value stays: saving it is how an auditor who has seen
    # both values settles it (SYN-207).
    edits = [
        drafts.plan_edited(name, getattr(plan, name), state.version("plan", name))
        for name in changes
        if getattr(plan, name) != getattr(state.plan, name) or state.conflict_on("plan", name) is not None
    ]
    ctx.record(audit_id, edits)
    return ctx.state(audit_id)


def record_meeting_note(ctx: CaptureContext, audit_id: str, meeting: str, text: str) -> AuditState:
    """Set the notes of the opening or closing meeting (attendance, scope confirmed, findings presented)."""
    if meeting not in MEETINGS:
        raise ValidationError(f"{meeting!r} is not a meeting (opening or closing)", "meeting")
    state = ctx.open_for_capture(audit_id)
    ctx.record(audit_id, [drafts.meeting_note_recorded(meeting, text, state.version("meeting", meeting))])
    return ctx.state(audit_id)


def close_audit(ctx: CaptureContext, audit_id: str, summary: str = "") -> AuditState:
    """Close the audit: from now on every capture on it is refused."""
    ctx.open_for_capture(audit_id)
    ctx.record(audit_id, [drafts.audit_closed(summary)])
    return ctx.state(audit_id)
