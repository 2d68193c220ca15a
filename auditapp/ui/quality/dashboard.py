"""Dashboard: open CAPAs by stage and age, overdue actions, effectiveness pass rate, repeat findings by clause
and process, findings per audit by grade; charts, each with its figures in words underneath."""

from __future__ import annotations

from typing import Any

import flet as ft
import flet_charts as fch

from auditapp.services.quality import dashboard
from auditapp.services.quality.dashboard import Dashboard, Series
from auditapp.services.quality.labels import GRADE_LABEL, GRADE_ORDER
from auditapp.ui.quality.context import Ctx, Screen
from auditapp.ui.quality.theme import GRADE_COLOUR, heading, muted, named, refreshes

BAR = ft.Colors.BLUE_600
VALUE_WIDTH = 40
ROW_SPACING = 6


def _bar_row(label: str, tooltip: str, name_width: float, bar: list[ft.Control], value: str) -> ft.Control:
    """One horizontal bar: its name (fitted by the view-model), the bar, the value at the bar's end."""
    return ft.Row(
        [
            ft.Container(
                ft.Text(label, size=dashboard.NAME_SIZE, text_align=ft.TextAlign.RIGHT),
                width=name_width,
                alignment=ft.Alignment.CENTER_RIGHT,
                tooltip=tooltip,
            ),
            ft.Row(bar, spacing=0, expand=True),
            ft.Text(value, size=dashboard.NAME_SIZE, width=VALUE_WIDTH, weight=ft.FontWeight.BOLD),
        ],
        spacing=8,
        vertical_alignment=ft.CrossAxisAlignment.CENTER,
    )


def _segment(colour: str, flex: int, tooltip: str) -> ft.Control:
    return ft.Container(bgcolor=colour, expand=flex, height=16, tooltip=tooltip)


def bar_chart(series: Series, colour: str = BAR) -> ft.Control:
    """A horizontal bar per name, the name beside it: no number or length of names makes labels overlap."""
    if not series.bars:
        return muted(series.empty)
    rows = [
        _bar_row(
            bar.label,
            bar.name,
            dashboard.NAME_WIDTH,
            [
                _segment(colour, bar.length, bar.tooltip),
                ft.Container(expand=dashboard.SCALE - bar.length),
            ],
            dashboard.number(bar.value),
        )
        for bar in series.rows()
    ]
    return ft.Column(rows, spacing=ROW_SPACING)


def column_chart(series: Series, colour: str = BAR, height: int = 200) -> ft.Control:
    """Columns for a few short, ordered categories (the age buckets), on a whole-number axis."""
    if not series.bars:
        return muted(series.empty)
    axis = dashboard.axis_for(series.peak)
    chart: ft.Control = fch.BarChart(
        groups=[
            fch.BarChartGroup(
                x=i,
                rods=[
                    fch.BarChartRod(
                        from_y=0,
                        to_y=value,
                        width=22,
                        color=colour,
                        border_radius=3,
                        tooltip=f"{name}: {value:g}",
                    )
                ],
            )
            for i, (name, value) in enumerate(series.bars)
        ],
        bottom_axis=fch.ChartAxis(
            label_size=28,
            labels=[
                fch.ChartAxisLabel(value=i, label=ft.Text(name, size=11))
                for i, (name, _) in enumerate(series.bars)
            ],
        ),
        left_axis=fch.ChartAxis(label_size=36, label_spacing=axis.step),
        max_y=axis.top,
        interactive=True,
        height=height,
        expand=True,
    )
    return ft.Container(chart, padding=ft.Padding.only(top=10))


def stacked_audits(board: Dashboard) -> ft.Control:
    """Findings of the recent audits, one horizontal bar each, stacked by grade."""
    if not board.audits:
        return muted("No audit has findings yet.")
    peak = max(a.total for a in board.audits)
    rows = []
    for audit in board.audits:
        stack: list[ft.Control] = [
            _segment(
                GRADE_COLOUR.get(grade, ft.Colors.GREY),
                count,
                f"{audit.title}: {GRADE_LABEL.get(grade, grade)} {count}",
            )
            for grade, count in audit.grades
            if count
        ]
        stack.append(ft.Container(expand=peak - audit.total))
        rows.append(_bar_row(audit.label, audit.title, dashboard.WIDE_NAME_WIDTH, stack, str(audit.total)))
    return ft.Column(rows, spacing=ROW_SPACING)


def pass_rate_pie(board: Dashboard) -> ft.Control:
    """Effectiveness checks passed against failed."""
    if not (board.effectiveness_passed or board.effectiveness_failed):
        return muted("No effectiveness check has a result yet.")
    chart: ft.Control = fch.PieChart(
        sections=[
            fch.PieChartSection(
                value=board.effectiveness_passed,
                color=ft.Colors.GREEN_600,
                radius=60,
                title=str(board.effectiveness_passed),
            ),
            fch.PieChartSection(
                value=board.effectiveness_failed,
                color=ft.Colors.RED_600,
                radius=60,
                title=str(board.effectiveness_failed),
            ),
        ],
        center_space_radius=30,
        height=170,
        width=170,
    )
    return chart


def tile(title: str, value: str, identifier: str, colour: str = ft.Colors.BLUE_800) -> ft.Control:
    """A headline figure."""
    return named(
        identifier,
        ft.Container(
            padding=16,
            width=210,
            border_radius=8,
            bgcolor=ft.Colors.SURFACE_CONTAINER_LOW,
            content=ft.Column(
                [muted(title, 14), ft.Text(value, size=34, weight=ft.FontWeight.BOLD, color=colour)]
            ),
        ),
    )


def panel(
    title: str, chart: ft.Control, spoken: str, identifier: str, width: int = dashboard.PANEL_WIDTH
) -> ft.Control:
    """A chart with its title and its figures in words."""
    return named(
        identifier,
        ft.Container(
            width=width,
            padding=12,
            border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT),
            border_radius=8,
            content=ft.Column(
                [ft.Text(title, weight=ft.FontWeight.BOLD), chart, muted(spoken, 12)], spacing=6
            ),
        ),
    )


class DashboardScreen(Screen):
    """The figures as of the last refresh."""

    title = "Dashboard"

    def __init__(self, ctx: Ctx, **args: Any):
        super().__init__(ctx, **args)
        self.as_of = muted("")
        self.grid = ft.Row(
            wrap=True, spacing=16, run_spacing=16, vertical_alignment=ft.CrossAxisAlignment.START
        )
        self.control = ft.Column(
            [
                ft.Row(
                    [
                        heading("Dashboard"),
                        self.as_of,
                        ft.OutlinedButton("Refresh", icon=ft.Icons.REFRESH, on_click=self._refresh),
                    ]
                ),
                self.grid,
            ],
            scroll=ft.ScrollMode.AUTO,
            expand=True,
        )

    async def load(self) -> None:
        """Read the figures and draw them."""
        board = await self.ctx.runner.run(dashboard.load_dashboard, doing="Loading the dashboard")
        if board is not None:
            self._render(board)

    def _render(self, b: Dashboard) -> None:
        self.as_of.value = f"as of {b.as_of}"
        legend = ft.Row(
            [
                ft.Row(
                    [ft.Container(width=10, height=10, bgcolor=GRADE_COLOUR[g]), muted(GRADE_LABEL[g], 11)],
                    tight=True,
                )
                for g in GRADE_ORDER
            ],
            wrap=True,
        )
        self.grid.controls = [
            ft.Container(  # the headline figures take a line of their own, above the charts
                width=dashboard.WIDE_WIDTH,
                content=ft.Row(
                    [
                        tile("Open CAPAs", str(b.open_capas), "kpi-open"),
                        tile(
                            "Overdue actions",
                            str(b.overdue_actions),
                            "kpi-overdue",
                            ft.Colors.RED_700 if b.overdue_actions else ft.Colors.BLUE_800,
                        ),
                        tile(
                            "Effectiveness pass rate", b.pass_rate_text, "kpi-pass-rate", ft.Colors.GREEN_800
                        ),
                    ],
                    wrap=True,
                ),
            ),
            panel(b.stages.title, bar_chart(b.stages), b.stages.spoken, "chart-stages"),
            panel(b.age.title, column_chart(b.age, ft.Colors.INDIGO_400), b.age.spoken, "chart-age"),
            panel(
                "Effectiveness checks: passed and failed",
                ft.Row([pass_rate_pie(b)], alignment=ft.MainAxisAlignment.CENTER),
                b.effectiveness_spoken,
                "chart-effectiveness",
            ),
            panel(
                b.repeats_by_clause.title,
                bar_chart(b.repeats_by_clause, ft.Colors.PURPLE_400),
                b.repeats_by_clause.spoken,
                "chart-repeat-clause",
            ),
            panel(
                b.repeats_by_process.title,
                bar_chart(b.repeats_by_process, ft.Colors.PURPLE_300),
                b.repeats_by_process.spoken,
                "chart-repeat-process",
            ),
            panel(
                b.per_audit_by_grade.title,
                bar_chart(b.per_audit_by_grade, ft.Colors.ORANGE_600),
                b.per_audit_by_grade.spoken,
                "chart-per-audit",
            ),
            panel(
                "Findings of recent audits, by grade",
                ft.Column([stacked_audits(b), legend], spacing=10),
                b.audits_spoken,
                "chart-audits",
                dashboard.WIDE_WIDTH,
            ),
        ]

    @refreshes
    async def _refresh(self, _: object) -> None:
        await self.load()
