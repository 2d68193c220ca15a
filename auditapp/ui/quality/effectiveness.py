"""Effectiveness calendar: checks by the month their window opens, their method and status, the results
from the field with their evidence, and the history of reopened CAPAs."""

from __future__ import annotations

import datetime as dt
from typing import Any

import flet as ft

from auditapp.services.quality import effectiveness, people, trail_view
from auditapp.services.quality.capa_views import CheckView
from auditapp.services.quality.effectiveness import Calendar, CalendarFilters
from auditapp.services.quality.labels import METHOD_LABEL, RESULT_LABEL, STAGE_LABEL, label
from auditapp.ui.quality.context import Ctx, Screen
from auditapp.ui.quality.forms import radios
from auditapp.ui.quality.theme import error_text, heading, muted, refreshes, section, tag

STATE_COLOUR = {
    "passed": ft.Colors.GREEN_700,
    "failed": ft.Colors.RED_700,
    "open": ft.Colors.BLUE_700,
    "upcoming": ft.Colors.BLUE_GREY_500,
    "overdue": ft.Colors.ORANGE_800,
    "superseded": ft.Colors.GREY_600,
}
STATE_LABEL = {
    "passed": "Passed",
    "failed": "Failed",
    "open": "Window open",
    "upcoming": "Upcoming",
    "overdue": "Result overdue",
    "superseded": "Superseded by a reopening",
}


class EffectivenessScreen(Screen):
    """Every effectiveness check, filtered by result, method or a day inside the window."""

    title = "Effectiveness"

    def __init__(self, ctx: Ctx, **args: Any):
        super().__init__(ctx, **args)
        self.result = radios(
            {"": "Any result", **{k: RESULT_LABEL[k] for k in effectiveness.CHECK_RESULTS}}, ""
        )
        self.method = radios(
            {"": "Any method", **{k: METHOD_LABEL[k] for k in effectiveness.CHECK_METHODS}}, ""
        )
        self.open_on = ft.TextField(label="Window includes", hint_text="YYYY-MM-DD", width=200)
        self.error = error_text()
        self.people = people.NOBODY
        self.summary = ft.Row(wrap=True, spacing=6)
        self.body = ft.Column(spacing=12)
        self.control = ft.Column(
            [
                heading("Effectiveness checks"),
                self.result,
                ft.Row([self.method, self.open_on, ft.FilledButton("Show", on_click=self._apply)], wrap=True),
                self.error,
                self.summary,
                self.body,
            ],
            scroll=ft.ScrollMode.AUTO,
            expand=True,
        )

    async def load(self) -> None:
        """Read the checks, the reopened CAPAs and the printed names of who decided and reopened."""
        filters = CalendarFilters(
            str(self.result.value or ""), str(self.method.value or ""), self.open_on.value or ""
        )
        loaded = await self.ctx.runner.run(
            lambda api: (effectiveness.load_calendar(api, filters), people.load_people(api)),
            doing="Loading effectiveness checks",
            error=self.error,
        )
        if loaded is not None:
            calendar, self.people = loaded
            self._render(calendar)

    def _render(self, cal: Calendar) -> None:
        today = dt.date.today()
        self.summary.controls = [
            tag(f"{STATE_LABEL.get(k, k)}: {n}", STATE_COLOUR.get(k, ft.Colors.GREY_700))
            for k, n in sorted(cal.counts.items())
        ]
        parts: list[ft.Control] = []
        if cal.empty:
            parts.append(muted("No effectiveness check matches."))
        for month in cal.months:
            parts.append(
                section(month.title, [self._check(c, today) for c in month.checks], f"month-{month.title}")
            )
        history: list[ft.Control] = []
        for capa in cal.reopened:
            stage = label(STAGE_LABEL, capa.stage)
            history.append(ft.TextButton(f"{capa.title} ({stage})", on_click=self._open(capa.capa_id)))
            history += [
                muted(
                    f"{r.at} · {r.reason.replace('_', ' ')} · by {self.people.name(r.actor)}"
                    + (f" · “{r.comment}”" if r.comment else "")
                )
                for r in capa.reopenings
            ]
        parts.append(
            section("Reopen history", history or [muted("No CAPA has been reopened.")], "reopen-history")
        )
        self.body.controls = parts

    def _check(self, c: CheckView, today: dt.date) -> ft.Control:
        state = c.result if c.result != "pending" else c.state(today)
        lines: list[ft.Control] = [
            ft.Row(
                [
                    tag(STATE_LABEL.get(state, state), STATE_COLOUR.get(state, ft.Colors.GREY_700)),
                    tag(c.method_label),
                    ft.Text(f"Window {c.window}"),
                ],
                wrap=True,
            ),
            ft.TextButton(f"{c.capa_title or 'CAPA'}: {c.criterion}", on_click=self._open(c.capa_id)),
        ]
        if c.comment:
            lines.append(muted(f"Result: {c.comment} ({self.people.name(c.decided_by)} {c.decided_at})"))
        if c.evidence:
            lines.append(muted(f"Evidence: {', '.join(c.evidence)}"))
        lines += [muted(trail_view.task_line(t)) for t in c.tasks]
        return ft.Container(ft.Column(lines, spacing=2), padding=6)

    def _open(self, capa_id: str) -> Any:
        @refreshes
        async def go(_: object) -> None:
            await self.ctx.go("capa", capa_id=capa_id)

        return go

    @refreshes
    async def _apply(self, _: object) -> None:
        await self.load()
