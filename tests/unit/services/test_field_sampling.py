"""Samples drawn from the item screen's form: id ranges, the seed shown, and each record's result."""

from __future__ import annotations

import pytest

from auditapp.domain.errors import ValidationError
from auditapp.domain.sampling import draw_random
from auditapp.services.plan_form import PlanForm
from auditapp.services.sample_capture import expand_ids
from tests.unit.services.field_fakes import PLAN_VALUES, field_audits


@pytest.mark.req("FLD-104")
def test_a_random_sample_of_five_from_200_ids_shows_its_seed_and_redraws_the_same() -> None:
    audits, _ = field_audits()
    audit_id = audits.create_audit(PlanForm(**PLAN_VALUES))

    detail = audits.draw_sample(
        audit_id,
        "P-02",
        {
            "population_description": "batch records",
            "population_ids": "BR-001..BR-200",
            "method": "random",
            "sample_size": "5",
        },
    )

    [view] = detail.samples
    sample = view.sample
    assert sample.population_size == 200
    assert len(sample.selected_ids) == 5
    assert sample.seed
    assert f"seed {sample.seed}" in view.how
    assert view.how.endswith("5 of 200 batch records")
    assert list(sample.selected_ids) == draw_random(expand_ids("BR-001..BR-200"), 5, sample.seed)
    assert view.pending == sample.selected_ids

    bad = sample.selected_ids[2]
    with pytest.raises(ValidationError, match="comment"):
        audits.record_sampled(
            audit_id, "P-02", sample.evidence_id, identifier=bad, record_type="batch record", conforms=False
        )
    detail = audits.record_sampled(
        audit_id,
        "P-02",
        sample.evidence_id,
        identifier=bad,
        record_type="batch record",
        conforms=False,
        comment="Seal strength test missing",
    )
    [view] = detail.samples
    assert view.result_of(bad) is not None
    assert not view.result_of(bad).conforms
    assert len(view.pending) == 4


@pytest.mark.req("FLD-104")
def test_systematic_and_judgmental_samples_record_their_start_or_reason() -> None:
    audits, _ = field_audits()
    audit_id = audits.create_audit(PlanForm(**PLAN_VALUES))

    audits.draw_sample(
        audit_id,
        "P-01",
        {
            "population_description": "work orders",
            "population_size": "40",
            "method": "systematic",
            "sample_size": "4",
            "start": "3",
        },
    )
    detail = audits.draw_sample(
        audit_id,
        "P-01",
        {
            "population_description": "complaints",
            "population_ids": "C-1, C-2, C-3",
            "method": "judgmental",
            "selected_ids": "C-2",
            "reason": "the only sterile-barrier complaint",
        },
    )

    systematic, judgmental = detail.samples
    assert systematic.sample.selected_ids == ("3", "13", "23", "33")
    assert systematic.how.startswith("Systematic, start 3")
    assert judgmental.sample.selected_ids == ("C-2",)
    assert "the only sterile-barrier complaint" in judgmental.how


@pytest.mark.req("FLD-104")
def test_a_sample_form_with_a_bad_value_names_the_field_and_keeps_the_draft() -> None:
    audits, store = field_audits()
    audit_id = audits.create_audit(PlanForm(**PLAN_VALUES))
    key = f"sample:{audit_id}:P-02"
    audits.drafts.save(key, "population_ids", "BR-010..BR-001")
    events = len(store.events(audit_id))

    with pytest.raises(ValidationError, match=r"population_ids: .BR-010\.\.BR-001. is not a range"):
        audits.draw_sample(audit_id, "P-02", {"population_ids": "BR-010..BR-001", "method": "random"})
    with pytest.raises(ValidationError, match="sample_size: 'five' is not a whole number"):
        audits.draw_sample(audit_id, "P-02", {"population_size": "20", "sample_size": "five"})

    assert len(store.events(audit_id)) == events
    assert audits.drafts.get(key) == {"population_ids": "BR-010..BR-001"}


def test_ids_are_read_one_per_line_or_by_comma_and_ranges_keep_their_zero_padding() -> None:
    assert expand_ids("A-7\nA-9, A-11") == ["A-7", "A-9", "A-11"]
    assert expand_ids("BR-098..BR-101") == ["BR-098", "BR-099", "BR-100", "BR-101"]
    assert expand_ids("7..9") == ["7", "8", "9"]
