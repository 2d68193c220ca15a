"""Paper vs practice: per clause, the documents reviewed next to the practice evidence, gaps marked."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from auditapp.services.paper_practice import ClausePaperPractice, Mark
from auditapp.ui.field.screen_parts import back_button
from auditapp.ui.field.theme import named

MARK_STYLE = {
    Mark.CONSISTENT: (ft.Icons.CHECK_CIRCLE, ft.Colors.GREEN_700),
    Mark.NO_PRACTICE: (ft.Icons.WARNING_AMBER, ft.Colors.ORANGE_800),
    Mark.CONTRADICTS: (ft.Icons.ERROR, ft.Colors.RED_700),
    Mark.PRACTICE_ONLY: (ft.Icons.INFO_OUTLINE, ft.Colors.BLUE_GREY_600),
    Mark.PAPER_FAULTED: (ft.Icons.REPORT_OUTLINED, ft.Colors.RED_700),
    Mark.NO_EVIDENCE: (ft.Icons.RADIO_BUTTON_UNCHECKED, ft.Colors.GREY_600),
}


def paper_practice_screen(
    rows: list[ClausePaperPractice], title: str, on_back: Callable[[], None], show_empty: bool = False
) -> ft.Control:
    """The comparison for each clause with evidence (every clause when show_empty), gaps marked."""
    shown = [r for r in rows if show_empty or r.mark is not Mark.NO_EVIDENCE]
    gaps = sum(1 for r in rows if r.gap)
    back = back_button("Back to the walkthrough", on_back)
    summary = (
        f"{gaps} clause{'s' if gaps != 1 else ''} with an implementation gap"
        if gaps
        else "No implementation gap found so far"
    )
    cards: list[ft.Control] = [_card(r) for r in shown] or [
        ft.Text(
            "No evidence recorded yet: documents, records, interviews and photos appear here by clause.",
            size=16,
        )
    ]
    return ft.Column(
        [
            ft.Row([back, ft.Text("Paper vs practice", size=28, weight=ft.FontWeight.BOLD, expand=True)]),
            ft.Text(title, size=16),
            named("practice-summary", ft.Text(summary, size=18, weight=ft.FontWeight.BOLD)),
            ft.ListView(controls=cards, spacing=12, expand=True),
        ],
        expand=True,
        spacing=8,
    )


def _card(row: ClausePaperPractice) -> ft.Control:
    icon, colour = MARK_STYLE[row.mark]
    paper = [ft.Text(d, size=15) for d in row.documents] or [
        ft.Text("No document reviewed", size=15, italic=True)
    ]
    practice = [_line(line.text, line.contradicts) for line in row.practice] or [
        ft.Text("No practice evidence", size=15, italic=True)
    ]
    return named(
        f"practice-{row.clause}",
        ft.Container(
            padding=16,
            border_radius=12,
            bgcolor=ft.Colors.SURFACE_CONTAINER_LOW,
            border=ft.Border.all(2, colour) if row.gap else None,
            content=ft.Column(
                [
                    ft.Text(f"{row.clause} {row.title}", size=18, weight=ft.FontWeight.BOLD),
                    ft.Row(
                        [
                            ft.Icon(icon, color=colour),
                            ft.Text(row.mark_text, size=16, color=colour, expand=True),
                        ]
                    ),
                    ft.ResponsiveRow(
                        [
                            ft.Column(
                                [ft.Text("On paper", size=16, weight=ft.FontWeight.BOLD), *paper],
                                col={"xs": 12, "md": 6},
                            ),
                            ft.Column(
                                [ft.Text("In practice", size=16, weight=ft.FontWeight.BOLD), *practice],
                                col={"xs": 12, "md": 6},
                            ),
                        ]
                    ),
                ],
                spacing=8,
            ),
        ),
    )


def _line(text: str, contradicts: bool) -> ft.Control:
    """One piece of practice evidence; a contradicting one in red with a cross (icons need no font)."""
    icon = ft.Icon(ft.Icons.CLOSE if contradicts else ft.Icons.CIRCLE, size=16 if contradicts else 8)
    icon.color = ft.Colors.RED_700 if contradicts else ft.Colors.ON_SURFACE_VARIANT
    words = ft.Text(text, size=15, color=ft.Colors.RED_700 if contradicts else None, expand=True)
    return ft.Row([icon, words], vertical_alignment=ft.CrossAxisAlignment.START)
