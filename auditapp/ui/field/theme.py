"""Look and feel of the field app: large touch targets for one-handed use on a tablet."""

from __future__ import annotations

import flet as ft

TOUCH = 56  # minimum height of anything a thumb has to hit, in logical pixels
ANSWERS: tuple[tuple[str, str, str], ...] = (
    # (value, label, colour)
    ("conforming", "Conforming", ft.Colors.GREEN_700),
    ("nonconforming", "Nonconforming", ft.Colors.RED_700),
    ("observation", "Observation", ft.Colors.AMBER_800),
    ("not_applicable", "Not applicable", ft.Colors.BLUE_GREY_600),
    ("not_audited", "Not audited", ft.Colors.GREY_600),
)
ANSWER_LABEL = {value: label for value, label, _ in ANSWERS}
ANSWER_COLOUR = {value: colour for value, _, colour in ANSWERS}


def named(identifier: str, control: ft.Control) -> ft.Semantics:
    """Give a control a stable identifier in the page (how browser tests and screen readers find it)."""
    return ft.Semantics(identifier=identifier, content=control)


def error_text() -> ft.Text:
    """A hidden line for an error message that says what to do."""
    return ft.Text("", color=ft.Colors.RED_700, visible=False, size=16)


def show_error(line: ft.Text, message: str | None) -> None:
    """Show or hide an error line."""
    line.value = message or ""
    line.visible = bool(message)
