"""Evidence: each piece has an id of its own and belongs to a checklist item (and clause) or a finding."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from auditapp.domain import drafts
from auditapp.domain.errors import ValidationError
from auditapp.domain.events import EventKind
from auditapp.domain.evidence import (
    DocumentReviewed,
    EvidenceTarget,
    Interview,
    Note,
    PhotoRef,
    Sample,
    SampledRecord,
    SamplingMethod,
)
from auditapp.domain.findings import Finding, FindingGrade
from auditapp.domain.payloads import EVIDENCE_KINDS
from auditapp.domain.state import project
from tests.unit.domain.simulation import make_team, sample_plan

Make = Callable[[str, EvidenceTarget], drafts.Draft]

KINDS: dict[EventKind, tuple[Make, type]] = {
    EventKind.NOTE_ADDED: (lambda eid, to: drafts.note_added(eid, to, "Release log has gaps"), Note),
    EventKind.INTERVIEW_RECORDED: (
        lambda eid, to: drafts.interview_recorded(eid, to, "J. Doe", "Operator", "Who releases lots?", "QA"),
        Interview,
    ),
    EventKind.PHOTO_ATTACHED: (
        lambda eid, to: drafts.photo_attached(
            eid,
            to,
            sha256="a" * 64,
            thumbnail_sha256="b" * 64,
            width=2048,
            height=1536,
            captured_at=None,
            gps=None,
            caption="Line 2 status board",
        ),
        PhotoRef,
    ),
    EventKind.DOCUMENT_REVIEWED: (
        lambda eid, to: drafts.document_reviewed(eid, to, "SOP-012", "C", "Lot release"),
        DocumentReviewed,
    ),
    EventKind.SAMPLE_DRAWN: (
        lambda eid, to: drafts.sample_drawn(
            eid,
            to,
            population_description="Lot records 2025",
            population_size=3,
            population_ids=["L-1", "L-2", "L-3"],
            sample_size=2,
            method=SamplingMethod.JUDGMENTAL,
            selected_ids=["L-1", "L-3"],
            reason="the two lots with deviations",
        ),
        Sample,
    ),
    EventKind.RECORD_SAMPLED: (
        lambda eid, to: drafts.record_sampled(
            eid,
            to,
            sample_id="S-1",
            record_type="lot record",
            identifier="L-1",
            record_date="2025-05-02",
            conforms=True,
            comment="",
        ),
        SampledRecord,
    ),
}
"""How a piece of each evidence kind is made, and the evidence class it becomes."""

ON_ITEM = EvidenceTarget.item("I-1", "7.5.1")
ON_FINDING = EvidenceTarget.finding("F-1")


@pytest.mark.req("DOM-003")
def test_the_six_evidence_kinds_are_all_covered_here() -> None:
    assert set(KINDS) == EVIDENCE_KINDS
    assert len(KINDS) == 6  # note, interview, photo reference, document reviewed, sample, sampled record


@pytest.mark.req("DOM-003")
@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("target", [ON_ITEM, ON_FINDING], ids=["on-item", "on-finding"])
def test_each_piece_of_evidence_keeps_its_own_id_and_what_it_belongs_to(
    kind: EventKind, target: EvidenceTarget
) -> None:
    make, evidence_class = KINDS[kind]
    device = make_team(1, [0])[0]
    device.record(drafts.audit_planned(sample_plan()))
    device.record(
        drafts.finding_raised(Finding("F-1", "I-1", "7.5.1", FindingGrade.MINOR_NC, "7.5.1 b", "Gaps"))
    )
    for evidence_id in ("E-1", "E-2"):  # the same content twice: two pieces of evidence, told apart by id
        device.wall.now += 10
        device.record(make(evidence_id, target))

    by_id = project(device.known.values()).evidence_by_id()
    assert sorted(by_id) == ["E-1", "E-2"]
    for evidence in by_id.values():
        assert type(evidence) is evidence_class
        assert evidence.target == target  # the item with its clause, or the finding


@pytest.mark.req("DOM-003")
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_evidence_without_an_id_or_without_an_item_or_finding_is_refused(kind: EventKind) -> None:
    make, _ = KINDS[kind]
    with pytest.raises(ValidationError, match=r"^evidence_id: "):
        make("  ", ON_ITEM)
    with pytest.raises(
        ValidationError, match=r"^item_id: evidence must belong to a checklist item or a finding"
    ):
        make("E-1", EvidenceTarget())
    with pytest.raises(ValidationError, match=r"^clause: evidence for an item needs the item's clause"):
        make("E-1", EvidenceTarget(item_id="I-1"))
