"""A sampled record flagged as a simulated dry run is captured, shown as such and counted apart."""

from __future__ import annotations

import datetime as dt

import pytest

from auditapp.domain.errors import ValidationError
from auditapp.domain.events import EventKind
from auditapp.domain.payloads import validate_payload
from auditapp.domain.readiness import ProcessState, assess
from auditapp.reports.labels import describe
from auditapp.services.context import CaptureContext
from auditapp.services.reporting import audit_extras, readiness_inputs
from auditapp.services.sample_capture import draw_sample, record_sampled_record
from auditapp.store.memory import MemoryEventStore
from tests.unit.services.fakes import context_over, planned


@pytest.mark.req("REP-008")
def test_a_dry_run_record_is_flagged_in_the_report_and_readiness() -> None:
    store = MemoryEventStore()
    ctx: CaptureContext = context_over(store)
    audit_id = planned(ctx, audit_type="internal", start_date="2026-03-02", end_date="2026-03-02")
    sample = draw_sample(
        ctx, audit_id, population_description="CAPA records", method="random",
        population_ids=["C-1", "C-2"], sample_size=2, seed="s", item_id="C-01",
    )  # fmt: skip
    sample_id = sample.evidence_id
    record_sampled_record(
        ctx, audit_id, sample_id, identifier="C-1", record_type="CAPA", conforms=True,
        record_date="2026-02-10", simulated=True,
    )  # fmt: skip
    record_sampled_record(ctx, audit_id, sample_id, identifier="C-2", record_type="CAPA", conforms=True)
    events = store.events(audit_id)
    flagged = audit_extras(events).simulated_records
    assert len(flagged) == 1
    state = ctx.state(audit_id)
    records = {e.evidence_id: e for e in state.evidence if e.evidence_id in flagged}
    assert "[simulated dry run]" in describe(next(iter(records.values())), True)
    result = assess(readiness_inputs({audit_id: events}, "Plant 1", dt.date(2026, 6, 30), ["8.5.2"]))
    capa = next(p for p in result.processes if p.key == "capa")
    assert capa.state is ProcessState.DRY_RUN
    assert capa.simulated_runs == 1


def test_simulated_must_be_yes_or_no() -> None:
    payload = {
        "evidence_id": "e", "item_id": "i", "clause": "8.5.2", "sample_id": "s", "record_type": "CAPA",
        "identifier": "C-1", "record_date": "", "conforms": True, "comment": "", "simulated": "maybe",
    }  # fmt: skip
    with pytest.raises(ValidationError, match="simulated: must be yes or no"):
        validate_payload(EventKind.RECORD_SAMPLED, payload)
