"""The effectiveness calendar: checks by the month their window opens, with field results and reopenings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from auditapp.domain.errors import ValidationError
from auditapp.services.quality.capa_views import CheckView, Reopening, capa_view, check_view
from auditapp.services.quality.labels import METHOD_LABEL, RESULT_LABEL
from auditapp.services.quality.port import Json, QualityApi

CHECK_RESULTS = ("pending", "passed", "failed")
CHECK_METHODS = ("field_reverification", "record_review", "metric")


@dataclass(frozen=True)
class CalendarFilters:
    """Result, method and a day the window must include (empty means any)."""

    result: str = ""
    method: str = ""
    open_on: str = ""

    def query(self) -> dict[str, str]:
        """The query of GET /api/effectiveness-checks; ValidationError names a bad filter."""
        if self.result and self.result not in CHECK_RESULTS:
            raise ValidationError(
                f"choose one of: {', '.join(RESULT_LABEL[r] for r in CHECK_RESULTS)}", "Result"
            )
        if self.method and self.method not in CHECK_METHODS:
            raise ValidationError(
                f"choose one of: {', '.join(METHOD_LABEL[m] for m in CHECK_METHODS)}", "Method"
            )
        day = self.open_on.strip()
        if day:
            try:
                day = dt.date.fromisoformat(day).isoformat()
            except ValueError:
                raise ValidationError(
                    f"{day} is not a date: write it as YYYY-MM-DD", "Window includes"
                ) from None
        return {k: v for k, v in {"result": self.result, "method": self.method, "open_on": day}.items() if v}


@dataclass(frozen=True)
class Month:
    """The checks whose window opens in one month."""

    title: str
    checks: tuple[CheckView, ...]


@dataclass(frozen=True)
class ReopenedCapa:
    """A CAPA that was reopened, with each reopening."""

    capa_id: str
    title: str
    stage: str
    reopenings: tuple[Reopening, ...]


@dataclass(frozen=True)
class Calendar:
    """Months of checks, the counts by state, and the reopen history."""

    months: tuple[Month, ...]
    counts: dict[str, int] = field(default_factory=dict)
    reopened: tuple[ReopenedCapa, ...] = ()

    @property
    def empty(self) -> bool:
        """No check matches."""
        return not self.months


def months_of(checks: Sequence[CheckView]) -> tuple[Month, ...]:
    """Checks grouped by the month their window opens, earliest first (undated ones last)."""
    dated = sorted(checks, key=lambda c: (c.window_start or dt.date.max, c.capa_title, c.check_id))
    months: dict[str, list[CheckView]] = {}
    for check in dated:
        title = check.window_start.strftime("%B %Y") if check.window_start else "No window"
        months.setdefault(title, []).append(check)
    return tuple(Month(title, tuple(items)) for title, items in months.items())


def _all(api: QualityApi, query: dict[str, str]) -> list[Json]:
    items: list[Json] = []
    cursor: str | None = None
    while True:
        page = api.effectiveness(query, cursor, 200)
        items.extend(page.items)
        if not page.next_cursor:
            return items
        cursor = page.next_cursor


def reopened_capas(api: QualityApi) -> tuple[ReopenedCapa, ...]:
    """Every CAPA that has been reopened, with its reopenings (read from each such CAPA's detail)."""
    found: list[ReopenedCapa] = []
    cursor: str | None = None
    while True:
        page = api.capas({"open_only": "false"}, cursor, 200)
        for item in page.items:
            if int(item.get("round") or 0) > 0 or item.get("stage") == "reopened":
                view = capa_view(api.capa(str(item["id"])))
                found.append(ReopenedCapa(view.capa_id, view.title, view.stage_label, view.reopenings))
        if not page.next_cursor:
            return tuple(found)
        cursor = page.next_cursor


def load_calendar(api: QualityApi, filters: CalendarFilters, today: dt.date | None = None) -> Calendar:
    """The calendar for the filters, with the reopen history of every reopened CAPA."""
    day = today or dt.date.today()
    checks = [check_view(item) for item in _all(api, filters.query())]
    counts: dict[str, int] = {}
    for check in checks:
        state = check.result if check.result != "pending" else check.state(day)
        counts[state] = counts.get(state, 0) + 1
    return Calendar(months_of(checks), counts, reopened_capas(api))
