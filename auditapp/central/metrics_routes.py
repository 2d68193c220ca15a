"""GET /api/metrics: the quality dashboard's figures, for any signed-in user."""

import threading
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel

from auditapp.central import metrics
from auditapp.central.auth import now
from auditapp.central.deps import Db, Reader
from auditapp.config import metrics_cache_seconds

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


class MetricsCache:
    """The last figures and when they go stale; one per app, so dashboards polling together cost one query."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._lock = threading.Lock()
        self._value: MetricsOut | None = None
        self._expires = 0.0

    def get(self, compute: Callable[[], MetricsOut]) -> MetricsOut:
        """The cached figures, or new ones when they are older than `seconds`."""
        if self.seconds <= 0:
            return compute()
        with self._lock:  # one computation at a time; the others wait for its result
            if self._value is None or time.monotonic() >= self._expires:
                self._value = compute()
                self._expires = time.monotonic() + self.seconds
            return self._value


def _cache(request: Request) -> MetricsCache:
    cache = getattr(request.app.state, "metrics_cache", None)
    if cache is None:
        cache = MetricsCache(metrics_cache_seconds())  # checked when the app was made (create_app)
        request.app.state.metrics_cache = cache
    return cache


@router.get("/api/metrics")
def get_metrics(request: Request, s: Db, _user: Reader) -> MetricsOut:
    """Figures for the quality dashboard by SQL aggregates, at most AUDITAPP_METRICS_CACHE_SECONDS old."""
    return _cache(request).get(lambda: MetricsOut.model_validate(asdict(metrics.compute(s, now()))))
