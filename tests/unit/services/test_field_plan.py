"""The audit list and the plan form: every problem shown by field, nothing typed lost, plan edits saved."""

from __future__ import annotations

import pytest

from auditapp.domain.errors import AuditClosedError
from auditapp.services.plan_form import PlanForm, PlanFormError, parse_auditees, parse_team
from auditapp.services.planning import close_audit
from tests.unit.services.field_fakes import PLAN_VALUES, field_audits


@pytest.mark.req("FLD-101")
def test_an_audit_planned_from_the_form_holds_every_plan_field_and_is_listed_with_its_progress() -> None:
    audits, _ = field_audits()
    audit_id = audits.create_audit(PlanForm(**{**PLAN_VALUES, "audit_type": "stage2_mock"}))

    form = audits.plan_form(audit_id)
    assert form.audit_type == "stage2_mock"
    assert form.criteria == "iso13485-production, iso13485-capa"
    assert form.team == "T. Member\nS. Second"
    assert form.auditees == "Pat Production, Production manager\nQ. Quality, QA lead"
    [summary] = audits.audits()
    assert (summary.title, summary.answered, summary.total) == ("Production walkthrough", 0, 4)

    audits.answer(audit_id, "P-01", "conforming")
    assert audits.audits()[0].answered == 1


@pytest.mark.req("FLD-101")
def test_a_plan_form_with_problems_names_every_field_at_once_and_stores_nothing() -> None:
    audits, store = field_audits()
    bad = PlanForm(
        **{**PLAN_VALUES, "title": " ", "criteria": "", "start_date": "2026-03-05", "end_date": "2026-03-01"}
    )

    with pytest.raises(PlanFormError) as refused:
        audits.create_audit(bad)

    assert set(refused.value.errors) == {"title", "criteria", "end_date"}
    assert "cannot end before it starts" in refused.value.errors["end_date"]
    assert "title" in str(refused.value)
    assert store.audit_ids() == []


@pytest.mark.req("FLD-101")
def test_unknown_checklists_dates_and_audit_types_are_refused_with_what_to_type() -> None:
    audits, _ = field_audits()
    form = PlanForm(
        **{**PLAN_VALUES, "criteria": "iso9001", "start_date": "2 March", "audit_type": "surveillance"}
    )
    with pytest.raises(PlanFormError) as refused:
        audits.create_audit(form)
    errors = refused.value.errors
    assert "'iso9001' is not on this device" in errors["criteria"]
    assert "YYYY-MM-DD" in errors["start_date"]
    assert "Stage 1 mock" in errors["audit_type"]


@pytest.mark.req("FLD-106")
def test_the_plan_form_draft_survives_a_reload_and_is_cleared_once_the_audit_is_created() -> None:
    audits, store = field_audits()
    audits.drafts.save("plan:new", "title", "Supplier audit: moulder")
    audits.drafts.save("plan:new", "site", "Moulder GmbH")

    reloaded, _ = field_audits(store)
    form = reloaded.new_plan_form()
    assert (form.title, form.site, form.start_date) == (
        "Supplier audit: moulder",
        "Moulder GmbH",
        "2026-03-02",
    )

    with pytest.raises(PlanFormError):
        reloaded.create_audit(form)  # incomplete: the draft must stay
    assert reloaded.new_plan_form().title == "Supplier audit: moulder"

    reloaded.create_audit(PlanForm(**{**PLAN_VALUES, "title": form.title, "site": form.site}))
    assert reloaded.new_plan_form().title == ""


@pytest.mark.req("FLD-101")
def test_plan_fields_and_meeting_notes_are_saved_one_at_a_time_and_a_bad_value_is_refused() -> None:
    audits, _ = field_audits()
    audit_id = audits.create_audit(PlanForm(**PLAN_VALUES))

    audits.save_plan_field(audit_id, "scope", "Moulding only")
    audits.save_plan_field(audit_id, "team", "A. One, B. Two")
    with pytest.raises(PlanFormError) as refused:
        audits.save_plan_field(audit_id, "end_date", "2026-03-01")
    assert "end_date" in refused.value.errors

    audits.save_meeting_note(audit_id, "opening", "Scope confirmed with Pat; guide: Q. Quality")
    audits.save_meeting_note(audit_id, "opening", "Scope confirmed with Pat; guide: Q. Quality")

    form = audits.plan_form(audit_id)
    assert (form.scope, form.team, form.end_date) == ("Moulding only", "A. One\nB. Two", "2026-03-03")
    assert audits.meeting_notes(audit_id) == {
        "opening": "Scope confirmed with Pat; guide: Q. Quality",
        "closing": "",
    }


def test_a_closed_audit_refuses_plan_edits() -> None:
    audits, _ = field_audits()
    audit_id = audits.create_audit(PlanForm(**PLAN_VALUES))
    close_audit(audits._context(), audit_id)
    with pytest.raises(AuditClosedError):
        audits.save_meeting_note(audit_id, "closing", "Findings presented")


def test_team_and_auditees_are_read_one_per_line() -> None:
    assert parse_team("A. One, B. Two\n\nC. Three") == ["A. One", "B. Two", "C. Three"]
    assert parse_auditees("Pat, Production manager\nSam") == [
        {"name": "Pat", "role": "Production manager"},
        {"name": "Sam", "role": ""},
    ]
