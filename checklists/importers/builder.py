"""Turning imported rows into a checklist: hierarchy from clause numbers, ids made, problems located."""

from __future__ import annotations

from dataclasses import dataclass, field

from checklists.clauses import is_within, parent_of
from checklists.model import Checklist, Item, Section
from checklists.problems import ProblemList


@dataclass(frozen=True)
class Where:
    """A cell: sheet (None for CSV/YAML), row or line, and column letter or number."""

    sheet: str | None
    row: int | None
    column: str | int | None = None

    def at(self, column: str | int | None) -> Where:
        """The same row, another column."""
        return Where(self.sheet, self.row, column)


@dataclass
class _Node:
    clause: str
    title: str
    where: Where
    order: int
    items: list[Item] = field(default_factory=list)


class ChecklistBuilder:
    """Collects sections and items in source order, then builds one Checklist or reports every problem."""

    def __init__(self, problems: ProblemList, checklist_id: str, id_where: Where | None = None):
        self.problems = problems
        self.checklist_id = checklist_id
        self._nodes: dict[str, _Node] = {}
        self._item_ids: dict[str, Where] = {}
        self._counters: dict[str, int] = {}
        self._explicit_parents: dict[str, str | None] = {}
        if any(ch.isspace() for ch in checklist_id):
            # Item ids are made from it, and an id with spaces is refused for items too.
            self.report(
                id_where or Where(None, None), f"checklist id {checklist_id!r} must not contain spaces"
            )

    def report(self, where: Where, message: str) -> None:
        """Record a problem at a cell."""
        column = where.column if isinstance(where.column, str) or where.column is None else str(where.column)
        if where.sheet is None and isinstance(where.column, int):
            self.problems.at(where.row, where.column, message)
        else:
            self.problems.cell(where.sheet, where.row, column, message)

    def section(self, clause: str, title: str, where: Where) -> None:
        """Declare a clause with its title; a repeat with another title is a duplicate clause."""
        node = self._nodes.get(clause)
        if node is None:
            self._nodes[clause] = _Node(clause, title, where, len(self._nodes))
        elif title and node.title and title != node.title:
            first = node.where.row
            self.report(
                where, f"duplicate clause {clause} with another title {title!r} (first on row {first})"
            )
        elif title and not node.title:
            node.title = title

    def parent(self, clause: str, parent: str | None, where: Where) -> None:
        """Fix the parent of a clause when the source says it (CISO depth); it must contain the clause."""
        if parent is not None and not is_within(clause, parent):
            self.report(
                where, f"clause {clause} is outside its parent {parent} (it must start with {parent}.)"
            )
        self._explicit_parents.setdefault(clause, parent)

    def item(self, item: Item, where: Where, id_where: Where | None = None) -> None:
        """Add an item under its clause (declared on the fly), giving it an id when it has none."""
        if not item.text:
            self.report(where, f"empty question under clause {item.clause}")
            return
        self.section(item.clause, "", where)
        item_id = item.id
        if not item_id:
            count = self._counters.get(item.clause, 0) + 1
            self._counters[item.clause] = count
            item_id = f"{self.checklist_id}-{item.clause}-{count:02d}"
            while item_id in self._item_ids:
                count += 1
                self._counters[item.clause] = count
                item_id = f"{self.checklist_id}-{item.clause}-{count:02d}"
        elif any(ch.isspace() for ch in item_id):
            self.report(id_where or where, f"item id {item_id!r} must not contain spaces")
            return
        if item_id in self._item_ids:
            first = self._item_ids[item_id]
            self.report(id_where or where, f"duplicate item id {item_id} (first on row {first.row})")
            return
        self._item_ids[item_id] = where
        node = self._nodes[item.clause]
        node.items.append(
            Item(
                item_id,
                item.clause,
                item.text,
                item.guidance,
                item.evidence,
                item.records,
                item.process,
                item.refs,
            )
        )

    def build(self, title: str, version: str, standard: str, language: str) -> Checklist | None:
        """The checklist with sections in tree order (parents before children); None when problems exist."""
        if not self._nodes and not self.problems.problems:
            self.problems.at(None, None, "no questions found")
        if self.problems.problems:
            return None
        parents = {clause: self._parent(clause) for clause in self._nodes}
        children: dict[str | None, list[str]] = {}
        for clause in sorted(self._nodes, key=lambda c: self._nodes[c].order):
            children.setdefault(parents[clause], []).append(clause)
        sections: list[Section] = []
        items: list[Item] = []

        def walk(parent: str | None) -> None:
            for clause in children.get(parent, []):
                node = self._nodes[clause]
                sections.append(Section(clause, node.title, parent))
                items.extend(node.items)
                walk(clause)

        walk(None)
        return Checklist(
            self.checklist_id, title, version, standard, language or "en", tuple(sections), tuple(items)
        )

    def _parent(self, clause: str) -> str | None:
        """The explicit parent when the source gave one, else the nearest declared ancestor by number."""
        if clause in self._explicit_parents:
            return self._explicit_parents[clause]
        parent = parent_of(clause)
        while parent is not None and parent not in self._nodes:
            parent = parent_of(parent)
        return parent
