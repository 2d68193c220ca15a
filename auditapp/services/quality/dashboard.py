"""The dashboard's figures from GET /api/metrics, shaped as the charts draw them.

Named categories (stages, clauses, processes, grades, audits) are drawn as horizontal bars with the name
beside each bar, so that no number of names and no length of name makes labels overlap (ADR 0103,
addendum). The names are fitted here, to a width in pixels at a generous character width, so tests can
check the fit without a browser; a name cut to fit is whole in its tooltip and in the figures in words.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from auditapp.services.quality import timefmt
from auditapp.services.quality.labels import GRADE_LABEL, GRADE_ORDER, STAGE_LABEL, STAGE_ORDER, label
from auditapp.services.quality.port import Json, QualityApi

TOP = 8
"""Most bars in a chart of clauses or processes: the ones with most repeats (the others are in words)."""

PANEL_WIDTH = 490
"""Width of a chart's panel: two side by side fit a 1280 px window beside the navigation."""
WIDE_WIDTH = 2 * PANEL_WIDTH + 16
"""Width of a panel as wide as two (the recent audits)."""
NAME_SIZE = 12
"""Font size of a bar's name."""
CHAR_PX = 0.6 * NAME_SIZE
"""A generous average character width (px): names are fitted to it, so real text is no wider."""
NAME_WIDTH = 200
"""Room for a bar's name in a panel (px)."""
WIDE_NAME_WIDTH = 320
"""Room for an audit's title in the wide panel (px)."""
NAME_LINES = 2
"""Most lines of a bar's name."""
SCALE = 1000
"""A bar's length is its share of the longest, in thousandths (the flex of the bar beside its gap)."""


def fit_name(name: str, width: float = NAME_WIDTH, lines: int = NAME_LINES) -> str:
    """A name as written beside its bar: wrapped at spaces into at most `lines` lines that fit `width`
    pixels, and cut with an ellipsis when it is longer (the tooltip and the words have it whole)."""
    room = max(2, int(width // CHAR_PX))
    words = name.split() or [""]
    out: list[str] = []
    line = ""
    for word in words:
        candidate = f"{line} {word}" if line else word
        if len(candidate) <= room:
            line = candidate
            continue
        if line:
            out.append(line)
        line = word
        while len(line) > room:  # a word longer than a line (a code, a long compound) is broken
            out.append(line[:room])
            line = line[room:]
    out.append(line)
    if len(out) > lines:
        last = out[lines - 1]
        while len(last) >= room and " " in last:  # room for the ellipsis: drop a word, or cut one
            last = last.rsplit(" ", 1)[0]
        out = [*out[: lines - 1], last[: room - 1] + "…"]
    return "\n".join(out)


def share(value: float, peak: float) -> int:
    """A bar's length in thousandths of the longest; a value above zero always shows."""
    if peak <= 0 or value <= 0:
        return 0
    return max(1, min(SCALE, round(value / peak * SCALE)))


@dataclass(frozen=True)
class Bar:
    """One horizontal bar: the name whole, as written beside the bar, its value and its length."""

    name: str
    label: str
    value: float
    length: int

    @property
    def tooltip(self) -> str:
        """The name whole with its value."""
        return f"{self.name}: {number(self.value)}"


@dataclass(frozen=True)
class Axis:
    """A value axis with whole-number steps: where it ends and how far apart its labels are."""

    top: float
    step: float


def axis_for(peak: float, ticks: int = 5) -> Axis:
    """An axis from 0 to a round number at or above `peak`, labelled at most `ticks` times, in steps of
    1, 2 or 5 times a power of ten (counts never get labels such as 17.25)."""
    if peak <= 0:
        return Axis(1.0, 1.0)
    magnitude = 1.0
    while True:
        for multiple in (1.0, 2.0, 5.0):
            step = multiple * magnitude
            if peak / step <= ticks:
                return Axis(step * math.ceil(peak / step), step)
        magnitude *= 10


def columns_fit(names: Sequence[str], width: float, size: float = 11) -> bool:
    """Whether names written under columns spread evenly over `width` pixels leave room between them."""
    if not names:
        return True
    slot = width / len(names)
    return all(len(n) * 0.6 * size + 4 <= slot for n in names)


@dataclass(frozen=True)
class Series:
    """One bar chart: labelled values in the order they are drawn."""

    title: str
    bars: tuple[tuple[str, float], ...]
    empty: str = "Nothing to show yet."
    more: tuple[tuple[str, float], ...] = ()
    """Values not drawn (beyond the largest TOP), still given in words."""

    @property
    def peak(self) -> float:
        """The highest value (for the chart's scale)."""
        return max((v for _, v in self.bars), default=0.0)

    @property
    def spoken(self) -> str:
        """The chart in words, for screen readers and for people who prefer numbers."""
        if not self.bars:
            return f"{self.title}: {self.empty}"
        values = ", ".join(f"{name} {number(value)}" for name, value in self.bars)
        if self.more:
            rest = ", ".join(f"{name} {number(value)}" for name, value in self.more)
            values += f"; {len(self.more)} more, not drawn: {rest}"
        return f"{self.title}: {values}"

    def rows(self, width: float = NAME_WIDTH) -> tuple[Bar, ...]:
        """The bars as drawn horizontally, each name fitted to `width` pixels."""
        peak = self.peak
        return tuple(Bar(n, fit_name(n, width), v, share(v, peak)) for n, v in self.bars)


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

    @property
    def label(self) -> str:
        """The title as written beside its bar, fitted to the wide panel."""
        return fit_name(self.title, WIDE_NAME_WIDTH)


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


def number(value: float) -> str:
    """A figure as written: whole numbers without a decimal point, others to one decimal."""
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
    counts = sorted(_counts(values).items(), key=lambda kv: (-kv[1], kv[0]))
    return Series(title, tuple(counts[:TOP]), empty, tuple(counts[TOP:]))


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
