"""Look and feel of the field app: large touch targets for one-handed use on a tablet, and autosave.

Every screen builds its controls from these helpers, so sizes, accessible names and the way a field saves
itself are the same everywhere. Flet 1.0 updates the page after a handler only when the handler did not
call update() itself: a handler that shows progress with update() must call it again at its end.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

import flet as ft

from auditapp.domain.errors import AuditAppError

TOUCH = 56  # minimum height of anything a thumb has to hit, in logical pixels
# Share of the 12-column grid a form takes per breakpoint: all of a portrait tablet, about 640 px on a
# landscape one, so lines stay readable.
FORM_COLUMNS: dict[str | ft.ResponsiveRowBreakpoint, int | float] = {
    "xs": 12,
    "md": 10,
    "lg": 7,
    "xl": 6,
    "xxl": 5,
}
AUTOSAVE_PAUSE_S = 0.8  # a field saves this long after the last keystroke (and at once when left)
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
    """Give a control a stable identifier in the page (how browser tests and screen readers find it).

    Semantics needs visible content, so a control hidden at first (an error line) is wrapped in a container
    that stays visible while the control comes and goes.
    """
    content = control if control.visible is not False else ft.Container(control)
    return ft.Semantics(identifier=identifier, content=content)


def error_text() -> ft.Text:
    """A hidden line for an error message that says what to do."""
    return ft.Text("", color=ft.Colors.RED_700, visible=False, size=16)


def show_error(line: ft.Text, message: str | None) -> None:
    """Show or hide an error line (a sentence: its first letter capitalised)."""
    line.value = message[:1].upper() + message[1:] if message else ""
    line.visible = bool(message)


def title(text: str) -> ft.Text:
    """A screen's heading."""
    return ft.Text(text, size=28, weight=ft.FontWeight.BOLD)


def body_text(text: str, **style: object) -> ft.Text:
    """Running text at a size readable at arm's length."""
    return ft.Text(text, size=16, **style)  # type: ignore[arg-type]


def text_field(label: str, value: str = "", *, secret: bool = False, hint: str = "") -> ft.TextField:
    """A text field whose label is also its accessible name; a secret one hides what is typed (see reveal)."""
    return ft.TextField(
        label=label,
        value=value,
        password=secret,
        hint_text=hint or None,
        text_size=18,
        content_padding=ft.Padding.symmetric(horizontal=16, vertical=18),
    )


def reveal(fields: Sequence[ft.TextField], what: str = "passphrase") -> ft.Control:
    """A named, thumb-sized button that shows or hides what was typed in secret fields.

    Flet's own eye icon in the field has no accessible name and is 40 px: too small and unnamed.
    """

    def toggle(_: object) -> None:
        hidden = not fields[0].password
        for field in fields:
            field.password = hidden
        button.content = f"Show {what}" if hidden else f"Hide {what}"

    button = ft.TextButton(f"Show {what}", icon=ft.Icons.VISIBILITY, on_click=toggle, height=TOUCH)
    return button


def primary(label: str, on_click: Callable[..., object], *, icon: ft.IconData | None = None) -> ft.Control:
    """The main action of a screen: a filled button at least TOUCH high; its label is its name."""
    return ft.FilledButton(label, icon=icon, on_click=on_click, height=TOUCH)


def secondary(label: str, on_click: Callable[..., object], *, icon: ft.IconData | None = None) -> ft.Control:
    """Another action: an outlined button at least TOUCH high."""
    return ft.OutlinedButton(label, icon=icon, on_click=on_click, height=TOUCH)


def form(controls: Sequence[ft.Control], *, scroll: bool = True) -> ft.Control:
    """A centred column of controls: the full width in portrait, a readable column in landscape.

    Fields stretch to the column's width; put buttons in a Row so that they keep their own width.
    """
    column = ft.Column(
        list(controls),
        spacing=20,
        tight=True,
        horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
    )
    return ft.Column(
        [ft.ResponsiveRow([ft.Container(column, col=FORM_COLUMNS)], alignment=ft.MainAxisAlignment.CENTER)],
        scroll=ft.ScrollMode.AUTO if scroll else None,
        expand=True,
    )


class Autosave:
    """Saves a text field through a service call after a pause in typing, when it is left, and on Enter.

    `save(value)` is one service call (it stores durably before returning); an AuditAppError it raises is
    shown in `error` and the field keeps what was typed, to be saved at the next change. Nothing is saved
    when the value did not change since the last save.
    """

    def __init__(
        self,
        field: ft.TextField,
        save: Callable[[str], object],
        error: ft.Text | None = None,
        pause_s: float = AUTOSAVE_PAUSE_S,
    ):
        self.field = field
        self._save = save
        self._error = error
        self._pause_s = pause_s
        self._saved = field.value or ""
        self._typed = 0
        field.on_change = self._changed
        field.on_blur = self.flush
        if field.on_submit is None:
            field.on_submit = self.flush

    def stored(self, value: str) -> None:
        """Remember `value` as what the draft now holds (a submit cleared it, or a keep wrote it).

        Without this, text retyped after a submit that equals the text saved before it looks unchanged
        and is never written, so a reload loses it (FLD-106).
        """
        self._saved = value

    def flush(self, _: object = None) -> bool:
        """Save now if the value changed; False when the service refused it."""
        value = self.field.value or ""
        if value == self._saved:
            return True
        try:
            self._save(value)
        except AuditAppError as exc:
            if self._error is not None:
                show_error(self._error, exc.for_screen)
            return False
        self._saved = value
        if self._error is not None:
            show_error(self._error, None)
        return True

    async def _changed(self, _: object) -> None:
        self._typed += 1
        mine = self._typed
        await asyncio.sleep(self._pause_s)
        if mine == self._typed:
            self.flush()


def autosave(
    field: ft.TextField, save: Callable[[str], object], error: ft.Text | None = None
) -> ft.TextField:
    """Wire a text field to save itself through `save` (see Autosave); returns the field for layouts."""
    Autosave(field, save, error)
    return field
