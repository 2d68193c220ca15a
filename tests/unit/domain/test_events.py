"""Events encode to JSON and back without loss; payloads are checked before they are stored."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditapp.domain import drafts
from auditapp.domain.errors import ValidationError
from auditapp.domain.events import DomainEvent, EventKind, canonical_json
from auditapp.domain.evidence import EvidenceTarget, GeoPoint, SamplingMethod
from auditapp.domain.findings import Finding, FindingGrade
from auditapp.domain.payloads import validate_payload
from auditapp.domain.responses import Answer
from auditapp.domain.sampling import draw_random
from tests.unit.domain.simulation import run_team, sample_plan

ITEM = EvidenceTarget.item("I-1", "7.5.1")
SHA = "ab" * 32


def every_kind() -> list[drafts.Draft]:
    """One valid draft of every event kind."""
    population = [f"L{i}" for i in range(10)]
    return [
        drafts.audit_planned(sample_plan()),
        drafts.plan_edited("title", "New title", None),
        drafts.meeting_note_recorded("opening", "Scope confirmed", None),
        drafts.response_recorded("I-1", "7.5.1", Answer.CONFORMING, None),
        drafts.note_added("e1", ITEM, "text"),
        drafts.interview_recorded("e2", ITEM, "J. Doe", "Operator", "How?", "Like this"),
        drafts.photo_attached(
            "e3",
            ITEM,
            sha256=SHA,
            thumbnail_sha256=SHA,
            width=2048,
            height=1536,
            captured_at="2026-03-02T10:00:00+00:00",
            gps=GeoPoint(48.1, 11.5),
            caption="",
        ),
        drafts.document_reviewed("e4", ITEM, "SOP-12", "C", "Line clearance"),
        drafts.sample_drawn(
            "e5",
            ITEM,
            population_description="lots",
            population_size=10,
            population_ids=population,
            sample_size=3,
            method=SamplingMethod.RANDOM,
            selected_ids=draw_random(population, 3, "s"),
            seed="s",
        ),
        drafts.record_sampled(
            "e6",
            ITEM,
            sample_id="e5",
            record_type="batch record",
            identifier="L1",
            record_date="2026-01-04",
            conforms=False,
            comment="signature missing",
        ),
        drafts.finding_raised(Finding("F-1", "I-1", "7.5.1", FindingGrade.MINOR_NC, "7.5.1 a", "Missing")),
        drafts.finding_edited("F-1", "grade", "major_nc", None),
        drafts.evidence_linked("F-1", "e6"),
        drafts.audit_closed("done"),
        drafts.effectiveness_recorded("T-1", "C-1", "K-1", "F-1", "not_effective", "still unsigned", ["e6"]),
    ]


def test_every_event_kind_has_a_typed_constructor() -> None:
    assert {d.kind for d in every_kind()} == set(EventKind)


@pytest.mark.req("DOM-015")
@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 2), st.integers(0, 4), st.integers(0, 5), st.integers(0, 10), st.integers(0, 40)
        ),
        max_size=15,
    )
)
def test_events_roundtrip_through_their_json_form(ops: list) -> None:
    for event in run_team(ops):
        again = DomainEvent.from_dict(__import__("json").loads(canonical_json(event.to_dict())))
        assert again == event
        assert again.digest() == event.digest()


@pytest.mark.req("DOM-009")
@pytest.mark.parametrize(
    ("kind", "payload", "message"),
    [
        (
            EventKind.RESPONSE_RECORDED,
            {"item_id": "I-1", "clause": "7.5.1", "answer": "maybe"},
            "answer: 'maybe' is not an answer",
        ),
        (
            EventKind.RESPONSE_RECORDED,
            {"item_id": "", "clause": "7.5.1", "answer": "conforming"},
            "item_id: must not be empty",
        ),
        (EventKind.NOTE_ADDED, {"evidence_id": "e", "text": "x"}, "item_id: evidence must belong"),
        (
            EventKind.PHOTO_ATTACHED,
            {"evidence_id": "e", "item_id": "I", "clause": "1", "sha256": "zz"},
            "sha256: must be a SHA-256 hex digest",
        ),
        (
            EventKind.FINDING_EDITED,
            {"finding_id": "F", "field": "grade", "value": "bad", "base": None},
            "grade: 'bad' is not a finding grade",
        ),
        (
            EventKind.FINDING_EDITED,
            {"finding_id": "F", "field": "owner", "value": "x"},
            "field: 'owner' is not one",
        ),
        (
            EventKind.AUDIT_PLAN_EDITED,
            {"field": "end_date", "value": "31.12.2026"},
            "end_date: '31.12.2026' is not a date",
        ),
        (
            EventKind.MEETING_NOTE_RECORDED,
            {"meeting": "opening", "text": "x", "base": "yesterday"},
            "base: 'yesterday' is not a clock timestamp",
        ),
    ],
)
def test_a_bad_payload_is_refused_naming_the_field(kind: EventKind, payload: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        validate_payload(kind, payload)


@pytest.mark.req("DOM-005")
def test_a_sample_whose_records_are_not_what_its_seed_draws_is_refused() -> None:
    population = [f"L{i}" for i in range(10)]
    with pytest.raises(ValidationError, match="selected_ids: the selected records are not the ones"):
        drafts.sample_drawn(
            "e5",
            ITEM,
            population_description="lots",
            population_size=10,
            population_ids=population,
            sample_size=2,
            method=SamplingMethod.RANDOM,
            selected_ids=["L0", "L1"],
            seed="not-the-seed-that-drew-these",
        )
