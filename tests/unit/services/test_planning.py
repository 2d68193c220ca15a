"""Planning, meeting notes and closing an audit; the recorder's sequence and clock."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from auditapp.domain import drafts
from auditapp.domain.errors import AuditClosedError, NotFoundError, ValidationError
from auditapp.domain.events import DomainEvent
from auditapp.domain.plan import ChecklistRef
from auditapp.services.capture import record_response
from auditapp.services.planning import close_audit, edit_plan, record_meeting_note
from auditapp.services.recorder import Recorder
from auditapp.store.memory import MemoryEventStore
from tests.unit.services.fakes import PRODUCTION, context_over, planned


@pytest.mark.req("SVC-001")
def test_an_audit_is_planned_with_its_checklists_pinned_by_content_hash(store: MemoryEventStore) -> None:
    ctx = context_over(store)
    audit_id = planned(ctx)
    plan = ctx.state(audit_id).plan
    assert plan is not None
    assert plan.criteria[0] == ChecklistRef("iso13485-production", "2026.1", "c" * 64)
    assert store.pending_count() == 1


@pytest.mark.req("SVC-001")
def test_an_unknown_checklist_or_a_changed_one_is_refused_and_nothing_stored(store: MemoryEventStore) -> None:
    ctx = context_over(store)
    with pytest.raises(ValidationError, match="criteria: checklist 'iso9001' is not in the catalog"):
        planned(ctx, criteria=["iso9001"])
    stale = ChecklistRef(PRODUCTION.checklist_id, "2025.4", "0" * 64)
    with pytest.raises(
        ValidationError, match=r"criteria: checklist .iso13485-production. version 2025\.4 is not"
    ):
        planned(ctx, criteria=[stale])
    assert store.audit_ids() == []


@pytest.mark.req("SVC-002")
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": ""}, "title: the audit plan needs a title"),
        ({"end_date": "2026-03-01"}, "end_date: the audit ends"),
        ({"start_date": "next monday"}, "start_date: 'next monday' is not a date"),
        ({"criteria": []}, "criteria: the audit plan needs at least one checklist"),
        ({"audit_type": "certification"}, "audit_type: 'certification' is not an audit type"),
    ],
)
def test_an_invalid_plan_is_refused_naming_the_field(
    store: MemoryEventStore, changes: dict, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        planned(context_over(store), **changes)
    assert store.pending_count() == 0


def test_editing_the_plan_changes_only_the_given_fields_and_keeps_it_valid(store: MemoryEventStore) -> None:
    ctx = context_over(store)
    audit_id = planned(ctx)
    state = edit_plan(ctx, audit_id, site="Plant 2", title="Production walkthrough")
    assert state.plan is not None
    assert state.plan.site == "Plant 2"
    assert len(store.events(audit_id)) == 2  # the unchanged title is not recorded again
    with pytest.raises(ValidationError, match="end_date: the audit ends"):
        edit_plan(ctx, audit_id, end_date="2026-01-01")


def test_meeting_notes_are_kept_per_meeting(store: MemoryEventStore) -> None:
    ctx = context_over(store)
    audit_id = planned(ctx)
    record_meeting_note(ctx, audit_id, "opening", "Scope and plan confirmed with the plant manager")
    state = record_meeting_note(ctx, audit_id, "closing", "Two minor nonconformities presented")
    assert state.meetings == {
        "opening": "Scope and plan confirmed with the plant manager",
        "closing": "Two minor nonconformities presented",
    }
    with pytest.raises(ValidationError, match="meeting: 'kickoff' is not a meeting"):
        record_meeting_note(ctx, audit_id, "kickoff", "x")


@pytest.mark.req("SVC-007")
def test_a_closed_audit_refuses_further_capture(store: MemoryEventStore) -> None:
    ctx = context_over(store)
    audit_id = planned(ctx)
    close_audit(ctx, audit_id, "All items covered")
    stored = len(store.events(audit_id))
    with pytest.raises(AuditClosedError, match="the audit 'Production walkthrough' is closed: nothing more"):
        record_response(ctx, audit_id, "P-01", "7.5.1", "conforming")
    with pytest.raises(AuditClosedError):
        close_audit(ctx, audit_id)
    assert len(store.events(audit_id)) == stored


def test_an_unknown_audit_is_reported_as_not_found(store: MemoryEventStore) -> None:
    with pytest.raises(NotFoundError, match="no audit with id nope on this device"):
        record_response(context_over(store), "nope", "P-01", "7.5.1", "conforming")


@pytest.mark.req("SVC-008")
def test_after_a_restart_the_sequence_continues_and_the_clock_does_not_go_back(
    store: MemoryEventStore,
) -> None:
    ctx = context_over(store)
    audit_id = planned(ctx)
    record_response(ctx, audit_id, "P-01", "7.5.1", "conforming")
    before = store.events(audit_id)
    # The app restarts on a tablet whose wall clock was reset to the epoch.
    restarted = Recorder(store, store, wall=lambda: 0)
    assert restarted.device_id == before[0].device_id
    after = restarted.record(audit_id, [drafts.audit_closed()])
    assert after[0].seq == before[-1].seq + 1
    assert after[0].hlc > before[-1].hlc
    assert store.pending()[-1].event_id == after[0].event_id


@pytest.mark.req("SVC-001")
def test_plan_edits_of_criteria_type_and_auditees_are_pinned_and_decoded(store: MemoryEventStore) -> None:
    ctx = context_over(store)
    audit_id = planned(ctx, criteria=["iso13485-production"])
    state = edit_plan(
        ctx,
        audit_id,
        criteria=["iso13485-production", "iso13485-capa"],
        audit_type="stage2_mock",
        auditees=[{"name": "M. Weber", "role": "Production manager"}],
    )
    plan = state.plan
    assert plan is not None
    assert [ref.content_hash for ref in plan.criteria] == ["c" * 64, "d" * 64]
    assert plan.audit_type.value == "stage2_mock"
    assert plan.auditees[0].role == "Production manager"
    with pytest.raises(ValidationError, match="field: unknown plan field 'budget'"):
        edit_plan(ctx, audit_id, budget="1000")


class _FullDisk(MemoryEventStore):
    """A store whose next append fails, as on a full or failing disk."""

    fail_next = False

    def append(self, events: Sequence[DomainEvent]) -> None:
        if self.fail_next:
            self.fail_next = False
            raise OSError("No space left on device")
        super().append(events)


@pytest.mark.req("SVC-008")
def test_a_failed_write_stores_nothing_and_the_sequence_has_no_gap() -> None:
    store = _FullDisk()
    ctx = context_over(store)
    audit_id = planned(ctx)
    store.fail_next = True
    with pytest.raises(OSError, match="No space left"):
        record_response(ctx, audit_id, "P-01", "7.5.1", "conforming", notes="first attempt")
    assert ctx.state(audit_id).responses == {}
    record_response(ctx, audit_id, "P-01", "7.5.1", "conforming", notes="second attempt")
    assert [e.seq for e in store.events(audit_id)] == [1, 2, 3]
    assert store.pending_count() == 3
