"""What a screen built of Flet controls holds, read without a browser: every control inside another, and the
texts a user would see."""

from __future__ import annotations

from collections.abc import Iterator

import flet as ft


def walk(control: object) -> Iterator[object]:
    """A control and everything inside it (its `controls` and its `content`), depth first."""
    yield control
    for name in ("controls", "content"):
        child = getattr(control, name, None)
        for item in child if isinstance(child, list) else [child] if child is not None else []:
            if isinstance(item, ft.BaseControl):
                yield from walk(item)


def texts(control: object) -> list[str]:
    """Every text shown inside a control, in screen order; a hidden text is not shown."""
    return [str(c.value) for c in walk(control) if isinstance(c, ft.Text) and c.visible is not False]
