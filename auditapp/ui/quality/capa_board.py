"""CAPA board: columns by stage, cards with owner, due date and an overdue mark."""

from __future__ import annotations

from typing import Any

import flet as ft

from auditapp.services.quality import capa_views
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
        self.columns = ft.Row(
            scroll=ft.ScrollMode.AUTO, vertical_alignment=ft.CrossAxisAlignment.START, expand=True
        )
        self.summary = muted("")
        self.control = ft.Column(
            [
                heading("CAPA board"),
                ft.Row(
                    [self.owner, self.closed, ft.OutlinedButton("Show", on_click=self._reload), self.summary]
                ),
                self.columns,
            ],
            expand=True,
        )

    async def load(self) -> None:
        """Read the CAPAs (and the due dates of their actions)."""
        owner, closed = self.owner.value or "", bool(self.closed.value)
        board = await self.ctx.runner.run(
            lambda api: capa_views.load_board(api, owner, closed), doing="Loading CAPAs and their due dates"
        )
        if board is not None:
            self._render(board)

    def _render(self, board: Board) -> None:
        late = sum(1 for cards in board.columns.values() for c in cards if c.overdue)
        self.summary.value = counted(board.count, "CAPA") + (f", {late} overdue" if late else "")
        self.columns.controls = [
            named(
                f"stage-{stage}",
                ft.Container(
                    width=250,
                    padding=8,
                    bgcolor=ft.Colors.SURFACE_CONTAINER_LOW,
                    border_radius=8,
                    content=ft.Column(
                        [ft.Text(f"{label(STAGE_LABEL, stage)} ({len(cards)})", weight=ft.FontWeight.BOLD)]
                        + [self._card(c) for c in cards],
                        spacing=8,
                    ),
                ),
            )
            for stage, cards in board.columns.items()
        ]

    def _card(self, card: CapaCard) -> ft.Control:
        marks: list[ft.Control] = []
        if card.overdue:
            marks.append(tag("Overdue", ft.Colors.RED_700))
        if card.round:
            marks.append(tag(f"Round {card.round + 1}", ft.Colors.PURPLE_700))
        return ft.Card(
            content=ft.Container(
                padding=10,
                content=ft.Column(
                    [
                        ft.TextButton(card.title, on_click=self._open(card)),
                        muted(f"Owner: {card.owner or 'not assigned'}"),
                        muted(card.due_text or "no open action"),
                        ft.Row(marks, spacing=4) if marks else ft.Container(),
                    ],
                    spacing=2,
                ),
            )
        )

    def _open(self, card: CapaCard) -> Any:
        @refreshes
        async def go(_: object) -> None:
            await self.ctx.go("capa", capa_id=card.capa_id)

        return go

    @refreshes
    async def _reload(self, _: object) -> None:
        await self.load()
