"""The dashboard's figures computed straight from the tables: the reference the counters must agree with.

Each figure is one GROUP BY or count over the CAPA and finding tables (as ADR 0073 served them). The
endpoint now reads the counters of `metric_counts` instead (ADR 0075); these functions stay as the
definition of every figure, for the test that drives real operations and compares, and for
`auditapp admin rebuild-metrics`, which reports any difference it repairs.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Literal

from sqlalchemy import ColumnElement, case, func, literal, select
from sqlalchemy.orm import Session

from auditapp.central.capa_tables import CapaActionRow, CapaRow, EffectivenessCheckRow
from auditapp.central.metric_counts import NOT_COUNTED, OPEN_ACTION_STATUSES
from auditapp.central.metrics import AGE_BUCKETS, OLDEST_BUCKET, RECENT_AUDITS, AuditGrades, Metrics, assemble
from auditapp.central.tables import Audit, Finding


def open_capas_by_stage(session: Session) -> dict[str, int]:
    """Count of CAPAs in each stage other than closed."""
    rows = session.execute(
        select(CapaRow.stage, func.count()).where(CapaRow.stage != "closed").group_by(CapaRow.stage)
    )
    return {stage: int(n) for stage, n in rows}


def overdue_actions(session: Session, today: date) -> int:
    """Actions not implemented or cancelled whose due date has passed."""
    query = (
        select(func.count())
        .select_from(CapaActionRow)
        .where(CapaActionRow.status.in_(OPEN_ACTION_STATUSES), CapaActionRow.due_date < today)
    )
    return int(session.scalar(query) or 0)


def capa_age(session: Session, now: datetime) -> dict[str, int]:
    """Open CAPAs by how long ago they were opened."""
    bucket = case(
        *((CapaRow.created_at >= now - timedelta(days=days), label) for days, label in AGE_BUCKETS),
        else_=OLDEST_BUCKET,
    )
    rows = session.execute(select(bucket, func.count()).where(CapaRow.stage != "closed").group_by(bucket))
    found = {str(label): int(n) for label, n in rows}
    return {label: found.get(label, 0) for label in [*(b[1] for b in AGE_BUCKETS), OLDEST_BUCKET]}


def effectiveness(session: Session) -> tuple[int, int]:
    """Effectiveness checks decided as passed and as failed (every round counts)."""
    rows = session.execute(
        select(EffectivenessCheckRow.result, func.count())
        .where(EffectivenessCheckRow.result.in_(("passed", "failed")))
        .group_by(EffectivenessCheckRow.result)
    )
    counts = {result: int(n) for result, n in rows}
    return counts.get("passed", 0), counts.get("failed", 0)


def repeat_findings_by(session: Session, column: Literal["clause", "process"]) -> dict[str, int]:
    """Repeat findings (same clause found again) grouped by clause or by process."""
    key = Finding.clause if column == "clause" else Finding.process
    rows = session.execute(
        select(key, func.count())
        .where(Finding.repeat == True, Finding.status.not_in(NOT_COUNTED))  # noqa: E712 - index on (repeat, ...)
        .group_by(key)
        .order_by(func.count().desc(), key)
    )
    return {str(k or "(none)"): int(n) for k, n in rows}


def _has_findings() -> ColumnElement[bool]:
    # EXISTS per audit (index on findings.audit_id) is far cheaper than COUNT(DISTINCT) over every finding.
    # Selecting a constant keeps the probe inside the (audit_id, status) index.
    counted = select(literal(1)).where(Finding.audit_id == Audit.id, Finding.status.not_in(NOT_COUNTED))
    return counted.exists()


def findings_by_grade(session: Session) -> tuple[dict[str, int], int]:
    """Findings of each grade, and how many audits raised any."""
    rows = session.execute(
        select(Finding.grade, func.count()).where(Finding.status.not_in(NOT_COUNTED)).group_by(Finding.grade)
    )
    audits = session.scalar(select(func.count()).select_from(Audit).where(_has_findings()))
    return {grade: int(n) for grade, n in rows}, int(audits or 0)


def recent_audit_grades(session: Session, limit: int = RECENT_AUDITS) -> list[AuditGrades]:
    """Grade counts of the most recently planned audits (by their clock) that raised findings."""
    recent = (
        select(Audit.id, Audit.title, Audit.site, Audit.hlc)
        .where(_has_findings())
        .order_by(Audit.hlc.desc(), Audit.id.desc())
        .limit(limit)
        .subquery()
    )
    rows = session.execute(
        select(recent.c.id, recent.c.title, recent.c.site, Finding.grade, func.count())
        .join(Finding, Finding.audit_id == recent.c.id)
        .where(Finding.status.not_in(NOT_COUNTED))
        .group_by(recent.c.id, recent.c.title, recent.c.site, recent.c.hlc, Finding.grade)
        .order_by(recent.c.hlc.desc(), recent.c.id.desc())
    )
    out: dict[str, AuditGrades] = {}
    for audit_id, title, site, grade, n in rows:
        out.setdefault(audit_id, AuditGrades(audit_id, title, site, {})).grades[grade] = int(n)
    return list(out.values())


def compute_live(session: Session, now: datetime) -> Metrics:
    """All dashboard figures as of `now` (UTC), from the tables."""
    stages = open_capas_by_stage(session)
    passed, failed = effectiveness(session)
    grades, audits = findings_by_grade(session)
    return assemble(
        now,
        stages=stages,
        overdue=overdue_actions(session, now.date()),
        age=capa_age(session, now),
        passed=passed,
        failed=failed,
        by_clause=repeat_findings_by(session, "clause"),
        by_process=repeat_findings_by(session, "process"),
        grades=grades,
        audits=audits,
        recent=recent_audit_grades(session),
    )
