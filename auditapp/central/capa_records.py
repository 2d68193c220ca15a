"""CAPA rows as domain values: load a CAPA with its actions, checks and sources, derive its stage and gates.

Every change to a CAPA ends with `refresh`, which rebuilds the domain `Capa` from the rows and stores the
derived stage, so the stage column the lists filter on always agrees with `stage_of` (ADR 0060).

A passed effectiveness check counts towards closure only when it looked at the time after the last fix:
its window ends on or after the day the last corrective or preventive action was implemented, and its
result was recorded after that (ADR 0076).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditapp.central.auth import now
from auditapp.central.capa_tables import CapaActionRow, CapaRow, EffectivenessCheckRow
from auditapp.central.errors import ApiError
from auditapp.central.tables import Finding, User
from auditapp.central.timestamps import as_utc
from auditapp.central.trail_tables import TrailEntry
from auditapp.domain.capa import (
    Action,
    ActionKind,
    ActionStatus,
    Capa,
    CapaStage,
    CheckMethod,
    CheckResult,
    EffectivenessCheck,
    RootCauseMethod,
    Verification,
)
from auditapp.domain.capa_gates import Gap, closure_gaps, stage_of
from auditapp.domain.capa_signature import capa_digest

CAPA_ROLES = ("capa_owner", "quality_manager")
"""Roles whose users may own a CAPA or an action."""


@dataclass
class CapaBundle:
    """A CAPA's rows and its domain value, loaded together."""

    row: CapaRow
    actions: list[CapaActionRow]
    checks: list[EffectivenessCheckRow]
    sources: list[Finding]
    usernames: dict[str, str]
    capa: Capa
    last_fix_at: datetime | None = None

    @property
    def gaps(self) -> list[Gap]:
        """What is missing before closure, including passed checks that do not show the fix works."""
        gaps = closure_gaps(self.capa)
        fixed_at = self.last_fix_at
        passed = [c for c in self.checks if c.round == self.row.round and c.result == CheckResult.PASSED]
        if fixed_at is None or not passed or any(shows_the_fix(c, fixed_at) for c in passed):
            return gaps
        return [*gaps, *(_stale_gap(c, fixed_at) for c in passed)]

    @property
    def digest(self) -> str:
        """SHA-256 of the content a closure signature would bind now."""
        return capa_digest(self.capa)


FIX_KINDS = (ActionKind.CORRECTIVE.value, ActionKind.PREVENTIVE.value)
"""The actions an effectiveness check must show to work: those that remove a cause (not corrections)."""


def shows_the_fix(check: EffectivenessCheckRow, fixed_at: datetime) -> bool:
    """Whether a passed check looked at the time after the fix (ADR 0076): its window ends on or after the
    day the fix was implemented (UTC), and its result was recorded after the fix."""
    fixed = as_utc(fixed_at)
    decided = as_utc(check.decided_at) if check.decided_at is not None else None
    return check.window_end >= fixed.date() and decided is not None and decided >= fixed


def _stale_gap(check: EffectivenessCheckRow, fixed_at: datetime) -> Gap:
    fixed = as_utc(fixed_at)
    if check.window_end < fixed.date():
        why = f"its window ended on {check.window_end},"
    else:
        why = "its result was recorded"
    return Gap(
        "effectiveness_passed",
        f"effectiveness check {check.criterion!r} does not show that the fix works: {why} before the last "
        f"corrective or preventive action was implemented on {fixed.date()}; plan a check of a window that "
        "ends on or after that day",
        check.id,
    )


def last_fix_at(session: Session, actions: list[CapaActionRow]) -> datetime | None:
    """When the last active corrective or preventive action became `implemented` (from the audit trail,
    which records every status change), or None while none is implemented."""
    fixes = {
        a.id: as_utc(a.updated_at)  # only if the trail has no entry for it: the action's last change
        for a in actions
        if a.kind in FIX_KINDS and a.status == ActionStatus.IMPLEMENTED.value
    }
    if not fixes:
        return None
    implemented: dict[str, datetime] = {}
    entries = session.execute(
        select(TrailEntry.entity_id, TrailEntry.at, TrailEntry.new_values).where(
            TrailEntry.entity == "capa_action", TrailEntry.entity_id.in_(list(fixes))
        )
    )
    for action_id, at, new_values in entries:
        if json.loads(new_values).get("status") == ActionStatus.IMPLEMENTED.value:
            moment = as_utc(at)
            implemented[action_id] = max(moment, implemented.get(action_id, moment))
    return max(implemented.get(action_id, fallback) for action_id, fallback in fixes.items())


def get_capa(session: Session, capa_id: str, *, lock: bool = False) -> CapaRow:
    """The CAPA row (locked for update when asked), or 404 `unknown_capa`."""
    query = select(CapaRow).where(CapaRow.id == capa_id)
    if lock:
        query = query.with_for_update()
    row = session.scalar(query)
    if row is None:
        raise ApiError(404, "unknown_capa", f"capa_id: there is no CAPA {capa_id!r}")
    return row


def capa_user(session: Session, username: str, field: str) -> User:
    """An active user who may own a CAPA or action; 422 naming the field otherwise."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        raise ApiError(422, "unknown_user", f"{field}: there is no active user {username!r}")
    if user.role not in CAPA_ROLES:
        raise ApiError(
            422, "owner_not_allowed", f"{field}: {username} is a {user.role} and cannot own CAPA work"
        )
    return user


def load(session: Session, row: CapaRow) -> CapaBundle:
    """Everything recorded on a CAPA, and its domain value."""
    actions = list(
        session.scalars(
            select(CapaActionRow).where(CapaActionRow.capa_id == row.id).order_by(CapaActionRow.created_at)
        )
    )
    checks = list(
        session.scalars(
            select(EffectivenessCheckRow)
            .where(EffectivenessCheckRow.capa_id == row.id)
            .order_by(EffectivenessCheckRow.created_at, EffectivenessCheckRow.id)
        )
    )
    sources = list(
        session.scalars(select(Finding).where(Finding.capa_id == row.id).order_by(Finding.created_at))
    )
    user_ids = {row.owner_id, *(a.owner_id for a in actions)}
    usernames = {u.id: u.username for u in session.scalars(select(User).where(User.id.in_(user_ids)))}
    capa = Capa(
        capa_id=row.id,
        title=row.title,
        problem_statement=row.problem_statement,
        owner=usernames.get(row.owner_id, ""),
        source_finding_ids=tuple(f.id for f in sources),
        containment=row.containment,
        correction=row.correction,
        root_cause_method=RootCauseMethod(row.root_cause_method) if row.root_cause_method else None,
        root_cause_result=row.root_cause_result,
        actions=tuple(_action(a, usernames) for a in actions),
        document_update_justification=row.document_update_justification,
        communication_justification=row.communication_justification,
        verification=None
        if row.verification_compliance is None or row.verification_safety is None
        else Verification(
            row.verification_compliance,
            row.verification_safety,
            row.verification_comment,
            row.verified_by or "",
        ),
        checks=tuple(_check(c) for c in checks),
        round=row.round,
        closed=row.closed_at is not None,
        awaiting_rework=row.awaiting_rework,
    )
    return CapaBundle(row, actions, checks, sources, usernames, capa, last_fix_at(session, actions))


def _action(row: CapaActionRow, usernames: dict[str, str]) -> Action:
    return Action(
        action_id=row.id,
        kind=ActionKind(row.kind),
        description=row.description,
        owner=usernames.get(row.owner_id, ""),
        due_date=row.due_date,
        status=ActionStatus(row.status),
        evidence=row.evidence,
        document_id=row.document_id,
        document_revision=row.document_revision,
        communication_record=row.communication_record,
        cancel_reason=row.cancel_reason,
    )


def _check(row: EffectivenessCheckRow) -> EffectivenessCheck:
    return EffectivenessCheck(
        check_id=row.id,
        criterion=row.criterion,
        method=CheckMethod(row.method),
        window_start=row.window_start,
        window_end=row.window_end,
        result=CheckResult(row.result),
        comment=row.comment,
        round=row.round,
    )


def refresh(session: Session, row: CapaRow, *, touched: bool = True) -> CapaBundle:
    """Reload the CAPA, store its derived stage, and stamp it updated; returns the fresh bundle."""
    session.flush()
    bundle = load(session, row)
    stage = stage_of(bundle.capa)
    if row.stage != stage.value:
        row.stage = stage.value
    if touched:
        row.updated_at = now()
    return bundle


def record_work(row: CapaRow) -> None:
    """Work recorded after a reopening takes the CAPA out of the `reopened` stage."""
    row.awaiting_rework = False


def is_closed(row: CapaRow) -> bool:
    """Whether the CAPA is closed (signed)."""
    return row.closed_at is not None or row.stage == CapaStage.CLOSED.value
