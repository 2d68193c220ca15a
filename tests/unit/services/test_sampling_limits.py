"""The sample form's limits: a mistyped population or sample size, and positions outside the population."""

from __future__ import annotations

import pytest

from auditapp.domain.errors import ValidationError
from auditapp.services.plan_form import PlanForm
from tests.unit.services.field_fakes import PLAN_VALUES, field_audits


@pytest.mark.req("FLD-111")
@pytest.mark.parametrize("typed", ["100000000000", "20000000", "1000001"])
def test_a_mistyped_population_size_is_refused_at_its_field_and_the_form_is_kept(typed: str) -> None:
    audits, store = field_audits()
    audit_id = audits.create_audit(PlanForm(**PLAN_VALUES))
    key = f"sample:{audit_id}:P-02"
    audits.drafts.save(key, "population_size", typed)
    events = len(store.events(audit_id))

    with pytest.raises(ValidationError) as refused:
        audits.draw_sample(audit_id, "P-02", {"population_size": typed, "method": "random"})

    assert refused.value.field == "population_size"
    assert f"a population of {int(typed):,} records is more than a sample can be drawn from" in str(
        refused.value
    )
    assert "at most 1,000,000" in str(refused.value)
    assert len(store.events(audit_id)) == events
    assert audits.drafts.get(key) == {"population_size": typed}


@pytest.mark.req("FLD-111")
def test_a_sample_of_a_population_given_by_size_shows_the_positions_the_seed_always_gave() -> None:
    audits, _ = field_audits()
    audit_id = audits.create_audit(PlanForm(**PLAN_VALUES))

    detail = audits.draw_sample(
        audit_id,
        "P-02",
        {"population_size": "50", "method": "random", "sample_size": "8", "seed": "42"},
    )

    [view] = detail.samples
    assert view.sample.selected_ids == ("4", "12", "15", "33", "34", "38", "41", "42")
    assert view.sample.population_ids is None


@pytest.mark.req("FLD-111")
@pytest.mark.parametrize("method", ["random", "systematic"])
def test_a_mistyped_sample_size_is_refused_at_its_field(method: str) -> None:
    audits, store = field_audits()
    audit_id = audits.create_audit(PlanForm(**PLAN_VALUES))
    events = len(store.events(audit_id))

    with pytest.raises(
        ValidationError,
        match=r"^sample_size: a sample of 50,000 records is more than can be worked through on the tablet "
        r"\(at most 2,000\): check the number$",
    ):
        audits.draw_sample(
            audit_id, "P-02", {"population_size": "100000", "method": method, "sample_size": "50000"}
        )
    assert len(store.events(audit_id)) == events


@pytest.mark.req("FLD-111")
def test_a_judgmental_sample_refuses_records_outside_the_population_size_and_names_them() -> None:
    audits, store = field_audits()
    audit_id = audits.create_audit(PlanForm(**PLAN_VALUES))
    events = len(store.events(audit_id))
    form = {
        "population_size": "50",
        "method": "judgmental",
        "selected_ids": "3, 99",
        "reason": "the lots with deviations",
    }

    with pytest.raises(
        ValidationError,
        match=r"^selected_ids: 99 is not in a population of 50 \(choose positions from 1 to 50\)$",
    ):
        audits.draw_sample(audit_id, "P-02", form)
    with pytest.raises(ValidationError, match=r"^selected_ids: 'B-7' is not in a population of 50"):
        audits.draw_sample(audit_id, "P-02", {**form, "selected_ids": "3, B-7"})
    assert len(store.events(audit_id)) == events

    detail = audits.draw_sample(audit_id, "P-02", {**form, "selected_ids": "3, 050"})
    [view] = detail.samples
    assert view.sample.selected_ids == ("3", "50")
