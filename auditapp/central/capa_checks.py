"""Effectiveness checks of a CAPA: planning, results recorded at the desk, and reopening when a check fails.

A failed check, a 'not effective' from the field or a repeat finding inside a window all reopen the CAPA
the same way: the check fails, the CAPA starts a new round (only checks planned from then on can let it
close), its stage becomes `reopened`, the reopening is kept with links to its evidence, and open field
tasks are withdrawn from the devices (`task_closed`).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditapp.central import pull_feed, trail
from auditapp.central.auth import now
from auditapp.central.capa_records import CapaBundle, load, record_work, refresh
from auditapp.central.capa_service import ensure_open, invalid
from auditapp.central.capa_tables import (
    CapaReopeningRow,
    CapaRow,
    EffectivenessCheckRow,
    EffectivenessTaskRow,
)
from auditapp.central.errors import ApiError
from auditapp.central.tables import Finding, User
from auditapp.central.timestamps import as_utc
from auditapp.domain.capa import CheckMethod, CheckResult, EffectivenessCheck
from auditapp.domain.errors import ValidationError


def get_check(session: Session, row: CapaRow, check_id: str, *, lock: bool = False) -> EffectivenessCheckRow:
    """A check of this CAPA, or 404 `unknown_check`."""
    query = select(EffectivenessCheckRow).where(
        EffectivenessCheckRow.id == check_id, EffectivenessCheckRow.capa_id == row.id
    )
    if lock:
        query = query.with_for_update()
    check = session.scalar(query)
    if check is None:
        raise ApiError(
            404, "unknown_check", f"check_id: CAPA {row.id} has no effectiveness check {check_id!r}"
        )
    return check


def plan_check(
    session: Session, actor: User, row: CapaRow, criterion: str, method: str, start: date, end: date
) -> EffectivenessCheckRow:
    """A new check in the CAPA's current round; field re-verification needs source findings to re-verify."""
    ensure_open(row)
    try:
        EffectivenessCheck("new", criterion, CheckMethod(method), start, end).validate()
    except ValidationError as exc:
        raise invalid(exc) from exc
    check_window_after_fix(session, row, end)
    if method == CheckMethod.FIELD_REVERIFICATION.value:
        has_source = session.scalar(select(Finding.id).where(Finding.capa_id == row.id).limit(1))
        if has_source is None:
            raise ApiError(
                422,
                "invalid_field",
                "method: field re-verification needs a source finding; use record_review or metric",
            )
    check = EffectivenessCheckRow(
        id=str(uuid.uuid4()),
        capa_id=row.id,
        criterion=criterion.strip(),
        method=method,
        window_start=start,
        window_end=end,
        result=CheckResult.PENDING.value,
        comment="",
        evidence="[]",
        round=row.round,
        created_by=actor.username,
        created_at=now(),
    )
    session.add(check)
    session.flush()
    trail.record(
        session,
        actor.username,
        "effectiveness_check",
        check.id,
        "planned",
        {
            "capa_id": (None, row.id),
            "criterion": (None, check.criterion),
            "method": (None, method),
            "window_start": (None, start.isoformat()),
            "window_end": (None, end.isoformat()),
        },
    )
    record_work(row)
    refresh(session, row)
    return check


def check_window_after_fix(session: Session, row: CapaRow, end: date) -> None:
    """Refuse (422 naming `window_end`) a window that ends before the CAPA was opened, or before its last
    corrective or preventive action was implemented: such a check could never show the fix works
    (CAP-020, ADR 0076)."""
    opened = as_utc(row.created_at).date()
    if end < opened:
        raise ApiError(
            422,
            "invalid_field",
            f"window_end: the window ends on {end}, before CAPA {row.id} was opened on {opened}; an "
            "effectiveness check must look at the time after the fix",
        )
    fixed_at = load(session, row).last_fix_at
    if fixed_at is not None and end < as_utc(fixed_at).date():
        raise ApiError(
            422,
            "invalid_field",
            f"window_end: the window ends on {end}, before the last corrective or preventive action was "
            f"implemented on {as_utc(fixed_at).date()}; an effectiveness check must look at the time after "
            "the fix",
        )


def decide(
    session: Session,
    actor: str,
    row: CapaRow,
    check: EffectivenessCheckRow,
    result: CheckResult,
    comment: str,
    evidence: Sequence[str] = (),
) -> None:
    """Set a pending check's result (in the audit trail); a failed one reopens the CAPA."""
    if check.result != CheckResult.PENDING.value:
        raise ApiError(
            409, "check_decided", f"check_id: check {check.id} already has the result {check.result}"
        )
    changes = _set_result(actor, check, result, comment, evidence)
    trail.record(session, actor, "effectiveness_check", check.id, "decided", changes)
    withdraw_tasks(session, check, keep_device=None)
    if result is CheckResult.FAILED:
        reopen(session, actor, row, "check_failed", check=check, comment=comment, evidence_ids=evidence)


def record_result(
    session: Session,
    actor: User,
    row: CapaRow,
    check: EffectivenessCheckRow,
    result: str,
    comment: str,
    evidence: Sequence[str],
) -> CapaBundle:
    """A result recorded at the desk (record review, metric, or a field check decided by hand)."""
    ensure_open(row)
    if check.round != row.round:
        raise ApiError(
            409, "check_superseded", f"check_id: check {check.id} belongs to an earlier round of the CAPA"
        )
    decide(session, actor.username, row, check, CheckResult(result), comment.strip(), evidence)
    if result == CheckResult.PASSED.value:
        record_work(row)
    return refresh(session, row)


def withdraw_tasks(session: Session, check: EffectivenessCheckRow, keep_device: str | None) -> None:
    """Tell every device holding an open task of the check that it no longer needs doing."""
    tasks = session.scalars(
        select(EffectivenessTaskRow).where(
            EffectivenessTaskRow.check_id == check.id, EffectivenessTaskRow.closed_at.is_(None)
        )
    )
    for task in tasks:
        close_task(session, task, keep_device)


def close_task(session: Session, task: EffectivenessTaskRow, keep_device: str | None) -> None:
    """Mark a task done and queue `task_closed` to its devices (except the one that answered it)."""
    task.closed_at = now()
    for device_id in json.loads(task.devices or "[]"):
        if device_id != keep_device:
            pull_feed.queue_for_device(session, device_id, pull_feed.TASK_CLOSED, {"task_id": task.id})


def fail_check(session: Session, actor: str, check: EffectivenessCheckRow, comment: str) -> None:
    """Mark a check failed, trailing every field it changes with its real old value (CAP-017)."""
    changes = _set_result(actor, check, CheckResult.FAILED, comment)
    trail.record(session, actor, "effectiveness_check", check.id, "failed", changes)


_DECISION_FIELDS = ("result", "comment", "evidence", "decided_by", "decided_at")


def _set_result(
    actor: str,
    check: EffectivenessCheckRow,
    result: CheckResult,
    comment: str,
    evidence: Sequence[str] | None = None,
) -> dict[str, tuple[object, object]]:
    """Record a check's result; every field it changes, with its old and new value, for the trail (CAP-017).
    The evidence is kept as it was when none is given."""

    def values() -> dict[str, object]:
        out: dict[str, object] = {name: getattr(check, name) for name in _DECISION_FIELDS}
        out["evidence"] = json.loads(check.evidence or "[]")
        return out

    before = values()
    check.result, check.comment = result.value, comment
    if evidence is not None:
        check.evidence = json.dumps(list(evidence))
    check.decided_by, check.decided_at = actor, now()
    after = values()
    return {name: (before[name], after[name]) for name in _DECISION_FIELDS if before[name] != after[name]}


def reopen(
    session: Session,
    actor: str,
    row: CapaRow,
    reason: str,
    *,
    check: EffectivenessCheckRow | None = None,
    task_id: str | None = None,
    finding_id: str | None = None,
    audit_id: str | None = None,
    event_id: str | None = None,
    evidence_ids: Sequence[str] = (),
    comment: str = "",
) -> CapaBundle:
    """Reopen the CAPA for rework, keeping why and the evidence; its closed findings go back to `capa`."""
    before = {"round": row.round, "stage": row.stage, "closed_at": row.closed_at}
    if check is not None and check.result != CheckResult.FAILED.value:
        fail_check(session, actor, check, comment or f"reopened: {reason}")
    row.round += 1
    row.awaiting_rework = True
    row.closed_at = None
    session.add(
        CapaReopeningRow(
            capa_id=row.id,
            at=now(),
            reason=reason,
            actor=actor,
            check_id=check.id if check else None,
            task_id=task_id,
            finding_id=finding_id,
            audit_id=audit_id,
            event_id=event_id,
            evidence_ids=json.dumps(list(evidence_ids)),
            comment=comment,
        )
    )
    for source in session.scalars(
        select(Finding).where(Finding.capa_id == row.id, Finding.status == "closed")
    ):
        source.status = "capa"
        trail.record(session, actor, "finding", source.id, "capa reopened", {"status": ("closed", "capa")})
        pull_feed.finding_status_changed(session, source)
    open_checks = session.scalars(
        select(EffectivenessCheckRow).where(EffectivenessCheckRow.capa_id == row.id)
    )
    for other in open_checks:
        withdraw_tasks(session, other, keep_device=None)
    bundle = refresh(session, row)
    trail.record(
        session,
        actor,
        "capa",
        row.id,
        "reopened",
        {
            "round": (before["round"], row.round),
            "stage": (before["stage"], row.stage),
            "closed_at": (before["closed_at"], None),
            "reason": (None, reason),
            "evidence": (
                None,
                {"check_id": check.id if check else None, "finding_id": finding_id, "event_id": event_id},
            ),
        },
    )
    return bundle
