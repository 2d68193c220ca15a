"""Figures for the quality dashboard, read from counters kept in step with every write (ADR 0075).

Open CAPAs by stage, overdue actions, the age of open CAPAs in buckets, the effectiveness pass rate,
repeat findings by clause and by process, and findings per audit by grade. The counts come from the
`metric_counts` table (a few dozen rows); the figures that depend on the time of asking are computed from
small sets: overdue actions from the open actions counted per due date, CAPA age from the open CAPAs
opened in the last 90 days. Nothing scans the findings. `metrics_live` computes the same figures from the
tables, as the reference. Findings triaged as duplicate or rejected do not count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import String, bindparam, case, func, literal, select, union_all
from sqlalchemy.orm import Session

from auditapp.central import metric_counts as mc
from auditapp.central.capa_tables import CapaRow
from auditapp.central.metric_counts import MetricCount
from auditapp.central.tables import Audit, Finding
from auditapp.domain.capa import CapaStage

AGE_BUCKETS = ((30, "0-30 days"), (60, "31-60 days"), (90, "61-90 days"))
OLDEST_BUCKET = "over 90 days"
RECENT_AUDITS = 20
NONE_KEY = "(none)"
"""How a repeat finding without a clause (or process) is listed."""


@dataclass(frozen=True)
class AuditGrades:
    """How many findings of each grade one audit raised."""

    audit_id: str
    title: str
    site: str
    grades: dict[str, int]


@dataclass(frozen=True)
class Metrics:
    """Everything the dashboard shows, computed at one moment."""

    as_of: datetime
    open_capas_by_stage: dict[str, int]
    open_capas: int
    overdue_actions: int
    capa_age: dict[str, int]
    effectiveness_passed: int
    effectiveness_failed: int
    effectiveness_pass_rate: float | None
    repeat_findings_by_clause: dict[str, int]
    repeat_findings_by_process: dict[str, int]
    findings_by_grade: dict[str, int]
    audits_with_findings: int
    findings_per_audit_by_grade: dict[str, float]
    recent_audits: list[AuditGrades] = field(default_factory=list)


def assemble(
    now: datetime,
    *,
    stages: dict[str, int],
    overdue: int,
    age: dict[str, int],
    passed: int,
    failed: int,
    by_clause: dict[str, int],
    by_process: dict[str, int],
    grades: dict[str, int],
    audits: int,
    recent: list[AuditGrades],
) -> Metrics:
    """The figures from their parts, with the derived ones (totals, rates, averages) worked out."""
    return Metrics(
        as_of=now,
        open_capas_by_stage=stages,
        open_capas=sum(stages.values()),
        overdue_actions=overdue,
        capa_age=age,
        effectiveness_passed=passed,
        effectiveness_failed=failed,
        effectiveness_pass_rate=round(passed / (passed + failed), 4) if passed + failed else None,
        repeat_findings_by_clause=by_clause,
        repeat_findings_by_process=by_process,
        findings_by_grade=grades,
        audits_with_findings=audits,
        findings_per_audit_by_grade={g: round(n / audits, 3) for g, n in grades.items()} if audits else {},
        recent_audits=recent,
    )


_READ_KINDS = (
    mc.CAPA_STAGE,
    mc.EFFECTIVENESS,
    mc.GRADE,
    mc.REPEAT_CLAUSE,
    mc.REPEAT_PROCESS,
    mc.AUDITS_WITH_FINDINGS,
)
_OVERDUE = "overdue"
_AGE = "age"
OPEN_STAGES = tuple(stage.value for stage in CapaStage if stage is not CapaStage.CLOSED)
"""Stages of CAPAs not closed, named so the age count reads the (stage, created_at) index."""


@cache
def _figures_query() -> Any:
    """One round trip for the counters, the overdue actions and the recent open CAPAs by age bucket."""
    counters = select(MetricCount.kind, MetricCount.key, MetricCount.n).where(
        MetricCount.kind.in_(_READ_KINDS), MetricCount.n != 0
    )
    overdue = select(
        literal(_OVERDUE, String).label("kind"),
        literal("", String).label("key"),
        func.coalesce(func.sum(MetricCount.n), 0).label("n"),
    ).where(MetricCount.kind == mc.ACTION_DUE, MetricCount.key < bindparam("today", type_=String))
    *recent, (_oldest, last_label) = AGE_BUCKETS
    when = CapaRow.created_at.type
    bucket = case(
        *((CapaRow.created_at >= bindparam(f"after_{days}", type_=when), label) for days, label in recent),
        else_=last_label,
    )
    ages = (
        select(literal(_AGE, String).label("kind"), bucket.label("key"), func.count().label("n"))
        .where(
            CapaRow.stage.in_(OPEN_STAGES), CapaRow.created_at >= bindparam(f"after_{_oldest}", type_=when)
        )
        .group_by(bucket)
    )
    return union_all(counters, overdue, ages)


def _figures(session: Session, now: datetime) -> dict[str, dict[str, int]]:
    params: dict[str, Any] = {"today": mc.due_key(now.date())}
    params.update({f"after_{days}": now - timedelta(days=days) for days, _label in AGE_BUCKETS})
    out: dict[str, dict[str, int]] = {kind: {} for kind in (*_READ_KINDS, _OVERDUE, _AGE)}
    for kind, key, n in session.connection().execute(_figures_query(), params):
        out[kind][key] = int(n or 0)
    return out


def _capa_age(by_bucket: dict[str, int], open_capas: int) -> dict[str, int]:
    """Open CAPAs by age: those of the last 90 days counted by bucket, the rest are older."""
    out = {label: by_bucket.get(label, 0) for _days, label in AGE_BUCKETS}
    out[OLDEST_BUCKET] = open_capas - sum(out.values())
    return out


@cache
def _recent_query(limit: int) -> Any:
    counted = (
        select(literal(1))
        .where(MetricCount.kind == mc.AUDIT, MetricCount.key == Audit.id, MetricCount.n > 0)
        .exists()
    )
    recent = (
        select(Audit.id, Audit.title, Audit.site, Audit.hlc)
        .where(counted)
        .order_by(Audit.hlc.desc(), Audit.id.desc())
        .limit(limit)
        .subquery()
    )
    return (
        select(recent.c.id, recent.c.title, recent.c.site, Finding.grade, func.count())
        .join(Finding, Finding.audit_id == recent.c.id)
        .where(Finding.status.not_in(mc.NOT_COUNTED))
        .group_by(recent.c.id, recent.c.title, recent.c.site, recent.c.hlc, Finding.grade)
        .order_by(recent.c.hlc.desc(), recent.c.id.desc())
    )


def recent_audit_grades(session: Session, limit: int = RECENT_AUDITS) -> list[AuditGrades]:
    """Grade counts of the most recently planned audits (by their clock) that raised findings."""
    out: dict[str, AuditGrades] = {}
    for audit_id, title, site, grade, n in session.connection().execute(_recent_query(limit)):
        out.setdefault(audit_id, AuditGrades(audit_id, title, site, {})).grades[grade] = int(n)
    return list(out.values())


def _by_count(counts: dict[str, int]) -> dict[str, int]:
    named = {(key or NONE_KEY): n for key, n in counts.items()}
    return dict(sorted(named.items(), key=lambda kv: (-kv[1], kv[0])))


def compute(session: Session, now: datetime) -> Metrics:
    """All dashboard figures as of `now` (UTC), from the counters."""
    figures = _figures(session, now)
    stages = figures[mc.CAPA_STAGE]
    results = figures[mc.EFFECTIVENESS]
    return assemble(
        now,
        stages=stages,
        overdue=figures[_OVERDUE].get("", 0),
        age=_capa_age(figures[_AGE], sum(stages.values())),
        passed=results.get("passed", 0),
        failed=results.get("failed", 0),
        by_clause=_by_count(figures[mc.REPEAT_CLAUSE]),
        by_process=_by_count(figures[mc.REPEAT_PROCESS]),
        grades=dict(sorted(figures[mc.GRADE].items())),
        audits=figures[mc.AUDITS_WITH_FINDINGS].get("", 0),
        recent=recent_audit_grades(session),
    )
