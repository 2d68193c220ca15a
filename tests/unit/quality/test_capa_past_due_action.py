"""An action due on a date already past is not saved silently: the form names the date and asks, keeps what
was typed, and saves only once that very date is confirmed."""

from __future__ import annotations

import datetime as dt

import pytest

from auditapp.services.quality import capa_work
from auditapp.services.quality.capa_views import CapaView
from auditapp.services.quality.session import Done, Failed, QualitySession
from auditapp.ui.quality.capa_sections import CapaForms
from tests.unit.quality.capa_screen_driver import drive
from tests.unit.quality.fakes import FakeStore
from tests.unit.quality.form_driver import FormRunner, submit
from tests.unit.quality.test_capa_gates_record import _capa

TODAY = dt.date(2026, 1, 6)
PAST = "2026-01-03"
TYPED = {
    "kind": "corrective",
    "description": "Lock the printer template",
    "owner": "owen",
    "due_date": PAST,
}


@pytest.mark.req("QAP-037")
@pytest.mark.parametrize(
    ("due", "warned"),
    [("2026-01-05", True), ("2025-12-31", True), ("2026-01-06", False), ("2026-02-01", False), ("", False)],
)
def test_only_a_date_before_today_is_past(due: str, warned: bool) -> None:
    body = capa_work.action_body({**TYPED, "due_date": due})
    warning = capa_work.past_due(body, TODAY)
    assert (warning is not None) == warned
    if warning is not None:
        assert warning.message == f"The due date {due} is already past; save anyway?"
        assert warning.confirm_label == f"Save with due date {due}"


@pytest.mark.req("QAP-037")
def test_a_past_due_action_is_sent_only_with_that_date_confirmed(
    session: QualitySession, store: FakeStore
) -> None:
    store.capas = {"c1": _capa(actions=[])}

    def add(confirmed: str = "", values: dict[str, str] = TYPED) -> object:
        outcome = session.attempt(lambda api: capa_work.add_action(api, "c1", values, confirmed, TODAY))
        assert isinstance(outcome, Done)
        return outcome.value

    assert add() == capa_work.PastDueDate(PAST)
    assert add(confirmed="2026-01-02") == capa_work.PastDueDate(PAST)  # another date was confirmed
    assert store.calls == []
    saved = add(confirmed=PAST)
    assert isinstance(saved, CapaView)
    [(name, (_, body))] = store.calls
    assert (name, body["due_date"], body["description"]) == ("add_action", PAST, "Lock the printer template")


@pytest.mark.req("QAP-037")
def test_the_rest_of_the_form_is_checked_before_the_date_is_questioned(
    session: QualitySession, store: FakeStore
) -> None:
    store.capas = {"c1": _capa(actions=[])}
    values = {**TYPED, "description": " "}
    outcome = session.attempt(lambda api: capa_work.add_action(api, "c1", values, "", TODAY))
    assert isinstance(outcome, Failed)
    assert outcome.message == "What will be done: fill it in"


FORM_PAST = (dt.date.today() - dt.timedelta(days=3)).isoformat()
"""In the form, "today" is the day the test runs."""
FORM_TYPED = {**TYPED, "due_date": FORM_PAST}


def _forms(session: QualitySession, saved: list[CapaView]) -> CapaForms:
    async def done(view: CapaView) -> None:
        saved.append(view)

    forms = CapaForms("c1", FormRunner(session), done)  # type: ignore[arg-type]
    forms.add_action.fill(FORM_TYPED)
    return forms


@pytest.mark.req("QAP-037")
def test_the_form_warns_keeps_the_typing_and_saves_on_the_second_explicit_confirmation(
    session: QualitySession, store: FakeStore
) -> None:
    store.capas = {"c1": _capa(actions=[])}
    saved: list[CapaView] = []
    forms = _forms(session, saved)
    form = forms.add_action

    submit(form)
    assert form.error.visible
    assert form.error.value == f"The due date {FORM_PAST} is already past; save anyway?"
    assert forms.confirm_due.visible
    assert forms.confirm_due.content == f"Save with due date {FORM_PAST}"
    assert form.values() == FORM_TYPED
    assert (saved, store.calls) == ([], [])

    submit(form)  # pressing "Add action" again is not the confirmation
    assert (saved, store.calls) == ([], [])

    drive(forms.confirm_past_due)
    [view] = saved
    assert [(a.description, a.due) for a in view.actions] == [
        ("Lock the printer template", dt.date.fromisoformat(FORM_PAST))
    ]
    assert not forms.confirm_due.visible
    assert not form.error.visible
    assert form.values()["description"] == ""


@pytest.mark.req("QAP-037")
def test_a_date_changed_after_the_warning_is_asked_about_again_or_simply_saved(
    session: QualitySession, store: FakeStore
) -> None:
    store.capas = {"c1": _capa(actions=[])}
    saved: list[CapaView] = []
    forms = _forms(session, saved)
    form = forms.add_action
    submit(form)

    earlier = (dt.date.today() - dt.timedelta(days=9)).isoformat()
    form.fields["due_date"].value = earlier  # another past date: the confirmation was for FORM_PAST
    drive(forms.confirm_past_due)
    assert form.error.value == f"The due date {earlier} is already past; save anyway?"
    assert forms.confirm_due.content == f"Save with due date {earlier}"
    assert (saved, store.calls) == ([], [])

    later = (dt.date.today() + dt.timedelta(days=7)).isoformat()
    form.fields["due_date"].value = later
    submit(form)
    [view] = saved
    assert [str(a.due) for a in view.actions] == [later]
    assert not forms.confirm_due.visible
