"""The checklist library as the reports see it: item texts for any audit, and the clauses of ISO 13485."""

from __future__ import annotations

from functools import lru_cache

import checklists
from auditapp.domain.errors import NotFoundError
from auditapp.services.catalog import ChecklistInfo, ChecklistItemRef
from auditapp.services.workspace import ChecklistItemText

STANDARD = "iso13485-2016"


@lru_cache(maxsize=16)
def _checklist(checklist_id: str) -> checklists.Checklist:
    try:
        return checklists.get_library_checklist(checklist_id)
    except LookupError as exc:
        raise NotFoundError(str(exc)) from None


class LibraryTexts:
    """ChecklistTexts over the library shipped with the app (the central store and the command line)."""

    def get(self, checklist_id: str, content_hash: str | None = None) -> ChecklistInfo:
        """Identity and item refs of a library checklist (its shipped version); NotFoundError when unknown."""
        checklist = _checklist(checklist_id)
        items = tuple(ChecklistItemRef(i.id, i.clause) for i in checklist.items)
        return ChecklistInfo(checklist.id, checklist.version, checklist.content_hash, checklist.title, items)

    def items(self, checklist_id: str, content_hash: str | None = None) -> list[ChecklistItemText]:
        """Items with their texts (of the shipped version), in checklist order."""
        checklist = _checklist(checklist_id)
        titles = {s.clause: s.title for s in checklist.sections}
        return [
            ChecklistItemText(i.id, i.clause, titles.get(i.clause, ""), i.text, i.guidance)
            for i in checklist.items
        ]


def standard_clauses() -> list[str]:
    """Every ISO 13485:2016 clause that holds audit items, in document order (the coverage grid's rows)."""
    return list(dict.fromkeys(i.clause for i in _checklist(STANDARD).items))
