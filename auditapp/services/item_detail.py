"""The item detail view-model: one checklist item with its answer, guidance, evidence, findings, follow-up."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from auditapp.domain.errors import NotFoundError
from auditapp.domain.evidence import (
    DocumentReviewed,
    Evidence,
    Interview,
    Note,
    PhotoRef,
    Sample,
    SampledRecord,
)
from auditapp.domain.findings import Finding
from auditapp.domain.state import AuditState
from auditapp.services.field_views import CompetingValue
from auditapp.services.followup import FollowUp
from auditapp.services.outline import NO_PROCESS, ChecklistOutline, OutlineItem

METHOD_TEXT = {"random": "Random", "systematic": "Systematic", "judgmental": "Judgmental"}


@dataclass(frozen=True)
class SampleView:
    """A drawn sample, how it was drawn (seed shown for random), and the result of each record."""

    sample: Sample
    records: tuple[SampledRecord, ...]

    @property
    def how(self) -> str:
        """e.g. 'Random, seed 5f2a...: 5 of 200 batch records'."""
        s = self.sample
        method = METHOD_TEXT.get(s.method.value, s.method.value)
        if s.seed:
            method += f", seed {s.seed}"
        elif s.start is not None:
            method += f", start {s.start}"
        elif s.reason:
            method += f" ({s.reason})"
        return f"{method}: {s.sample_size} of {s.population_size} {s.population_description}"

    @property
    def pending(self) -> tuple[str, ...]:
        """Selected records whose result is not recorded yet."""
        done = {r.identifier for r in self.records}
        return tuple(i for i in self.sample.selected_ids if i not in done)

    def result_of(self, identifier: str) -> SampledRecord | None:
        """The latest result recorded for a selected record."""
        found = [r for r in self.records if r.identifier == identifier]
        return found[-1] if found else None


def competing_answers(state: AuditState, item_id: str) -> tuple[CompetingValue, ...]:
    """The answers in conflict on an item, the one shown first; empty when there is no conflict."""
    conflict = state.conflict_on("response", item_id, "answer")
    if conflict is None:
        return ()
    return tuple(CompetingValue(str(v.value), v.device_id) for v in conflict.values)


@dataclass(frozen=True)
class ItemDetail:
    """Everything the item screen shows."""

    audit_id: str
    item: OutlineItem
    clause_title: str
    process: str
    answer: str | None
    closed: bool
    notes: tuple[Note, ...]
    interviews: tuple[Interview, ...]
    photos: tuple[PhotoRef, ...]
    documents: tuple[DocumentReviewed, ...]
    samples: tuple[SampleView, ...]
    findings: tuple[Finding, ...]
    evidence: tuple[Evidence, ...]
    follow_up: FollowUp
    # Answers given on tablets that had not seen each other's; answering again settles it.
    answer_conflict: tuple[CompetingValue, ...] = ()

    @property
    def item_id(self) -> str:
        """The item's id."""
        return self.item.item_id

    @property
    def cited_by_default(self) -> frozenset[str]:
        """Evidence a finding raised here cites unless unticked: the practice evidence, not the documents
        reviewed (citing the procedure says the paper itself is faulty, ADR 0086)."""
        return frozenset(e.evidence_id for e in self.evidence if not isinstance(e, DocumentReviewed))

    def evidence_label(self, evidence: Evidence) -> str:
        """A short line naming a piece of evidence (for the finding form's evidence list)."""
        return evidence_label(evidence)


def evidence_label(e: Evidence) -> str:
    """A short line naming a piece of evidence."""
    if isinstance(e, Note):
        return f"Note: {_short(e.text)}"
    if isinstance(e, Interview):
        return f"Interview: {e.person} ({e.role}) - {_short(e.answer)}"
    if isinstance(e, PhotoRef):
        return f"Photo: {e.caption or e.sha256[:12]}"
    if isinstance(e, DocumentReviewed):
        return f"Document: {e.document_id} rev {e.revision}"
    if isinstance(e, Sample):
        return f"Sample: {e.sample_size} of {e.population_size} {e.population_description}"
    verdict = "conforms" if e.conforms else "does not conform"
    return f"Record: {e.record_type} {e.identifier} {verdict}"


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def find_item(outlines: Sequence[ChecklistOutline], item_id: str) -> tuple[OutlineItem, str]:
    """An item of the outlines with its clause title; NotFoundError when the audit has no such item."""
    for outline in outlines:
        for item in outline.items:
            if item.item_id == item_id:
                return item, outline.title_of(item.clause)
    raise NotFoundError(f"item {item_id!r} is not in the checklists of this audit")


def item_detail(
    state: AuditState, outlines: Sequence[ChecklistOutline], item_id: str, follow_up: FollowUp
) -> ItemDetail:
    """The item screen's values for one item of the audit."""
    item, title = find_item(outlines, item_id)
    mine = state.evidence_for_item(item_id)
    records = [e for e in state.evidence if isinstance(e, SampledRecord)]
    samples = tuple(
        SampleView(s, tuple(r for r in records if r.sample_id == s.evidence_id))
        for s in mine
        if isinstance(s, Sample)
    )
    findings = tuple(
        sorted((f for f in state.findings.values() if f.item_id == item_id), key=lambda f: f.finding_id)
    )
    response = state.responses.get(item_id)
    return ItemDetail(
        audit_id=state.audit_id,
        item=item,
        clause_title=title,
        process=item.process or NO_PROCESS,
        answer=response.answer.value if response else None,
        closed=state.closed,
        notes=tuple(e for e in mine if isinstance(e, Note)),
        interviews=tuple(e for e in mine if isinstance(e, Interview)),
        photos=tuple(e for e in mine if isinstance(e, PhotoRef)),
        documents=tuple(e for e in mine if isinstance(e, DocumentReviewed)),
        samples=samples,
        findings=findings,
        evidence=tuple(mine),
        follow_up=follow_up.for_clause(item.clause),
        answer_conflict=competing_answers(state, item_id),
    )
