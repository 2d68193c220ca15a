"""What the sections of the item screen share: the audit, the item, the file picker and a way to redraw."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import flet as ft

from auditapp.services.field_audits import FieldAudits
from auditapp.services.form_drafts import form_key
from auditapp.services.item_detail import ItemDetail


@dataclass
class ItemContext:
    """The item being captured on and the callbacks its sections use."""

    audits: FieldAudits
    audit_id: str
    item_id: str
    picker: Callable[[], ft.FilePicker]
    changed: Callable[[ItemDetail], None]
    open_follow_up: Callable[[], None]

    def key(self, form: str, *more: str) -> str:
        """The draft key of one of this item's forms."""
        return form_key(form, self.audit_id, self.item_id, *more)
