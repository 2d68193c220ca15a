"""The plan form's messages: each field says what is wrong with its own value and what to type instead."""

from __future__ import annotations

import pytest

from auditapp.services.plan_form import PlanForm, PlanFormError, check_plan_form
from tests.unit.services.field_fakes import PLAN_VALUES, field_audits

CHECKLISTS = ("iso13485-production", "iso13485-capa")


def _errors(**values: str) -> dict[str, str]:
    return check_plan_form(PlanForm(**{**PLAN_VALUES, **values}), CHECKLISTS)


@pytest.mark.req("FLD-101")
@pytest.mark.parametrize("day", ["2026-02-30", "2026-13-45", "2026-04-31", "2025-02-29"])
def test_a_date_in_the_right_form_that_does_not_exist_is_called_so(day: str) -> None:
    errors = _errors(start_date="2026-01-05", end_date=day)

    assert errors["end_date"].startswith(f"{day} is not a day in the calendar")
    assert "YYYY-MM-DD" not in errors["end_date"]
    assert set(errors) == {"end_date"}


@pytest.mark.req("FLD-101")
@pytest.mark.parametrize("typed", ["2 March", "2026-3-2", "02.03.2026", "", "2026-03-02x"])
def test_a_date_not_written_as_yyyy_mm_dd_asks_for_that_form(typed: str) -> None:
    errors = _errors(start_date=typed)

    assert errors["start_date"] == "enter a date as YYYY-MM-DD, e.g. 2026-03-02"


@pytest.mark.req("FLD-101")
def test_a_new_audit_with_an_impossible_end_date_names_the_day_at_that_field() -> None:
    audits, store = field_audits()

    with pytest.raises(PlanFormError) as refused:
        audits.create_audit(PlanForm(**{**PLAN_VALUES, "end_date": "2026-02-30"}))

    assert refused.value.errors == {
        "end_date": "2026-02-30 is not a day in the calendar: check the month and the day"
    }
    assert store.audit_ids() == []


@pytest.mark.req("FLD-101")
@pytest.mark.parametrize(
    ("name", "typed", "expected"),
    [
        ("end_date", "2026-03-01", "the audit cannot end before it starts"),
        ("start_date", "2026-03-09", "the audit cannot end before it starts"),
        ("start_date", "2026-13-45", "2026-13-45 is not a day in the calendar: check the month and the day"),
        ("end_date", "tomorrow", "enter a date as YYYY-MM-DD, e.g. 2026-03-02"),
        ("site", " ", "enter the site"),
    ],
)
def test_a_refused_plan_edit_carries_the_fields_own_problem(name: str, typed: str, expected: str) -> None:
    audits, _ = field_audits()
    audit_id = audits.create_audit(PlanForm(**PLAN_VALUES))

    with pytest.raises(PlanFormError) as refused:
        audits.save_plan_field(audit_id, name, typed)

    assert refused.value.errors == {name: expected}
    assert getattr(audits.plan_form(audit_id), name) == PLAN_VALUES[name]  # nothing stored


@pytest.mark.req("FLD-101")
@pytest.mark.parametrize(
    ("label", "typed", "expected"),
    [
        ("End date", "2026-03-01", "The audit cannot end before it starts"),
        ("Start date", "2026-13-45", "2026-13-45 is not a day in the calendar: check the month and the day"),
    ],
)
def test_the_plan_screen_shows_the_fields_own_problem_under_it_not_the_forms_summary(
    label: str, typed: str, expected: str
) -> None:
    """The screen of an existing audit, driven without a browser: the field saves itself when left."""
    import flet as ft

    from auditapp.ui.field.plan_form import PlanScreen

    audits, _ = field_audits()
    audit_id = audits.create_audit(PlanForm(**PLAN_VALUES))
    screen = PlanScreen(audits, audit_id, on_created=lambda _: None, on_back=lambda: None)
    column = next(
        c
        for c in screen._fields.values()  # type: ignore[union-attr]
        if isinstance(c, ft.Column) and getattr(c.controls[0], "label", None) == label
    )
    box, line = column.controls[0], column.controls[-1]  # the field, its conflict (if any), its error
    assert isinstance(box, ft.TextField)
    assert isinstance(line, ft.Text)

    box.value = typed
    assert box.on_blur is not None
    box.on_blur(None)  # type: ignore[arg-type]

    assert line.visible
    assert line.value == expected
    assert "not complete" not in str(line.value)
