"""The audit list, what is left to do, and two devices editing the same audit offline."""

from __future__ import annotations

import pytest

from auditapp.domain.responses import Answer
from auditapp.services.capture import record_response
from auditapp.services.context import CaptureContext
from auditapp.services.finding_capture import edit_finding, raise_finding
from auditapp.services.queries import audit_state, items_with_findings, list_audits, unanswered_items
from auditapp.store.memory import MemoryEventStore
from tests.unit.services.fakes import FakeCatalog, context_over, planned


@pytest.mark.req("SVC-009")
def test_the_audit_list_shows_progress_and_what_is_left() -> None:
    store = MemoryEventStore()
    ctx = context_over(store)
    older = planned(ctx, title="Supplier audit", start_date="2026-01-10", end_date="2026-01-10")
    newer = planned(ctx)
    record_response(ctx, newer, "P-01", "7.5.1", "conforming")
    record_response(ctx, newer, "C-01", "8.5.2", "nonconforming")
    raise_finding(
        ctx, newer, grade="minor_nc", item_id="C-01", requirement="8.5.2 b", statement="No root cause"
    )
    catalog = FakeCatalog()
    summaries = list_audits(store, catalog)
    assert [(s.audit_id, s.answered, s.total) for s in summaries] == [(newer, 2, 4), (older, 0, 4)]
    assert [i.item_id for i in unanswered_items(store, catalog, newer)] == ["P-02", "P-03"]
    flagged = items_with_findings(store, catalog, newer)
    assert [(f.item.item_id, f.findings[0].statement) for f in flagged] == [("C-01", "No root cause")]


def _pair() -> tuple[MemoryEventStore, CaptureContext, MemoryEventStore, CaptureContext, str]:
    """Two tablets on one team audit: the lead planned it and the colleague synced the plan."""
    lead_store, mate_store = MemoryEventStore(), MemoryEventStore()
    lead, mate = context_over(lead_store), context_over(mate_store)
    audit_id = planned(lead)
    mate_store.merge_remote(lead_store.events(audit_id))
    return lead_store, lead, mate_store, mate, audit_id


def _sync(a: MemoryEventStore, b: MemoryEventStore, audit_id: str) -> None:
    a.merge_remote(b.events(audit_id))
    b.merge_remote(a.events(audit_id))


@pytest.mark.req("SVC-010")
def test_concurrent_answers_on_two_tablets_show_as_a_conflict_until_one_auditor_settles_it() -> None:
    lead_store, lead, mate_store, mate, audit_id = _pair()
    record_response(lead, audit_id, "P-02", "7.5.6", "conforming")
    record_response(mate, audit_id, "P-02", "7.5.6", "nonconforming")
    _sync(lead_store, mate_store, audit_id)
    for store in (lead_store, mate_store):
        conflict = audit_state(store, audit_id).conflict_on("response", "P-02", "answer")
        assert conflict is not None
        assert {v.value for v in conflict.values} == {"conforming", "nonconforming"}
    assert audit_state(lead_store, audit_id) == audit_state(mate_store, audit_id)
    settled = record_response(lead, audit_id, "P-02", "7.5.6", "nonconforming")
    assert settled.conflicts == ()
    _sync(lead_store, mate_store, audit_id)
    assert audit_state(mate_store, audit_id).responses["P-02"].answer is Answer.NONCONFORMING
    assert audit_state(mate_store, audit_id).conflicts == ()


@pytest.mark.req("SVC-010")
def test_two_auditors_editing_different_fields_of_a_finding_keep_both_changes() -> None:
    lead_store, lead, mate_store, mate, audit_id = _pair()
    finding_id = raise_finding(
        lead, audit_id, grade="minor_nc", clause="7.5.1", requirement="7.5.1 a", statement="Draft"
    )
    _sync(lead_store, mate_store, audit_id)
    edit_finding(lead, audit_id, finding_id, grade="major_nc")
    edit_finding(mate, audit_id, finding_id, statement="Work instructions missing at line 4")
    _sync(lead_store, mate_store, audit_id)
    state = audit_state(mate_store, audit_id)
    finding = state.findings[finding_id]
    assert (finding.grade.value, finding.statement) == ("major_nc", "Work instructions missing at line 4")
    assert state.conflicts == ()
