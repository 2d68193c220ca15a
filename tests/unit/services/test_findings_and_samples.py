"""Findings and samples: prefill from an item, N19 grade, edits, evidence links; reproducible samples."""

from __future__ import annotations

import pytest

from auditapp.domain.errors import ValidationError
from auditapp.domain.evidence import SampledRecord, SamplingMethod
from auditapp.domain.findings import FindingGrade
from auditapp.domain.sampling import draw_random, draw_systematic
from auditapp.services.capture import add_note, link_evidence, record_response
from auditapp.services.context import CaptureContext
from auditapp.services.finding_capture import N19Inputs, edit_finding, prefill_finding, raise_finding
from auditapp.services.sample_capture import draw_sample, record_sampled_record
from auditapp.store.memory import MemoryEventStore

LOTS = [f"LOT-{i:03d}" for i in range(1, 41)]


@pytest.mark.req("SVC-006")
def test_a_finding_raised_from_an_item_carries_its_clause_evidence_and_n19_grade(
    ctx: CaptureContext, audit_id: str
) -> None:
    record_response(ctx, audit_id, "P-02", "7.5.6", "nonconforming", notes="Sealer 3 not revalidated")
    prefill = prefill_finding(ctx, audit_id, "P-02")
    assert (prefill.clause, prefill.answer, len(prefill.evidence_ids)) == ("7.5.6", "nonconforming", 1)
    finding_id = raise_finding(
        ctx,
        audit_id,
        grade="minor_nc",
        item_id=prefill.item_id,
        evidence_ids=prefill.evidence_ids,
        requirement="7.5.6: processes shall be revalidated after changes",
        statement="Sealer 3 was moved in January and not revalidated",
        n19=N19Inputs(prior_clauses=("7.5.6",), nc_device_released=True),
    )
    finding = ctx.state(audit_id).findings[finding_id]
    assert finding.clause == "7.5.6"
    assert finding.evidence_ids == prefill.evidence_ids
    assert finding.n19_grade == 5  # direct, repeat (4) + released nonconforming device


@pytest.mark.req("SVC-006")
def test_a_finding_is_edited_field_by_field_and_linked_to_more_evidence(
    ctx: CaptureContext, audit_id: str
) -> None:
    finding_id = raise_finding(ctx, audit_id, grade="observation", clause="8.5.2", statement="CAPA log late")
    note = add_note(ctx, audit_id, "3 of 12 CAPAs past due", item_id="C-01")
    state = edit_finding(ctx, audit_id, finding_id, grade="minor_nc", requirement="8.5.2 e")
    state = link_evidence(ctx, audit_id, finding_id, note)
    finding = state.findings[finding_id]
    assert (finding.grade, finding.requirement, finding.evidence_ids) == (
        FindingGrade.MINOR_NC,
        "8.5.2 e",
        (note,),
    )
    assert state.conflicts == ()


@pytest.mark.req("SVC-002")
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"grade": "critical", "clause": "7.5.1", "statement": "s"},
            "grade: 'critical' is not a finding grade",
        ),
        (
            {"grade": "major_nc", "clause": "7.5.1", "statement": "s"},
            "requirement: a nonconformity must quote",
        ),
        ({"grade": "ofi", "statement": "s"}, "clause: a finding needs the clause"),
        (
            {"grade": "ofi", "clause": "7.5.1", "statement": "s", "evidence_ids": ["nope"]},
            "evidence_ids: no evidence with id 'nope'",
        ),
        (
            {"grade": "good_practice", "clause": "7.5.1", "statement": "s", "n19": N19Inputs()},
            "n19_grade: an N19 grade applies to nonconformities only",
        ),
    ],
)
def test_a_bad_finding_is_refused_and_nothing_stored(
    ctx: CaptureContext, store: MemoryEventStore, audit_id: str, kwargs: dict, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        raise_finding(ctx, audit_id, **kwargs)
    assert store.pending_count() == 1


def test_editing_an_unknown_field_or_finding_is_refused(ctx: CaptureContext, audit_id: str) -> None:
    finding_id = raise_finding(ctx, audit_id, grade="ofi", clause="7.5.1", statement="Could label bins")
    with pytest.raises(ValidationError, match="field: 'owner' is not a field of a finding"):
        edit_finding(ctx, audit_id, finding_id, owner="QA")
    with pytest.raises(ValidationError, match="finding_id: finding 'F-9' has not been raised"):
        edit_finding(ctx, audit_id, "F-9", grade="ofi")


@pytest.mark.req("SVC-005")
def test_a_random_sample_records_its_seed_and_anyone_can_redraw_it(
    ctx: CaptureContext, audit_id: str
) -> None:
    sample = draw_sample(
        ctx,
        audit_id,
        population_description="Lots released in Q1",
        population_ids=LOTS,
        method="random",
        item_id="P-01",
    )
    assert sample.method is SamplingMethod.RANDOM
    assert sample.sample_size == 8  # suggested for 40 records
    assert sample.seed
    assert list(sample.selected_ids) == draw_random(LOTS, 8, sample.seed)


@pytest.mark.req("SVC-005")
def test_systematic_and_judgmental_samples(ctx: CaptureContext, audit_id: str) -> None:
    systematic = draw_sample(
        ctx,
        audit_id,
        population_description="Device history records 2025",
        population_size=100,
        method="systematic",
        sample_size=10,
        start=4,
        item_id="P-01",
    )
    assert list(systematic.selected_ids) == draw_systematic([str(i) for i in range(1, 101)], 10, 4)
    judged = draw_sample(
        ctx,
        audit_id,
        population_description="Lots",
        population_ids=LOTS,
        method="judgmental",
        selected_ids=["LOT-007", "LOT-031"],
        reason="the two lots with deviations",
        item_id="P-01",
    )
    assert judged.reason == "the two lots with deviations"
    with pytest.raises(ValidationError, match="reason: a judgmental sample needs the reason"):
        draw_sample(
            ctx,
            audit_id,
            population_description="Lots",
            population_ids=LOTS,
            method="judgmental",
            selected_ids=["LOT-007"],
            item_id="P-01",
        )


@pytest.mark.req("SVC-005")
def test_sampled_records_are_recorded_against_their_sample(ctx: CaptureContext, audit_id: str) -> None:
    sample = draw_sample(
        ctx,
        audit_id,
        population_description="Lots",
        population_ids=LOTS,
        method="random",
        seed="fixed",
        sample_size=3,
        item_id="P-01",
    )
    first = sample.selected_ids[0]
    record_id = record_sampled_record(
        ctx,
        audit_id,
        sample.evidence_id,
        identifier=first,
        record_type="batch record",
        record_date="2026-01-12",
        conforms=False,
        comment="Line clearance not signed",
    )
    record = ctx.state(audit_id).evidence_by_id()[record_id]
    assert isinstance(record, SampledRecord)
    assert (record.sample_id, record.conforms, record.target.item_id) == (sample.evidence_id, False, "P-01")
    with pytest.raises(ValidationError, match="identifier: record 'LOT-999' was not drawn in this sample"):
        record_sampled_record(
            ctx, audit_id, sample.evidence_id, identifier="LOT-999", record_type="batch record", conforms=True
        )
    with pytest.raises(ValidationError, match="comment: say what does not conform"):
        record_sampled_record(
            ctx, audit_id, sample.evidence_id, identifier=first, record_type="batch record", conforms=False
        )
