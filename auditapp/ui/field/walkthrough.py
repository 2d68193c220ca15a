"""Walkthrough: the checklist items of one audit, answered with one tap each."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from auditapp.domain.errors import AuditAppError
from auditapp.services.field_views import ItemView, WalkthroughView
from auditapp.ui.field.theme import ANSWER_COLOUR, ANSWER_LABEL, ANSWERS, TOUCH, error_text, named, show_error

RecordAnswer = Callable[[str, str], ItemView]


class WalkthroughScreen:
    """Holds the controls of one open audit so a changed answer re-renders only its own card."""

    def __init__(self, view: WalkthroughView, record_answer: RecordAnswer, on_back: Callable[[], None]):
        self._items = {item.item_id: item for item in view.items}
        self._record = record_answer
        self._cards: dict[str, ft.Container] = {}
        self._progress = ft.Text(size=16)
        self._bar = ft.ProgressBar(value=0)
        self._error = error_text()
        self.control = ft.Column(
            [
                ft.Row(
                    [
                        named(
                            "back",
                            ft.IconButton(
                                ft.Icons.ARROW_BACK, tooltip="Back to audits", on_click=lambda _: on_back()
                            ),
                        ),
                        ft.Text(view.title, size=24, weight=ft.FontWeight.BOLD, expand=True),
                    ]
                ),
                ft.Text(view.site, size=16),
                self._bar,
                self._progress,
                self._error,
                ft.ListView(controls=[self._card(item) for item in view.items], spacing=12, expand=True),
            ],
            expand=True,
            spacing=8,
        )
        self._update_progress()

    def _update_progress(self) -> None:
        answered = sum(1 for item in self._items.values() if item.answer is not None)
        total = len(self._items)
        self._progress.value = f"{answered} of {total} items answered"
        self._bar.value = answered / total if total else 0

    def _card(self, item: ItemView) -> ft.Control:
        card = ft.Container(padding=16, border_radius=12, bgcolor=ft.Colors.SURFACE_CONTAINER_LOW)
        self._cards[item.item_id] = card
        self._fill(card, item)
        return named(f"item-{item.item_id}", card)

    def _fill(self, card: ft.Container, item: ItemView) -> None:
        answer = (
            ft.Text(
                f"Answer: {ANSWER_LABEL[item.answer]}",
                color=ANSWER_COLOUR[item.answer],
                size=16,
                weight=ft.FontWeight.BOLD,
            )
            if item.answer
            else ft.Text("Not answered yet", size=16, italic=True)
        )
        buttons = [self._answer_button(item, value, label) for value, label, _ in ANSWERS]
        card.content = ft.Column(
            [
                ft.Text(f"{item.clause} {item.clause_title}", size=14, color=ft.Colors.PRIMARY),
                ft.Text(item.text, size=18),
                ft.ExpansionTile(
                    title=ft.Text("Guidance"), controls=[ft.Text(item.guidance or "No guidance.")]
                )
                if item.guidance
                else ft.Container(),
                answer,
                ft.Row(buttons, wrap=True, spacing=8, run_spacing=8),
            ],
            spacing=8,
        )

    def _answer_button(self, item: ItemView, value: str, label: str) -> ft.Control:
        def choose(_: object) -> None:
            try:
                updated = self._record(item.item_id, value)
            except AuditAppError as exc:
                show_error(self._error, str(exc))
                return
            show_error(self._error, None)
            self._items[item.item_id] = updated
            self._fill(self._cards[item.item_id], updated)
            self._update_progress()

        style = ft.FilledButton if item.answer == value else ft.OutlinedButton
        return style(label, on_click=choose, height=TOUCH)
