"""The plan form's dates: only YYYY-MM-DD, and only days an audit can plausibly fall on."""

from __future__ import annotations

import datetime as dt

import pytest

from auditapp.domain.errors import ValidationError
from auditapp.domain.plan import decode_plan_field
from auditapp.services.field_audits import NEW_PLAN
from auditapp.services.plan_form import PlanForm, PlanFormError, check_plan_form
from tests.unit.services.field_fakes import PLAN_VALUES, field_audits

CHECKLISTS = ("iso13485-production", "iso13485-capa")
TODAY = dt.date(2026, 3, 2)


def _errors(today: dt.date = TODAY, **values: str) -> dict[str, str]:
    return check_plan_form(PlanForm(**{**PLAN_VALUES, **values}), CHECKLISTS, today)


@pytest.mark.req("FLD-112")
@pytest.mark.parametrize("typed", ["20261102", "2026-W45-1", "２０２６-１１-０２"])
def test_a_date_without_its_dashes_is_refused_and_asked_for_as_yyyy_mm_dd(typed: str) -> None:
    errors = _errors(start_date=typed)

    assert errors == {"start_date": "enter a date as YYYY-MM-DD, e.g. 2026-03-02"}


@pytest.mark.req("FLD-112")
@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("0001-01-01", "0001-01-01 is before 2000: check the year"),
        ("1999-12-31", "1999-12-31 is before 2000: check the year"),
        ("1926-03-02", "1926-03-02 is before 2000: check the year"),
    ],
)
def test_a_start_before_2000_is_refused_as_a_typo_of_the_year(typed: str, expected: str) -> None:
    assert _errors(start_date=typed) == {"start_date": expected}


@pytest.mark.req("FLD-112")
def test_a_day_more_than_ten_years_ahead_is_refused_and_the_last_day_allowed_is_not() -> None:
    assert _errors(end_date="2036-03-03") == {
        "end_date": "2036-03-03 is more than 10 years ahead (after 2036-03-02): check the year"
    }
    assert _errors(start_date="2062-03-02", end_date="2062-03-03") == {
        "start_date": "2062-03-02 is more than 10 years ahead (after 2036-03-02): check the year",
        "end_date": "2062-03-03 is more than 10 years ahead (after 2036-03-02): check the year",
    }
    assert _errors(start_date="2000-01-01", end_date="2036-03-02") == {}
    # Ten years after a 29 February is the 28th.
    assert "after 2034-02-28" in _errors(dt.date(2024, 2, 29), end_date="2034-03-01")["end_date"]


@pytest.mark.req("FLD-112")
def test_a_new_audit_starting_in_year_one_is_refused_at_that_field_and_the_form_is_kept() -> None:
    audits, store = field_audits()
    typed = {**PLAN_VALUES, "start_date": "0001-01-01", "end_date": "20260303"}
    for name, value in typed.items():
        audits.drafts.save(NEW_PLAN, name, value)

    with pytest.raises(PlanFormError) as refused:
        audits.create_audit(PlanForm(**typed))

    assert refused.value.errors == {
        "start_date": "0001-01-01 is before 2000: check the year",
        "end_date": "enter a date as YYYY-MM-DD, e.g. 2026-03-02",
    }
    assert store.audit_ids() == []
    assert audits.drafts.get(NEW_PLAN) == typed


@pytest.mark.req("FLD-112")
@pytest.mark.parametrize(
    ("name", "typed", "expected"),
    [
        ("start_date", "20260302", "enter a date as YYYY-MM-DD, e.g. 2026-03-02"),
        ("start_date", "1926-03-02", "1926-03-02 is before 2000: check the year"),
        ("end_date", "2099-03-03", "more than 10 years ahead"),
    ],
)
def test_a_plan_edit_to_an_implausible_date_is_refused_and_the_plan_keeps_its_date(
    name: str, typed: str, expected: str
) -> None:
    audits, _ = field_audits()
    audit_id = audits.create_audit(PlanForm(**PLAN_VALUES))

    with pytest.raises(PlanFormError) as refused:
        audits.save_plan_field(audit_id, name, typed)

    assert list(refused.value.errors) == [name]
    assert expected in refused.value.errors[name]
    assert getattr(audits.plan_form(audit_id), name) == PLAN_VALUES[name]


@pytest.mark.req("FLD-112")
def test_a_plan_date_stored_in_any_form_but_yyyy_mm_dd_is_refused_by_name() -> None:
    assert decode_plan_field("start_date", "2026-11-02") == dt.date(2026, 11, 2)
    with pytest.raises(ValidationError, match=r"^start_date: '20261102' is not a date \(YYYY-MM-DD\)$"):
        decode_plan_field("start_date", "20261102")


@pytest.mark.req("FLD-113")
def test_a_hidden_character_is_named_under_its_own_field_at_its_place_in_what_was_typed() -> None:
    errors = _errors(
        lead_auditor="Ana\x1b[1m", auditees="Pat, QA\nLee, Head of \u202eQA", title="Walk\x0cnext"
    )
    assert errors == {
        "lead_auditor": "contains U+001B (a control character) at position 4",
        "auditees": "contains U+202E (an invisible control that overrides the direction of text) "
        "at position 22",
    }  # the form feed in the title is a page break pasted from an office program: kept
