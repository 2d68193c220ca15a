"""Look and feel of the quality app: a desktop layout, colours for grades and stages, stable handles."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import ParamSpec

import flet as ft

P = ParamSpec("P")

GRADE_COLOUR = {
    "major_nc": ft.Colors.RED_700,
    "minor_nc": ft.Colors.ORANGE_800,
    "observation": ft.Colors.AMBER_800,
    "ofi": ft.Colors.BLUE_700,
    "good_practice": ft.Colors.GREEN_700,
}
STATE_COLOUR = {"ok": ft.Colors.GREEN_700, "missing": ft.Colors.RED_700, "info": ft.Colors.BLUE_GREY_600}


def named(identifier: str, control: ft.Control) -> ft.Semantics:
    """Give a control a stable identifier in the page (how browser tests and screen readers find it).

    Semantics needs visible content, so a control hidden at first (an error or outcome line) is wrapped in
    a container that stays visible while the control comes and goes.
    """
    content = control if control.visible is not False else ft.Container(control)
    return ft.Semantics(identifier=identifier, content=content, container=True)


def error_text() -> ft.Text:
    """A hidden line for an error message that says what to do."""
    return ft.Text("", color=ft.Colors.RED_700, visible=False, size=15)


def show_error(line: ft.Text, message: str | None) -> None:
    """Show or hide an error line."""
    line.value = message or ""
    line.visible = bool(message)


def heading(text: str, size: int = 24) -> ft.Text:
    """A screen or section title."""
    return ft.Text(text, size=size, weight=ft.FontWeight.BOLD)


def muted(text: str, size: int = 13) -> ft.Text:
    """Secondary text."""
    return ft.Text(text, size=size, color=ft.Colors.ON_SURFACE_VARIANT)


def tag(text: str, colour: str = ft.Colors.BLUE_GREY_600) -> ft.Container:
    """A small coloured label (grade, stage, status)."""
    return ft.Container(
        content=ft.Text(text, size=12, color=ft.Colors.WHITE, weight=ft.FontWeight.W_500),
        bgcolor=colour,
        border_radius=6,
        padding=ft.Padding.symmetric(horizontal=8, vertical=2),
    )


def section(title: str, controls: list[ft.Control], identifier: str | None = None) -> ft.Control:
    """A titled card of one part of a record."""
    card = ft.Card(
        semantic_container=False,
        content=ft.Container(
            padding=16,
            content=ft.Column([heading(title, 18), *controls], spacing=8),
        ),
    )
    return named(identifier, card) if identifier else card


def field_line(label: str, value: str) -> ft.Control:
    """A label and its value on one line."""
    return ft.Row(
        [
            ft.Text(f"{label}:", weight=ft.FontWeight.W_600, width=190),
            ft.Text(value or "—", expand=True),
        ],
        vertical_alignment=ft.CrossAxisAlignment.START,
    )


def text_field(label: str, value: str = "", *, multiline: bool = False, **extra: object) -> ft.TextField:
    """A text field with the app's defaults (multi-line ones grow with their content)."""
    if multiline:
        return ft.TextField(label=label, value=value, multiline=True, min_lines=2, max_lines=6, **extra)  # type: ignore[arg-type]
    return ft.TextField(label=label, value=value, **extra)  # type: ignore[arg-type]


def flush(page: ft.Page) -> None:
    """Send what changed so far (e.g. a progress bar) while a handler goes on.

    Flet skips its update at the end of a handler that called update() itself; resetting the flag keeps
    that final update, so what the handler changes afterwards still reaches the page.
    """
    page.update()
    ft.context.reset_update_called()  # type: ignore[no-untyped-call]


def refreshes(handler: Callable[P, Awaitable[None]]) -> Callable[P, Awaitable[None]]:
    """Decorate an async event handler so the whole page is sent when it ends.

    Flet's own update after a handler starts from the control that fired the event; when the handler
    replaced the screen that control was on, that update does not reach the new screen.
    """

    @functools.wraps(handler)
    async def run(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            await handler(*args, **kwargs)
        finally:
            ft.context.page.update()

    return run
