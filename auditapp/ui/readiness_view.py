"""The readiness picture both apps show: verdict banner, traffic lights, coverage heatmap, CAPAs and gaps.

Plain controls built from a `Readiness` value; the colours are the PDF's (`auditapp.reports.charts`), so
screen and paper agree. No handler, no service call: the screens around it do that.
"""

from __future__ import annotations

import flet as ft

from auditapp.domain.readiness import Readiness, Verdict
from auditapp.reports.charts import LIGHT_COLORS, heat_color, hex_color
from auditapp.reports.readiness_report import VERDICT_COLORS, site_label

CELL = 26


def _named(identifier: str, control: ft.Control) -> ft.Control:
    return ft.Semantics(identifier=identifier, content=control, container=True)


def verdict_banner(r: Readiness) -> ft.Control:
    """The verdict in white on its colour, with the site and whose it is, the date and the number of audits
    behind it."""
    return _named(
        "readiness-verdict",
        ft.Container(
            ft.Column(
                [
                    ft.Text(r.verdict.label, size=24, weight=ft.FontWeight.BOLD, color=ft.Colors.WHITE),
                    ft.Text(
                        f"{site_label(r)}: records of the 12 months to {r.as_of.isoformat()}, "
                        f"{len(r.audits)} audit(s)",
                        color=ft.Colors.WHITE,
                    ),
                ],
                spacing=4,
            ),
            bgcolor=hex_color(VERDICT_COLORS[r.verdict]),
            padding=16,
            border_radius=8,
        ),
    )


def reasons(r: Readiness) -> ft.Control:
    """What keeps the site from each stage, one line per reason."""
    lines: list[ft.Control] = []
    for stage in (1, 2):
        found = [x for x in r.reasons if x.blocks == stage]
        if found:
            lines.append(ft.Text(f"What keeps the site from Stage {stage}", weight=ft.FontWeight.BOLD))
            lines.extend(ft.Text(f"•  {x.text}", selectable=True) for x in found)
    if r.verdict is Verdict.READY_STAGE2:
        lines.append(
            ft.Text("Every process shows real records, every clause was audited, every CAPA loop is closed.")
        )
    return ft.Column(lines, spacing=4)


def traffic_lights(r: Readiness) -> ft.Control:
    """One row per key process: a coloured light, its name and why."""
    rows: list[ft.Control] = [
        ft.Row(
            [
                ft.Container(
                    width=20,
                    height=20,
                    border_radius=10,
                    bgcolor=hex_color(LIGHT_COLORS[p.light]),
                    tooltip=p.state.label,
                ),
                ft.Text(p.name, weight=ft.FontWeight.BOLD, width=280),
                ft.Text(p.explanation, expand=True),
            ],
            spacing=12,
        )
        for p in r.processes
    ]
    return _named("readiness-processes", ft.Column(rows, spacing=8))


def heatmap(r: Readiness) -> ft.Control:
    """Clause groups down, months across; darker green for more answers, grey for none."""
    grid = r.grid
    top = max((v for row in grid.cells for v in row), default=0)
    header = ft.Row(
        [
            ft.Container(width=44),
            *(ft.Text(m[2:], size=10, width=CELL, text_align=ft.TextAlign.CENTER) for m in grid.months),
        ],
        spacing=2,
    )
    rows: list[ft.Control] = [header]
    for clause, values in zip(grid.rows, grid.cells, strict=True):
        cells = [
            ft.Container(
                width=CELL,
                height=CELL - 6,
                bgcolor=hex_color(heat_color(v, top)),
                tooltip=f"{clause}, {month}: {v} answer(s)",
                content=ft.Text(str(v) if v else "", size=9, text_align=ft.TextAlign.CENTER),
                alignment=ft.Alignment.CENTER,
            )
            for month, v in zip(grid.months, values, strict=True)
        ]
        total = sum(values)
        rows.append(
            ft.Row(
                [
                    ft.Text(clause, width=44, weight=ft.FontWeight.BOLD),
                    *cells,
                    ft.Text(str(total) if total else "none", color=None if total else ft.Colors.RED_700),
                ],
                spacing=2,
            )
        )
    notes: list[ft.Control] = []
    if grid.uncovered:
        notes.append(ft.Text(f"Not audited in the cycle: {', '.join(grid.uncovered)}", selectable=True))
    return _named("readiness-heatmap", ft.Column([*rows, *notes], spacing=2))


def capas_and_gaps(r: Readiness) -> ft.Control:
    """CAPA counts and the loops not closed, then the implementation gaps."""
    c = r.capas
    lines: list[ft.Control] = [
        ft.Text(
            f"CAPAs opened {c.opened}, closed {c.closed}, closed with effectiveness verified {c.verified}"
        )
    ]
    lines += [ft.Text(f"•  {x.text}", selectable=True) for x in c.loops]
    for gap in r.gaps:
        what = "practice does not conform" if gap.practice_fails else "practice not shown"
        lines.append(ft.Text(f"Gap {gap.clause}: {', '.join(gap.documents)} on paper, {what}"))
    return ft.Column(lines, spacing=4)


def readiness_view(r: Readiness) -> ft.Control:
    """The whole picture, in reading order."""

    def block(title: str, content: ft.Control) -> ft.Control:
        return ft.Column([ft.Text(title, size=20, weight=ft.FontWeight.BOLD), content], spacing=8)

    return ft.Column(
        [
            verdict_banner(r),
            reasons(r),
            block("Key processes", traffic_lights(r)),
            block("Audit programme coverage", heatmap(r)),
            block("CAPAs and implementation gaps", capas_and_gaps(r)),
        ],
        spacing=20,
    )
