"""GET /api/metrics: the quality dashboard's figures, for any signed-in user."""

from dataclasses import asdict
from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel

from auditapp.central import metrics
from auditapp.central.auth import now
from auditapp.central.deps import Db, Reader

router = APIRouter(tags=["metrics"])


class AuditGradesOut(BaseModel):
    """Findings of each grade in one audit."""

    audit_id: str
    title: str
    site: str
    grades: dict[str, int]


class MetricsOut(BaseModel):
    """The dashboard: CAPAs by stage and age, overdue actions, effectiveness, repeats, findings by grade."""

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
    recent_audits: list[AuditGradesOut]


@router.get("/api/metrics")
def get_metrics(s: Db, _user: Reader) -> MetricsOut:
    """Figures for the quality dashboard, computed now by SQL aggregates."""
    return MetricsOut.model_validate(asdict(metrics.compute(s, now())))
