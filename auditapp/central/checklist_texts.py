"""The checklists the central store's reports know: the shipped library and every version it published.

An audit planned on a tablet with a published checklist pins that version's content hash; the store finds
the version by the hash, so its report lists the items the auditors answered (ADR 0054).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

import checklists
from auditapp.central.checklist_tables import PublishedChecklist
from auditapp.domain.errors import NotFoundError
from auditapp.reports.library import LibraryTexts
from auditapp.services.catalog import ChecklistInfo, ChecklistItemRef
from auditapp.services.workspace import ChecklistItemText


class PublishedTexts:
    """ChecklistTexts over the published versions (by content hash, else the newest) and the library."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._library = LibraryTexts()
        self._loaded: dict[tuple[str, str | None], checklists.Checklist | None] = {}

    def _published(self, checklist_id: str, content_hash: str | None) -> checklists.Checklist | None:
        key = (checklist_id, content_hash)
        if key not in self._loaded:
            query = select(PublishedChecklist.document).where(PublishedChecklist.checklist_id == checklist_id)
            if content_hash:
                query = query.where(PublishedChecklist.content_hash == content_hash)
            document = self._session.scalar(query.order_by(PublishedChecklist.id.desc()).limit(1))
            self._loaded[key] = checklists.load_text(document) if document is not None else None
        return self._loaded[key]

    def _find(self, checklist_id: str, content_hash: str | None) -> checklists.Checklist | None:
        """The pinned published version; else None when the library has the id; else the newest published."""
        if content_hash:
            pinned = self._published(checklist_id, content_hash)
            if pinned is not None:
                return pinned
        try:
            self._library.get(checklist_id)
            return None
        except NotFoundError:
            newest = self._published(checklist_id, None)
            if newest is None:
                raise
            return newest

    def get(self, checklist_id: str, content_hash: str | None = None) -> ChecklistInfo:
        """Identity and item refs; NotFoundError when neither published nor shipped."""
        found = self._find(checklist_id, content_hash)
        if found is None:
            return self._library.get(checklist_id)
        items = tuple(ChecklistItemRef(i.id, i.clause) for i in found.items)
        return ChecklistInfo(found.id, found.version, found.content_hash, found.title, items)

    def items(self, checklist_id: str, content_hash: str | None = None) -> list[ChecklistItemText]:
        """Items with their texts, in checklist order."""
        found = self._find(checklist_id, content_hash)
        if found is None:
            return self._library.items(checklist_id)
        titles = {s.clause: s.title for s in found.sections}
        return [
            ChecklistItemText(i.id, i.clause, titles.get(i.clause, ""), i.text, i.guidance)
            for i in found.items
        ]
