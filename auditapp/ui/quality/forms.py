"""A small form: named fields, an error line and a submit button that runs one call through the runner.

The field controls live as long as the screen, so re-rendering a screen after another form was saved never
empties what the user has typed here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import flet as ft

from auditapp.services.quality.port import QualityApi
from auditapp.ui.quality.runner import Runner
from auditapp.ui.quality.theme import error_text, named, refreshes, text_field

Field = ft.TextField | ft.Checkbox | ft.RadioGroup


def radios(options: Mapping[str, str], value: str | None = None, question: str = "") -> ft.RadioGroup:
    """A row of radio buttons (easier to reach than a drop-down menu), under its question when given.

    With no `value` nothing is chosen: the form then sends "" for it, so a question left alone is never
    taken for an answer.
    """
    row = ft.Row([ft.Radio(value=k, label=v) for k, v in options.items()], wrap=True)
    content: ft.Control = (
        ft.Column([ft.Text(question, weight=ft.FontWeight.W_600), row], spacing=2, tight=True)
        if question
        else row
    )
    return ft.RadioGroup(value=value, content=content)


class Form:
    """Fields by key, an error line and a button; `submit` sends the values with `work`."""

    def __init__(
        self,
        identifier: str,
        fields: dict[str, Field],
        button: str,
        work: Callable[[QualityApi, dict[str, str]], Any],
        done: Callable[[Any], Awaitable[None]],
        runner: Runner,
        doing: str,
    ):
        self.identifier = identifier
        self.fields = fields
        self.work = work
        self.done = done
        self.runner = runner
        self.doing = doing
        self.error = error_text()
        self.button = ft.FilledTonalButton(button, on_click=self._submit)
        self.control = named(
            f"form-{identifier}",
            ft.Column([*fields.values(), self.error, self.button], spacing=8, tight=True),
        )

    def values(self) -> dict[str, str]:
        """What is entered, as text (check boxes as "yes"/"no")."""
        out: dict[str, str] = {}
        for key, field in self.fields.items():
            if isinstance(field, ft.Checkbox):
                out[key] = "yes" if field.value else "no"
            else:
                out[key] = str(field.value or "")
        return out

    def fill(self, values: Mapping[str, object]) -> None:
        """Put values in the fields (when the screen shows the record, and as the store's values change)."""
        for key, value in values.items():
            field = self.fields.get(key)
            if isinstance(field, ft.Checkbox):
                field.value = bool(value)
            elif field is not None:
                field.value = "" if value is None else str(value)

    def clear(self) -> None:
        """Empty the text fields (after adding something new)."""
        for field in self.fields.values():
            if isinstance(field, ft.TextField):
                field.value = ""

    @refreshes
    async def _submit(self, _: object) -> None:
        values = self.values()
        result = await self.runner.run(lambda api: self.work(api, values), doing=self.doing, error=self.error)
        if result is not None:
            await self.done(result)


def field(label: str, multiline: bool = False, width: int = 640, hint: str = "") -> ft.TextField:
    """A text field of a form."""
    return text_field(label, multiline=multiline, width=width, hint_text=hint or None)
