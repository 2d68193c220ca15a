"""What the services need to know of a checklist: its identity, pinning hash and items with clauses."""

from __future__ import annotations

from dataclasses import dataclass

from auditapp.domain.plan import ChecklistRef


@dataclass(frozen=True)
class ChecklistItemRef:
    """One item of a checklist and the clause it audits."""

    item_id: str
    clause: str


@dataclass(frozen=True)
class ChecklistInfo:
    """A checklist as the catalog holds it: id, version, content hash, title and items in order."""

    checklist_id: str
    version: str
    content_hash: str
    title: str
    items: tuple[ChecklistItemRef, ...]

    def ref(self) -> ChecklistRef:
        """The reference that pins this exact checklist into an audit plan."""
        return ChecklistRef(self.checklist_id, self.version, self.content_hash)

    def item(self, item_id: str) -> ChecklistItemRef | None:
        """The item with this id, or None."""
        return next((i for i in self.items if i.item_id == item_id), None)
