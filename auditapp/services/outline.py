"""The checklist outline the walkthrough navigates: clause sections, items with guidance, hints and process.

The services see checklists only through this port (the bootstrap adapts the checklist library to it),
so the walkthrough logic is tested with small fake outlines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from auditapp.services.catalog import ChecklistInfo

NO_PROCESS = "Other"
"""Group of items whose checklist names no MDSAP process."""


@dataclass(frozen=True)
class OutlineItem:
    """One checklist question with what the auditor needs on the floor."""

    item_id: str
    clause: str
    text: str
    guidance: str = ""
    evidence: tuple[str, ...] = ()
    records: tuple[str, ...] = ()
    process: str | None = None


@dataclass(frozen=True)
class OutlineSection:
    """A clause of the standard with its title and parent clause (None at the top)."""

    clause: str
    title: str
    parent: str | None = None


@dataclass(frozen=True)
class ChecklistOutline:
    """A checklist's clause tree and items in document order."""

    checklist_id: str
    title: str
    version: str
    sections: tuple[OutlineSection, ...] = ()
    items: tuple[OutlineItem, ...] = ()
    process_order: tuple[str, ...] = field(default=())

    def title_of(self, clause: str) -> str:
        """The title of a clause ('' when the checklist has no section for it)."""
        return next((s.title for s in self.sections if s.clause == clause), "")


@dataclass(frozen=True)
class ChecklistChoice:
    """A checklist an audit can be planned against (the plan form's criteria list)."""

    checklist_id: str
    title: str
    version: str
    items: int


class ChecklistOutlines(Protocol):
    """The checklists of this device: identity for pinning, outline for the walkthrough, choices for plans."""

    def get(self, checklist_id: str, content_hash: str | None = None) -> ChecklistInfo:
        """Identity and item refs (a pinned version where held, else the current one); NotFoundError when
        unknown."""

    def outline(self, checklist_id: str, content_hash: str | None = None) -> ChecklistOutline:
        """Sections and items of a checklist (a pinned version where held); NotFoundError when unknown."""

    def available(self) -> list[ChecklistChoice]:
        """Every checklist an audit can be planned against."""


def ancestors(clause: str, parents: dict[str, str | None]) -> list[str]:
    """The clause and its parents up to the top, nearest first (dotted prefixes when no section says)."""
    chain = [clause]
    seen = {clause}
    current: str | None = clause
    while current is not None:
        parent = parents.get(current) if current in parents else _dotted_parent(current)
        if parent is None or parent in seen:
            break
        chain.append(parent)
        seen.add(parent)
        current = parent
    return chain


def _dotted_parent(clause: str) -> str | None:
    head, dot, _ = clause.rpartition(".")
    return head if dot and head else None


def clause_key(clause: str) -> tuple[tuple[int, str], ...]:
    """Sort key that puts 7.5.10 after 7.5.9 (numbers compared as numbers)."""
    return tuple((int(p), "") if p.isdigit() else (0, p) for p in clause.split("."))


def belongs_to(item_clause: str, clause: str) -> bool:
    """Whether an item under item_clause sits under clause (the same clause or a sub-clause of it)."""
    return item_clause == clause or item_clause.startswith(clause + ".")
