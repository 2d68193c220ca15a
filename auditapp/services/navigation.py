"""The walkthrough's view-model: item rows, progress per clause and per MDSAP process, search and filters.

Built once when an audit is opened (plain values, no controls), then sliced by the screen: a group of the
clause tree or of the process list, a search, "unanswered" or "with findings". The screen renders only the
slice, so opening a 167-item checklist never builds 167 detail panels.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

from auditapp.domain.state import AuditState
from auditapp.services.outline import NO_PROCESS, ChecklistOutline, belongs_to


class ItemFilter(StrEnum):
    """Which items the walkthrough lists."""

    ALL = "all"
    UNANSWERED = "unanswered"
    FINDINGS = "findings"
    FOLLOW_UP = "follow_up"


class GroupBy(StrEnum):
    """How the walkthrough is navigated: the clause tree or the MDSAP processes (departments)."""

    CLAUSE = "clause"
    PROCESS = "process"


@dataclass(frozen=True)
class ItemRow:
    """One item as the walkthrough lists it: enough to answer it with one tap and see what it holds."""

    item_id: str
    clause: str
    clause_title: str
    text: str
    guidance: str
    process: str
    answer: str | None
    evidence: int = 0
    findings: int = 0
    follow_up: int = 0
    conflict: bool = False  # answered differently on tablets that had not seen each other's answer

    def matches(self, terms: Sequence[str]) -> bool:
        """Whether every search term occurs in the item's clause, titles, question, guidance or id."""
        haystack = " ".join(
            (self.clause, self.clause_title, self.text, self.guidance, self.item_id, self.process)
        ).casefold()
        return all(term in haystack for term in terms)


@dataclass(frozen=True)
class GroupProgress:
    """A clause of the tree or a process: how many of its items are answered, how many findings it has."""

    key: str
    title: str
    depth: int
    answered: int
    total: int
    findings: int = 0
    follow_up: int = 0

    @property
    def label(self) -> str:
        """e.g. '7.5.6 Validation of processes (2/4)'."""
        head = f"{self.key} {self.title}".strip() if self.key != self.title else self.title
        return f"{head} ({self.answered}/{self.total})"

    @property
    def done(self) -> bool:
        """Every item of the group has an answer."""
        return self.answered == self.total


@dataclass(frozen=True)
class WalkthroughModel:
    """An opened audit: every item row, the clause tree and process list with progress."""

    audit_id: str
    title: str
    site: str
    audit_type: str
    closed: bool
    rows: tuple[ItemRow, ...]
    clauses: tuple[GroupProgress, ...]
    processes: tuple[GroupProgress, ...]
    _by_id: dict[str, int] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_id.update({row.item_id: i for i, row in enumerate(self.rows)})

    @property
    def answered(self) -> int:
        """Items answered over the whole audit."""
        return sum(1 for row in self.rows if row.answer is not None)

    @property
    def total(self) -> int:
        """Items in the audit's checklists."""
        return len(self.rows)

    @property
    def progress_text(self) -> str:
        """e.g. '12 of 167 items answered'."""
        return f"{self.answered} of {self.total} items answered"

    @property
    def unanswered(self) -> int:
        """Items with no answer yet."""
        return self.total - self.answered

    @property
    def with_findings(self) -> int:
        """Items that have at least one finding."""
        return sum(1 for row in self.rows if row.findings)

    def row(self, item_id: str) -> ItemRow | None:
        """The row of an item, or None when the item is not in this audit."""
        index = self._by_id.get(item_id)
        return self.rows[index] if index is not None else None

    def groups(self, by: GroupBy) -> tuple[GroupProgress, ...]:
        """The clause tree or the process list."""
        return self.clauses if by is GroupBy.CLAUSE else self.processes

    def select(
        self,
        *,
        by: GroupBy = GroupBy.CLAUSE,
        group: str | None = None,
        query: str = "",
        show: ItemFilter = ItemFilter.ALL,
    ) -> list[ItemRow]:
        """The rows of one group (all when None) that match the search and the filter, in checklist order."""
        terms = [t for t in query.casefold().split() if t]
        out: list[ItemRow] = []
        for row in self.rows:
            if group is not None:
                inside = belongs_to(row.clause, group) if by is GroupBy.CLAUSE else row.process == group
                if not inside:
                    continue
            if show is ItemFilter.UNANSWERED and row.answer is not None:
                continue
            if show is ItemFilter.FINDINGS and not row.findings:
                continue
            if show is ItemFilter.FOLLOW_UP and not row.follow_up:
                continue
            if terms and not row.matches(terms):
                continue
            out.append(row)
        return out

    def with_row(self, row: ItemRow) -> WalkthroughModel:
        """The model with one row replaced (after an answer), progress recounted."""
        rows = list(self.rows)
        rows[self._by_id[row.item_id]] = row
        return _assemble(self, rows)


def build_walkthrough(
    state: AuditState,
    outlines: Sequence[ChecklistOutline],
    follow_up_items: Collection[str] = (),
) -> WalkthroughModel:
    """The walkthrough of an audit over its checklists' outlines (follow-up work marks its items)."""
    assert state.plan is not None
    evidence: dict[str, int] = {}
    for piece in state.evidence:
        if piece.target.item_id is not None:
            evidence[piece.target.item_id] = evidence.get(piece.target.item_id, 0) + 1
    findings: dict[str, int] = {}
    for finding in state.findings.values():
        if finding.item_id is not None:
            findings[finding.item_id] = findings.get(finding.item_id, 0) + 1
    follow = set(follow_up_items)
    conflicted = {c.key[1] for c in state.conflicts if c.key[0] == "response" and c.key[2:] == ("answer",)}
    rows: list[ItemRow] = []
    seen: set[str] = set()
    for outline in outlines:
        for item in outline.items:
            if item.item_id in seen:
                continue
            seen.add(item.item_id)
            response = state.responses.get(item.item_id)
            rows.append(
                ItemRow(
                    item_id=item.item_id,
                    clause=item.clause,
                    clause_title=outline.title_of(item.clause),
                    text=item.text,
                    guidance=item.guidance,
                    process=item.process or NO_PROCESS,
                    answer=response.answer.value if response else None,
                    evidence=evidence.get(item.item_id, 0),
                    findings=findings.get(item.item_id, 0),
                    follow_up=1 if item.item_id in follow else 0,
                    conflict=item.item_id in conflicted,
                )
            )
    shell = WalkthroughModel(
        audit_id=state.audit_id,
        title=state.plan.title,
        site=state.plan.site,
        audit_type=state.plan.audit_type.value,
        closed=state.closed,
        rows=(),
        clauses=_clause_sections(outlines),
        processes=_process_order(outlines),
    )
    return _assemble(shell, rows)


def _clause_sections(outlines: Sequence[ChecklistOutline]) -> tuple[GroupProgress, ...]:
    """Sections of every outline in document order, counts still zero."""
    out: dict[str, GroupProgress] = {}
    for outline in outlines:
        for section in outline.sections:
            if section.clause not in out:
                depth = section.clause.count(".")
                out[section.clause] = GroupProgress(section.clause, section.title, depth, 0, 0)
    return tuple(out.values())


def _process_order(outlines: Sequence[ChecklistOutline]) -> tuple[GroupProgress, ...]:
    names: list[str] = []
    for outline in outlines:
        names.extend(outline.process_order)
        names.extend(item.process or NO_PROCESS for item in outline.items)
    return tuple(GroupProgress(name, name, 0, 0, 0) for name in dict.fromkeys(names))


def _assemble(shell: WalkthroughModel, rows: Iterable[ItemRow]) -> WalkthroughModel:
    rows = tuple(rows)
    clauses = [_count(g, [r for r in rows if belongs_to(r.clause, g.key)]) for g in shell.clauses]
    processes = [_count(g, [r for r in rows if r.process == g.key]) for g in shell.processes]
    return replace(
        shell,
        rows=rows,
        clauses=tuple(g for g in clauses if g.total),
        processes=tuple(g for g in processes if g.total),
        _by_id={},
    )


def _count(group: GroupProgress, rows: Sequence[ItemRow]) -> GroupProgress:
    return replace(
        group,
        answered=sum(1 for r in rows if r.answer is not None),
        total=len(rows),
        findings=sum(r.findings for r in rows),
        follow_up=sum(r.follow_up for r in rows),
    )
