"""A form whose fields save themselves as a draft on change and blur, and show each error at its field."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import flet as ft

from auditapp.domain.errors import AuditAppError, ValidationError
from auditapp.services.form_drafts import FormDrafts
from auditapp.ui.field.theme import Autosave, error_text, show_error, text_field


@dataclass(frozen=True)
class Field:
    """One text field of a form: its name (as the services call it), label, and shape."""

    name: str
    label: str
    hint: str = ""
    lines: int = 1


class DraftForm:
    """Text fields bound to a draft: typed text survives reloads until the form is submitted.

    `values()` reads the widgets; `refused(exc)` puts a ValidationError's message under the field it
    names (or on the form's error line) and keeps every value; `submitted()` empties the fields.
    """

    def __init__(self, drafts: Callable[[], FormDrafts], key: str, fields: Sequence[Field]):
        self.key = key
        self._drafts = drafts
        self.error = error_text()
        saved = drafts().get(key)
        self.fields: dict[str, ft.TextField] = {}
        self._autosaves: dict[str, Autosave] = {}
        for spec in fields:
            box = text_field(spec.label, saved.get(spec.name, ""), hint=spec.hint)
            if spec.lines > 1:
                box.multiline = True
                box.min_lines = spec.lines
            self._autosaves[spec.name] = Autosave(box, self._saver(spec.name), self.error)
            self.fields[spec.name] = box

    def _saver(self, name: str) -> Callable[[str], None]:
        def save(value: str) -> None:
            self._drafts().save(self.key, name, value)

        return save

    def __getitem__(self, name: str) -> ft.TextField:
        return self.fields[name]

    def value(self, name: str) -> str:
        """What is typed in one field."""
        return self.fields[name].value or ""

    def values(self) -> dict[str, str]:
        """What is typed in every field."""
        return {name: box.value or "" for name, box in self.fields.items()}

    def keep(self, extra: Mapping[str, str] | None = None) -> None:
        """Save every field now, with `extra` values of the form's other controls (before a submit, so a
        refused submit keeps the latest text)."""
        values = self.values()
        self._drafts().save_all(self.key, {**values, **(extra or {})})
        for name, value in values.items():
            self._autosaves[name].stored(value)

    def refused(self, exc: AuditAppError) -> None:
        """Show why the submit was refused, at the field it names when the form has that field."""
        self.clear_errors()
        name = exc.field if isinstance(exc, ValidationError) else None
        if name in self.fields:
            message = str(exc).removeprefix(f"{name}: ")
            self.fields[name].error = message[:1].upper() + message[1:]
        else:
            show_error(self.error, exc.for_screen)

    def clear_errors(self) -> None:
        """Hide every error of the form."""
        for box in self.fields.values():
            box.error = None
        show_error(self.error, None)

    def submitted(self) -> None:
        """Empty the fields after a successful submit (the services cleared the draft)."""
        self.clear_errors()
        for name, box in self.fields.items():
            box.value = ""
            self._autosaves[name].stored("")  # so whatever is typed next is saved, even the same text

    def controls(self, *names: str) -> list[ft.Control]:
        """The fields (all, or the named ones in that order) for a layout."""
        return [self.fields[n] for n in (names or tuple(self.fields))]


def run_action(form: DraftForm, action: Callable[[], object]) -> bool:
    """Save the draft, run the service call, and show its refusal at the form; True when it succeeded."""
    form.keep()
    try:
        action()
    except AuditAppError as exc:
        form.refused(exc)
        return False
    form.submitted()
    return True
