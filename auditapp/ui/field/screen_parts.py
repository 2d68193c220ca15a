"""Parts the audit screens share: titled sections, plain lines, the labelled back button."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from auditapp.ui.field.theme import TOUCH, named


def back_button(label: str, on_back: Callable[[], None]) -> ft.Control:
    """A back arrow with a visible label (which is also its accessible name)."""
    return named(
        "back", ft.TextButton(label, icon=ft.Icons.ARROW_BACK, on_click=lambda _: on_back(), height=TOUCH)
    )


def section(heading: str, *controls: ft.Control) -> ft.Control:
    """A titled block of the item screen."""
    return ft.Container(
        padding=16,
        border_radius=12,
        bgcolor=ft.Colors.SURFACE_CONTAINER_LOW,
        content=ft.Column(
            [ft.Text(heading, size=20, weight=ft.FontWeight.BOLD), *controls],
            spacing=12,
            horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
        ),
    )


def lines(texts: list[str], empty: str) -> list[ft.Control]:
    """Plain lines of text, or one line saying there is nothing yet."""
    if not texts:
        return [ft.Text(empty, size=15, italic=True, color=ft.Colors.ON_SURFACE_VARIANT)]
    return [ft.Text(t, size=16) for t in texts]
