"""CAPA board: columns by stage, cards with owner, due date and an overdue mark.

The stage columns share the width of the window (QAP-039): at 1280 px every stage shows without scrolling
sideways, and a card's text wraps within its column. The board scrolls down as one page.
"""

from __future__ import annotations

from typing import Any

import flet as ft

from auditapp.services.quality import capa_views, people
from auditapp.services.quality.capa_views import Board, CapaCard
from auditapp.services.quality.labels import STAGE_LABEL, counted, label
from auditapp.ui.quality.context import Ctx, Screen
from auditapp.ui.quality.theme import heading, muted, named, refreshes, tag


class BoardScreen(Screen):
    """Open CAPAs by stage; closed ones on request."""

    title = "CAPA board"

    def __init__(self, ctx: Ctx, **args: Any):
        super().__init__(ctx, **args)
        self.owner = ft.TextField(label="Owner (username)", width=200, on_submit=self._reload)
        self.closed = ft.Checkbox(label="Show closed CAPAs", on_change=self._reload)
        self.people = people.NOBODY
        # No sideways scrolling: the columns flex to share the width (see the module's docstring).
        self.columns = ft.Row(spacing=8, vertical_alignment=ft.CrossAxisAlignment.START)
        self.summary = muted("")
        self.control = ft.Column(
            [
                heading("CAPA board"),
                ft.Row(
                    [self.owner, self.closed, ft.OutlinedButton("Show", on_click=self._reload), self.summary]
                ),
                named("board-columns", self.columns),
            ],
            scroll=ft.ScrollMode.AUTO,
            expand=True,
        )

    async def load(self) -> None:
        """Read the CAPAs (and the due dates of their actions), and the printed names of their owners."""
        owner, closed = self.owner.value or "", bool(self.closed.value)
        loaded = await self.ctx.runner.run(
            lambda api: (capa_views.load_board(api, owner, closed), people.load_people(api)),
            doing="Loading CAPAs and their due dates",
        )
        if loaded is not None:
            board, self.people = loaded
            self._render(board)

    def _render(self, board: Board) -> None:
        late = sum(1 for cards in board.columns.values() for c in cards if c.overdue)
        self.summary.value = counted(board.count, "CAPA") + (f", {late} overdue" if late else "")
        self.columns.controls = [self._column(stage, cards) for stage, cards in board.columns.items()]

    def _column(self, stage: str, cards: list[CapaCard]) -> ft.Control:
        column = named(
            f"stage-{stage}",
            ft.Container(
                padding=6,
                bgcolor=ft.Colors.SURFACE_CONTAINER_LOW,
                border_radius=8,
                content=ft.Column(
                    [ft.Text(f"{label(STAGE_LABEL, stage)} ({len(cards)})", weight=ft.FontWeight.BOLD)]
                    + [self._card(c) for c in cards],
                    spacing=8,
                    horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
                ),
            ),
        )
        column.expand = 1  # every stage gets an equal share of the width
        return column

    def _card(self, card: CapaCard) -> ft.Control:
        marks: list[ft.Control] = []
        if card.overdue:
            marks.append(tag("Overdue", ft.Colors.RED_700))
        if card.round:
            marks.append(tag(f"Round {card.round + 1}", ft.Colors.PURPLE_700))
        owner = self.people.name(card.owner) if card.owner else "not assigned"
        return ft.Card(
            margin=0,
            content=ft.Container(
                padding=8,
                content=ft.Column(
                    [
                        ft.TextButton(
                            content=ft.Text(card.title, text_align=ft.TextAlign.START),
                            on_click=self._open(card),
                            style=ft.ButtonStyle(padding=ft.Padding.symmetric(horizontal=4, vertical=6)),
                        ),
                        muted(f"Owner: {owner}"),
                        muted(card.due_text or "no open action"),
                        ft.Row(marks, spacing=4, wrap=True) if marks else ft.Container(),
                    ],
                    spacing=2,
                ),
            ),
        )

    def _open(self, card: CapaCard) -> Any:
        @refreshes
        async def go(_: object) -> None:
            await self.ctx.go("capa", capa_id=card.capa_id)

        return go

    @refreshes
    async def _reload(self, _: object) -> None:
        await self.load()
