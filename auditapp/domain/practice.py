"""Paper vs practice: per clause, the documented procedure read and the practice seen, side by side.

A clause whose paper conforms while its practice does not, or shows no practice evidence at all, is an
implementation gap (FLD-107 and REP-008 in docs/requirements.md). Paper counts as conforming unless a
nonconformity cites the document; such a clause has a verdict of its own. The field screen and the audit
report both show this verdict and these counts (REP-016), so they cannot disagree about a clause.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from auditapp.domain.evidence import (
    DocumentReviewed,
    EvidenceTarget,
    Interview,
    Note,
    PhotoRef,
    SampledRecord,
)
from auditapp.domain.responses import Answer
from auditapp.domain.state import AuditState


class PracticeVerdict(StrEnum):
    """How a clause's documented procedure compares with the practice seen."""

    CONSISTENT = "consistent"
    PRACTICE_FAILS = "practice_fails"  # paper conforms, practice does not: an implementation gap
    UNPROVEN = "unproven"  # paper only, no practice evidence: an implementation gap
    NO_PAPER = "no_paper"  # practice seen, no document reviewed
    PAPER_FAULTED = "paper_faulted"  # the document reviewed is itself cited in a nonconformity
    NOT_SEEN = "not_seen"

    @property
    def is_gap(self) -> bool:
        """Whether this is an implementation gap: paper without the practice to match it."""
        return self in (PracticeVerdict.PRACTICE_FAILS, PracticeVerdict.UNPROVEN)


@dataclass
class ClausePractice:
    """Paper (documents reviewed) and practice (records, interviews, observations) seen for one clause."""

    clause: str
    documents: list[str] = field(default_factory=list)
    records: int = 0
    records_failed: int = 0
    interviews: int = 0
    observations: int = 0
    nonconforming_answers: int = 0
    findings: list[str] = field(default_factory=list)
    paper_faulted: bool = False

    @property
    def practice_seen(self) -> bool:
        """Whether any practice evidence was gathered (records, interviews, observations)."""
        return bool(self.records or self.interviews or self.observations)

    @property
    def practice_fails(self) -> bool:
        """Whether the practice evidence shows a nonconformity."""
        return bool(self.records_failed or self.nonconforming_answers or self.findings)

    @property
    def verdict(self) -> PracticeVerdict:
        """Paper vs practice, with a document found faulty not counted as conforming paper."""
        if self.documents and self.paper_faulted:
            return PracticeVerdict.PAPER_FAULTED
        if self.documents:
            if self.practice_fails:
                return PracticeVerdict.PRACTICE_FAILS
            return PracticeVerdict.CONSISTENT if self.practice_seen else PracticeVerdict.UNPROVEN
        if self.practice_seen or self.practice_fails:
            return PracticeVerdict.NO_PAPER
        return PracticeVerdict.NOT_SEEN


def paper_vs_practice(
    audits: Iterable[AuditState], item_clauses: Mapping[str, str] | None = None
) -> list[ClausePractice]:
    """Per clause, in clause order: what was read on paper and what was seen in practice.

    `item_clauses` places an item's answers and evidence at the clause its checklist gives the item (as the
    walkthrough shows it); an item it does not name stays at the clause recorded with the answer or evidence.
    """
    place = item_clauses or {}
    rows: dict[str, ClausePractice] = {}
    for state in audits:
        finding_clause = {fid: f.clause for fid, f in state.findings.items()}
        for response in state.responses.values():
            clause = place.get(response.item_id, response.clause)
            row = rows.setdefault(clause, ClausePractice(clause))
            if response.answer is Answer.NONCONFORMING:
                row.nonconforming_answers += 1
        documents: dict[str, str] = {}
        for ev in state.evidence:
            clause = clause_of(ev.target, place, finding_clause)
            if not clause:
                continue
            row = rows.setdefault(clause, ClausePractice(clause))
            if isinstance(ev, DocumentReviewed):
                documents[ev.evidence_id] = clause
                label = f"{ev.document_id} rev {ev.revision}"
                if label not in row.documents:
                    row.documents.append(label)
            elif isinstance(ev, SampledRecord):
                row.records += 1
                row.records_failed += 0 if ev.conforms else 1
            elif isinstance(ev, Interview):
                row.interviews += 1
            elif isinstance(ev, PhotoRef | Note):
                row.observations += 1
        for finding in state.findings.values():
            if not finding.grade.is_nonconformity:
                continue
            row = rows.setdefault(finding.clause, ClausePractice(finding.clause))
            row.findings.append(finding.finding_id)
            for cited in finding.evidence_ids:
                if cited in documents:
                    rows[documents[cited]].paper_faulted = True
    return [rows[c] for c in sorted(rows, key=clause_key)]


def clause_of(
    target: EvidenceTarget, item_clauses: Mapping[str, str], finding_clause: Mapping[str, str]
) -> str:
    """The clause a piece of evidence counts for: its item's clause, or its finding's ('' when unknown)."""
    if target.item_id is not None:
        return item_clauses.get(target.item_id, target.clause or "")
    return finding_clause.get(target.finding_id or "", "") or target.clause or ""


def clause_key(clause: str) -> tuple[int | str, ...]:
    """Sort key that puts 7.5.10 after 7.5.9 (clause numbers are text, compared part by part)."""
    return tuple(int(p) if p.isdigit() else p for p in clause.split("."))


def under(clause: str, prefix: str) -> bool:
    """Whether `clause` is `prefix` or one of its sub-clauses."""
    return clause == prefix or clause.startswith(prefix + ".")
