"""Paper vs practice for the field app: per clause, the documents reviewed next to the practice evidence.

The verdict is the domain's (`auditapp.domain.practice`, the same the audit report prints): a clause is an
implementation gap when the procedure was read but nothing shows it is followed, or when practice
contradicts it (a sampled record that does not conform, an item answered nonconforming, a nonconformity
raised against it). This module adds what the screen lists: each piece of evidence in plain words, and
which of them contradict the paper (ADR 0086).

`clause_practice` is the one comparison behind both the screen's marks and the report's table (REP-016):
the same items placed at the same clauses, the same counts, the same verdict.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from auditapp.domain.evidence import (
    DocumentReviewed,
    Evidence,
    Interview,
    Note,
    PhotoRef,
    Sample,
    SampledRecord,
)
from auditapp.domain.practice import ClausePractice, PracticeVerdict, clause_of
from auditapp.domain.practice import paper_vs_practice as practice_verdicts
from auditapp.domain.responses import Answer
from auditapp.domain.state import AuditState
from auditapp.services.outline import ChecklistOutline, clause_key


class Mark(StrEnum):
    """What the comparison of a clause shows."""

    CONSISTENT = "consistent"
    NO_PRACTICE = "no_practice_evidence"
    CONTRADICTS = "practice_contradicts_paper"
    PRACTICE_ONLY = "no_document_reviewed"
    PAPER_FAULTED = "documented_procedure_faulted"
    NO_EVIDENCE = "no_evidence"


MARK_TEXT = {
    Mark.CONSISTENT: "Practice matches the paper",
    Mark.NO_PRACTICE: "Gap: no practice evidence for the documented procedure",
    Mark.CONTRADICTS: "Gap: practice contradicts the paper",
    Mark.PRACTICE_ONLY: "Practice seen, no document reviewed yet",
    Mark.PAPER_FAULTED: "The documented procedure itself is cited in a nonconformity",
    Mark.NO_EVIDENCE: "No evidence yet",
}


@dataclass(frozen=True)
class PracticeLine:
    """One piece of practice evidence, in words, and whether it contradicts the documented procedure."""

    kind: str  # record, sample, interview, observation
    text: str
    contradicts: bool = False
    evidence_id: str | None = None


@dataclass(frozen=True)
class ClausePaperPractice:
    """A clause's documents reviewed, its practice evidence and the mark they earn."""

    clause: str
    title: str
    documents: tuple[str, ...]
    practice: tuple[PracticeLine, ...]
    mark: Mark

    @property
    def gap(self) -> bool:
        """Whether the clause shows an implementation gap."""
        return self.mark in (Mark.NO_PRACTICE, Mark.CONTRADICTS)

    @property
    def mark_text(self) -> str:
        """The mark in plain words."""
        return MARK_TEXT[self.mark]


def clause_practice(state: AuditState, items: Iterable[tuple[str, str]]) -> list[ClausePractice]:
    """Each clause's paper, practice counts and verdict, the audit's items (item id, clause) placed at the
    clause their checklist gives them: what the field screen marks and the audit report prints."""
    placed: dict[str, str] = {}
    for item_id, clause in items:
        placed.setdefault(item_id, clause)
    return practice_verdicts([state], placed)


def paper_vs_practice(state: AuditState, outlines: Sequence[ChecklistOutline]) -> list[ClausePaperPractice]:
    """Every clause of the audit's checklists with its paper and practice, in clause order."""
    titles: dict[str, str] = {}
    item_clause: dict[str, str] = {}
    item_text: dict[str, str] = {}
    for outline in outlines:
        for item in outline.items:
            item_clause.setdefault(item.item_id, item.clause)
            item_text.setdefault(item.item_id, item.text)
            titles.setdefault(item.clause, outline.title_of(item.clause))
    finding_clause = {f.finding_id: f.clause for f in state.findings.values()}
    by_clause: dict[str, list[Evidence]] = {clause: [] for clause in titles}
    for piece in state.evidence:
        clause = clause_of(piece.target, item_clause, finding_clause)
        if clause:
            by_clause.setdefault(clause, []).append(piece)
    samples = {e.evidence_id: e for e in state.evidence if isinstance(e, Sample)}
    nonconforming: dict[str, list[PracticeLine]] = {}
    for response in state.responses.values():
        if response.answer is Answer.NONCONFORMING:
            clause = item_clause.get(response.item_id, response.clause)
            nonconforming.setdefault(clause, []).append(
                PracticeLine(
                    "answer",
                    f"Answered nonconforming: {item_text.get(response.item_id, response.item_id)}",
                    True,
                )
            )
    for finding in state.findings.values():
        if finding.grade.is_nonconformity:
            grade = "Major" if finding.grade.value == "major_nc" else "Minor"
            nonconforming.setdefault(finding.clause, []).append(
                PracticeLine("finding", f"{grade} nonconformity raised: {finding.statement}", True)
            )
    verdicts_by_clause = {row.clause: row.verdict for row in clause_practice(state, item_clause.items())}
    out: list[ClausePaperPractice] = []
    for clause in sorted(set(by_clause) | set(nonconforming), key=clause_key):
        documents: list[str] = []
        practice: list[PracticeLine] = []
        for piece in by_clause.get(clause, ()):
            if isinstance(piece, DocumentReviewed):
                title = f" {piece.title}" if piece.title else ""
                documents.append(f"{piece.document_id} rev {piece.revision}{title}")
            elif (line := _practice(piece, samples)) is not None:
                practice.append(line)
        verdicts = nonconforming.get(clause, [])
        out.append(
            ClausePaperPractice(
                clause=clause,
                title=titles.get(clause, ""),
                documents=tuple(documents),
                practice=tuple(practice + verdicts),
                mark=MARKS[verdicts_by_clause.get(clause, PracticeVerdict.NOT_SEEN)],
            )
        )
    return out


MARKS = {
    PracticeVerdict.CONSISTENT: Mark.CONSISTENT,
    PracticeVerdict.PRACTICE_FAILS: Mark.CONTRADICTS,
    PracticeVerdict.UNPROVEN: Mark.NO_PRACTICE,
    PracticeVerdict.NO_PAPER: Mark.PRACTICE_ONLY,
    PracticeVerdict.PAPER_FAULTED: Mark.PAPER_FAULTED,
    PracticeVerdict.NOT_SEEN: Mark.NO_EVIDENCE,
}
"""The screen's mark for each of the domain's verdicts: one to one, no rule of its own."""


def _practice(piece: Evidence, samples: dict[str, Sample]) -> PracticeLine | None:
    eid = piece.evidence_id
    if isinstance(piece, SampledRecord):
        verdict = "conforms" if piece.conforms else f"does not conform: {piece.comment}"
        return PracticeLine(
            "record", f"{piece.record_type} {piece.identifier} {verdict}", not piece.conforms, eid
        )
    if isinstance(piece, Sample):
        how = piece.method.value + (f", seed {piece.seed}" if piece.seed else "")
        size = f"{piece.sample_size} from {piece.population_size}"
        text = f"Sample of {size} {piece.population_description} ({how})"
        return PracticeLine("sample", text, False, eid)
    if isinstance(piece, Interview):
        role = f" ({piece.role})" if piece.role else ""
        return PracticeLine(
            "interview", f"{piece.person}{role}: {piece.question} - {piece.answer}", False, eid
        )
    if isinstance(piece, PhotoRef):
        return PracticeLine("observation", f"Photo: {piece.caption or 'no caption'}", False, eid)
    if isinstance(piece, Note):
        return PracticeLine("observation", f"Note: {piece.text}", False, eid)
    return None
