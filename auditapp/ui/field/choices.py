"""Radio choices a thumb can hit: each choice TOUCH high, apart from the next, and named by its label.

Flet's Radio is 32 px high with a 14 px label, and radios stacked in a column touch each other: a one-handed
tap easily picks the neighbour. Here each radio is TOUCH high, its label is 16 px with a line box of 48 px
(so the label itself is a 48 px target, not only the circle), and choices stand 8 px apart. The label stays
the radio's accessible name (a screen reader and the browser tests find it as role "radio" by that name).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import flet as ft

from auditapp.ui.field.theme import TOUCH

LABEL_SIZE = 16
LABEL = ft.TextStyle(size=LABEL_SIZE, height=48 / LABEL_SIZE)  # a 48 px line box, centred in the TOUCH row
GAP = 8  # between two choices, so that a thumb between them hits neither rather than the wrong one


def choice(value: str, label: str) -> ft.Control:
    """One radio, TOUCH high, whose label is its name; it keeps its own width in a wrapping row."""
    # A Radio fills the width it is offered: in a tight row it keeps the width of its circle and label.
    return ft.Row([ft.Radio(value=value, label=label, height=TOUCH, label_style=LABEL)], tight=True)


def choices(
    options: Sequence[tuple[str, str]],
    value: str | None,
    on_change: Callable[..., object],
    *,
    across: bool = False,
) -> ft.RadioGroup:
    """A radio group of (value, label) options: stacked, or side by side wrapping onto more lines."""
    return ft.RadioGroup(value=value, content=layout(options, across=across), on_change=on_change)


def layout(options: Sequence[tuple[str, str]], *, across: bool = False) -> ft.Control:
    """The radios of a group's options (a group's new content when labels change, such as counts)."""
    radios: list[ft.Control] = [choice(v, label) for v, label in options]
    if across:
        return ft.Row(radios, wrap=True, spacing=2 * GAP, run_spacing=GAP)
    return ft.Column(radios, spacing=GAP, tight=True)
