"""Capture on the floor: responses, notes, interviews, photos, documents; nothing stored on bad input."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from auditapp.domain.errors import ValidationError
from auditapp.domain.evidence import DocumentReviewed, Interview, PhotoRef
from auditapp.domain.responses import Answer
from auditapp.services.capture import (
    add_note,
    attach_photo,
    record_interview,
    record_response,
    review_document,
)
from auditapp.services.context import CaptureContext
from auditapp.store.memory import MemoryEventStore
from tests.unit.services.fakes import FakePhoto


@pytest.mark.req("SVC-003")
def test_a_response_is_recorded_with_its_notes_and_counts_towards_progress(
    ctx: CaptureContext, audit_id: str
) -> None:
    state = record_response(ctx, audit_id, "P-02", "7.5.6", "nonconforming", notes="IQ/OQ report unsigned")
    response = state.responses["P-02"]
    assert response.answer is Answer.NONCONFORMING
    assert [n.text for n in response.notes] == ["IQ/OQ report unsigned"]
    assert state.progress(["P-01", "P-02", "P-03", "C-01"]).answered == 1


@pytest.mark.req("SVC-003")
def test_the_clause_is_taken_from_the_checklist_when_omitted(ctx: CaptureContext, audit_id: str) -> None:
    state = record_response(ctx, audit_id, "C-01", None, "conforming")
    assert state.responses["C-01"].clause == "8.5.2"


@pytest.mark.req("SVC-002")
@pytest.mark.parametrize(
    ("action", "message"),
    [
        (
            lambda c, a: record_response(c, a, "X-99", "7.5.1", "conforming"),
            "item_id: item 'X-99' is not in the checklists of this audit",
        ),
        (
            lambda c, a: record_response(c, a, "P-01", "7.5.6", "conforming"),
            "clause: item 'P-01' audits clause 7.5.1, not '7.5.6'",
        ),
        (lambda c, a: record_response(c, a, "P-01", "7.5.1", "fine"), "answer: 'fine' is not an answer"),
        (lambda c, a: add_note(c, a, "   ", item_id="P-01"), "text: must not be empty"),
        (
            lambda c, a: add_note(c, a, "text"),
            "item_id: evidence must belong to a checklist item or a finding",
        ),
        (
            lambda c, a: add_note(c, a, "text", finding_id="F-404"),
            "finding_id: finding 'F-404' has not been raised",
        ),
        (
            lambda c, a: record_interview(
                c, a, person="", role="Operator", question="q", answer="a", item_id="P-01"
            ),
            "person: must not be empty",
        ),
        (
            lambda c, a: review_document(c, a, document_id="SOP-7", revision="", item_id="P-01"),
            "revision: must not be empty",
        ),
        (lambda c, a: attach_photo(c, a, FakePhoto(image=b""), item_id="P-01"), "photo: the photo is empty"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_stored(
    ctx: CaptureContext,
    store: MemoryEventStore,
    audit_id: str,
    action: Callable[[CaptureContext, str], object],
    message: str,
) -> None:
    before = (len(store.events(audit_id)), store.pending_count())
    with pytest.raises(ValidationError, match=message):
        action(ctx, audit_id)
    assert (len(store.events(audit_id)), store.pending_count()) == before


@pytest.mark.req("SVC-004")
def test_notes_interviews_and_documents_attach_to_an_item(ctx: CaptureContext, audit_id: str) -> None:
    note = add_note(ctx, audit_id, "Line clearance checklist on the wall", item_id="P-01")
    talk = record_interview(
        ctx,
        audit_id,
        person="J. Doe",
        role="Line lead",
        question="Who releases the line?",
        answer="QA after the clearance check",
        item_id="P-01",
        clause="7.5.1",
    )
    doc = review_document(
        ctx, audit_id, document_id="SOP-PR-012", revision="F", title="Line clearance", item_id="P-01"
    )
    evidence = {e.evidence_id: e for e in ctx.state(audit_id).evidence_for_item("P-01")}
    assert set(evidence) == {note, talk, doc}
    assert isinstance(evidence[talk], Interview)
    assert evidence[talk].role == "Line lead"
    assert isinstance(evidence[doc], DocumentReviewed)
    assert (evidence[doc].document_id, evidence[doc].revision) == ("SOP-PR-012", "F")


@pytest.mark.req("SVC-004")
def test_a_photo_is_kept_in_the_photo_store_and_gps_only_when_opted_in(
    ctx: CaptureContext, store: MemoryEventStore, audit_id: str
) -> None:
    photo = FakePhoto()
    plain = attach_photo(ctx, audit_id, photo, caption="Unlabelled bin", item_id="P-03")
    located = attach_photo(ctx, audit_id, photo, include_gps=True, item_id="P-03")
    evidence = ctx.state(audit_id).evidence_by_id()
    first, second = evidence[plain], evidence[located]
    assert isinstance(first, PhotoRef)
    assert isinstance(second, PhotoRef)
    assert first.gps is None
    assert second.gps is not None
    assert (second.gps.lat, second.gps.lon) == (48.137, 11.575)
    assert store.photos.get(first.sha256) == photo.image
    assert store.photos.get(first.thumbnail_sha256) == photo.thumbnail
    assert first.captured_at == "2026-03-02T09:30:00+00:00"
    assert first.caption == "Unlabelled bin"
