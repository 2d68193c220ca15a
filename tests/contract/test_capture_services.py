"""The capture flow against every field store: what the services write is durable, queued once, read back."""

from __future__ import annotations

from typing import Any

import pytest

from auditapp.domain import drafts
from auditapp.domain.errors import AuditClosedError, ValidationError
from auditapp.domain.evidence import EvidenceTarget, PhotoRef, SampledRecord
from auditapp.domain.responses import Answer
from auditapp.services.capture import add_note, attach_photo, link_evidence, record_interview, record_response
from auditapp.services.finding_capture import N19Inputs, edit_finding, raise_finding
from auditapp.services.planning import close_audit, record_meeting_note
from auditapp.services.queries import audit_state, list_audits
from auditapp.services.recorder import Recorder
from auditapp.services.sample_capture import draw_sample, record_sampled_record
from tests.unit.services.fakes import FakeCatalog, FakePhoto, context_over, planned


@pytest.mark.req("SVC-008")
def test_a_whole_audit_is_captured_stored_and_queued_for_sync(field_store: Any) -> None:
    ctx = context_over(field_store)
    audit_id = planned(ctx)
    record_meeting_note(ctx, audit_id, "opening", "Plan confirmed")
    record_response(ctx, audit_id, "P-01", "7.5.1", "conforming", notes="Clearance signed for lots 1-4")
    talk = record_interview(
        ctx, audit_id, person="J. Doe", role="Operator", question="Who releases?", answer="QA", item_id="P-01"
    )
    photo = attach_photo(ctx, audit_id, FakePhoto(), item_id="P-03", caption="Bin without label")
    sample = draw_sample(
        ctx,
        audit_id,
        population_description="Q1 lots",
        population_ids=[f"LOT-{i}" for i in range(1, 21)],
        method="random",
        seed="s1",
        item_id="P-02",
    )
    record = record_sampled_record(
        ctx,
        audit_id,
        sample.evidence_id,
        identifier=sample.selected_ids[0],
        record_type="batch record",
        conforms=False,
        comment="Revalidation missing",
    )
    finding = raise_finding(
        ctx,
        audit_id,
        grade="minor_nc",
        item_id="P-02",
        requirement="7.5.6",
        statement="Sealer not revalidated",
        evidence_ids=[record],
        n19=N19Inputs(),
    )
    edit_finding(ctx, audit_id, finding, statement="Sealer 3 not revalidated after relocation")
    link_evidence(ctx, audit_id, finding, photo)
    close_audit(ctx, audit_id)

    events = field_store.events(audit_id)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert len({e.event_id for e in events}) == len(events)
    pending = field_store.pending(limit=1000)
    assert [e.event_id for e in pending] == [e.event_id for e in events]
    assert field_store.pending_count() == len(events)

    state = audit_state(field_store, audit_id)
    assert state.closed
    assert state.meetings["opening"] == "Plan confirmed"
    assert state.responses["P-01"].answer is Answer.CONFORMING
    assert state.findings[finding].statement == "Sealer 3 not revalidated after relocation"
    assert state.findings[finding].evidence_ids == (record, photo)
    assert state.findings[finding].n19_grade == 3
    by_id = state.evidence_by_id()
    assert isinstance(by_id[record], SampledRecord)
    assert talk in by_id
    photo_ref = by_id[photo]
    assert isinstance(photo_ref, PhotoRef)
    assert field_store.photos.get(photo_ref.sha256) == FakePhoto().image
    assert [s.total for s in list_audits(field_store, FakeCatalog())] == [4]


@pytest.mark.req("SVC-002")
def test_refused_input_leaves_the_store_and_outbox_untouched(field_store: Any) -> None:
    ctx = context_over(field_store)
    audit_id = planned(ctx)
    before = (len(field_store.events(audit_id)), field_store.pending_count())
    with pytest.raises(ValidationError, match="answer: 'ok' is not an answer"):
        record_response(ctx, audit_id, "P-01", "7.5.1", "ok")
    with pytest.raises(ValidationError, match="item_id: item 'Z-1' is not in the checklists"):
        add_note(ctx, audit_id, "text", item_id="Z-1")
    close_audit(ctx, audit_id)
    with pytest.raises(AuditClosedError):
        add_note(ctx, audit_id, "late note", item_id="P-01")
    assert (len(field_store.events(audit_id)), field_store.pending_count()) == (before[0] + 1, before[1] + 1)


@pytest.mark.req("SVC-008")
def test_a_new_recorder_on_the_same_store_continues_the_device_sequence_and_clock(field_store: Any) -> None:
    ctx = context_over(field_store)
    audit_id = planned(ctx)
    record_response(ctx, audit_id, "P-01", "7.5.1", "conforming")
    last = field_store.events(audit_id)[-1]
    assert field_store.last_seq(last.device_id) == last.seq
    again = Recorder(field_store, field_store, wall=lambda: 1)
    note = drafts.note_added("n-1", EvidenceTarget.item("P-01", "7.5.1"), "after restart")
    [event] = again.record(audit_id, [note])
    assert (event.device_id, event.seq) == (last.device_id, last.seq + 1)
    assert event.hlc > last.hlc
    assert field_store.last_hlc() == event.hlc
