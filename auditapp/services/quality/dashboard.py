"""The dashboard's figures from GET /api/metrics, shaped as the charts draw them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from auditapp.services.quality import timefmt
from auditapp.services.quality.labels import GRADE_LABEL, GRADE_ORDER, STAGE_LABEL, STAGE_ORDER, label
from auditapp.services.quality.port import Json, QualityApi

TOP = 8
"""Most bars in a chart of clauses or processes: the ones with most repeats."""


@dataclass(frozen=True)
class Series:
    """One bar chart: labelled values in the order they are drawn."""

    title: str
    bars: tuple[tuple[str, float], ...]
    empty: str = "Nothing to show yet."

    @property
    def peak(self) -> float:
        """The highest value (for the chart's scale)."""
        return max((v for _, v in self.bars), default=0.0)

    @property
    def spoken(self) -> str:
        """The chart in words, for screen readers and for people who prefer numbers."""
        if not self.bars:
            return f"{self.title}: {self.empty}"
        values = ", ".join(f"{name} {_number(value)}" for name, value in self.bars)
        return f"{self.title}: {values}"


@dataclass(frozen=True)
class AuditBar:
    """One audit's findings, stacked by grade."""

    title: str
    site: str
    grades: tuple[tuple[str, int], ...]

    @property
    def total(self) -> int:
        """Findings in the audit."""
        return sum(n for _, n in self.grades)


@dataclass(frozen=True)
class Dashboard:
    """Everything the dashboard shows."""

    as_of: str
    open_capas: int
    overdue_actions: int
    effectiveness_passed: int
    effectiveness_failed: int
    pass_rate: float | None
    stages: Series
    age: Series
    repeats_by_clause: Series
    repeats_by_process: Series
    per_audit_by_grade: Series
    audits: tuple[AuditBar, ...] = field(default=())

    @property
    def pass_rate_text(self) -> str:
        """ "83 %" or "no result yet"."""
        return "no result yet" if self.pass_rate is None else f"{round(self.pass_rate * 100)} %"

    @property
    def effectiveness_spoken(self) -> str:
        """The pie chart in words."""
        counts = f"Passed {self.effectiveness_passed}, failed {self.effectiveness_failed}"
        return f"{counts}; pass rate {self.pass_rate_text}"

    @property
    def audits_spoken(self) -> str:
        """The stacked chart in words."""
        if not self.audits:
            return "Findings per audit: no audit has findings yet."
        parts = [
            f"{a.title}: " + ", ".join(f"{label(GRADE_LABEL, g)} {n}" for g, n in a.grades if n)
            for a in self.audits
        ]
        return "Findings per audit: " + "; ".join(parts)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _counts(values: Mapping[str, object]) -> dict[str, float]:
    out: dict[str, float] = {}
    for key, value in values.items():
        try:
            out[str(key)] = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            continue
    return out


def _top(title: str, values: Mapping[str, object], empty: str) -> Series:
    counts = sorted(_counts(values).items(), key=lambda kv: (-kv[1], kv[0]))[:TOP]
    return Series(title, tuple(counts), empty)


def dashboard_from(item: Json) -> Dashboard:
    """The dashboard from the store's metrics object."""
    stages = _counts(item.get("open_capas_by_stage") or {})
    per_audit = _counts(item.get("findings_per_audit_by_grade") or {})
    audits = tuple(
        AuditBar(
            str(a.get("title") or a.get("audit_id") or ""),
            str(a.get("site") or ""),
            tuple((g, int(_counts(a.get("grades") or {}).get(g, 0))) for g in GRADE_ORDER),
        )
        for a in item.get("recent_audits") or []
    )
    return Dashboard(
        as_of=timefmt.local(item.get("as_of")),
        open_capas=int(item.get("open_capas") or 0),
        overdue_actions=int(item.get("overdue_actions") or 0),
        effectiveness_passed=int(item.get("effectiveness_passed") or 0),
        effectiveness_failed=int(item.get("effectiveness_failed") or 0),
        pass_rate=item.get("effectiveness_pass_rate"),
        stages=Series(
            "Open CAPAs by stage",
            tuple((label(STAGE_LABEL, s), stages.get(s, 0.0)) for s in STAGE_ORDER if s != "closed"),
            "No open CAPA.",
        ),
        age=Series(
            "Open CAPAs by age (days)", tuple(_counts(item.get("capa_age") or {}).items()), "No open CAPA."
        ),
        repeats_by_clause=_top(
            "Repeat findings by clause", item.get("repeat_findings_by_clause") or {}, "No repeat finding."
        ),
        repeats_by_process=_top(
            "Repeat findings by process", item.get("repeat_findings_by_process") or {}, "No repeat finding."
        ),
        per_audit_by_grade=Series(
            "Findings per audit, by grade (average)",
            tuple((label(GRADE_LABEL, g), per_audit.get(g, 0.0)) for g in GRADE_ORDER),
            "No audit has findings yet.",
        ),
        audits=audits,
    )


def load_dashboard(api: QualityApi) -> Dashboard:
    """The current figures."""
    return dashboard_from(api.metrics())
