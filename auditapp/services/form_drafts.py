"""Form drafts: what the auditor has typed but not yet submitted, kept in the workspace's encrypted settings.

Every field of every form is saved here on change and on blur, so reloading the page, leaving a screen or
a crash loses nothing; a submitted form clears its draft (ADR 0085). Drafts live in the workspace, so
nothing leaks from one client's workspace into another's.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from auditapp.services.ports import Settings

DRAFT_PREFIX = "field.draft."


def form_key(*parts: str) -> str:
    """The key of one form instance, e.g. form_key('interview', audit_id, item_id)."""
    return ":".join(parts)


class FormDrafts:
    """Unsubmitted form values by form key, field by field."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def get(self, form: str) -> dict[str, str]:
        """The saved fields of a form (empty when none or unreadable)."""
        try:
            values = json.loads(self._settings.get(DRAFT_PREFIX + form) or "{}")
        except ValueError:
            return {}
        if not isinstance(values, dict):
            return {}
        return {str(k): str(v) for k, v in values.items() if v is not None}

    def save(self, form: str, field: str, value: str) -> None:
        """Keep one field's value durably (nothing is written when it did not change)."""
        values = self.get(form)
        if values.get(field) == value:
            return
        values[field] = value
        self._settings.put(DRAFT_PREFIX + form, json.dumps(values, sort_keys=True))

    def save_all(self, form: str, values: Mapping[str, str]) -> None:
        """Keep several fields at once."""
        merged = {**self.get(form), **{k: str(v) for k, v in values.items()}}
        self._settings.put(DRAFT_PREFIX + form, json.dumps(merged, sort_keys=True))

    def clear(self, form: str) -> None:
        """Forget a submitted form's draft."""
        if self._settings.get(DRAFT_PREFIX + form) not in (None, "{}"):
            self._settings.put(DRAFT_PREFIX + form, "{}")
