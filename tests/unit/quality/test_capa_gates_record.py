"""The closure checklist ticks nothing with nothing to check; the 8.5.2 e verification needs explicit answers.

Gate lines: a line is met only when the store does not list it as missing and, for a line that speaks of
actions, a verification or checks, the store does not miss what it speaks of; nothing is ticked for want of
something to check. Verification: each of the two questions is an
explicit choice with nothing preselected; an unanswered one is refused by name, nothing is sent and what
was typed stays in the form.
"""

from __future__ import annotations

from typing import Any

import flet as ft
import pytest

from auditapp.domain.capa_gates import GATE_CODES
from auditapp.services.quality import capa_views, capa_work
from auditapp.services.quality.capa_views import CapaView
from auditapp.services.quality.session import Done, Failed, QualitySession
from auditapp.ui.quality.capa_sections import CapaForms
from tests.unit.quality.fakes import FakeStore
from tests.unit.quality.form_driver import FormRunner, submit

Json = dict[str, Any]

# What a real central store lists as missing on a CAPA just opened (see auditapp.domain.capa_gates).
NEW_CAPA_MISSING = [
    {
        "code": "root_cause",
        "ref": None,
        "message": "record the root cause analysis: its method and its result",
    },
    {
        "code": "corrective_action",
        "ref": None,
        "message": "plan at least one corrective or preventive action",
    },
    {"code": "document_update", "ref": None, "message": "record the changed document and its revision"},
    {"code": "communication", "ref": None, "message": "record the training or communication"},
    {"code": "verification", "ref": None, "message": "verify that the actions do not adversely affect"},
    {"code": "effectiveness_check", "ref": None, "message": "plan an effectiveness check"},
]


def _action(action_id: str, status: str, **extra: object) -> Json:
    return {
        "id": action_id,
        "kind": "corrective",
        "description": f"Action {action_id}",
        "owner": "quinn",
        "status": status,
        **extra,
    }


DONE_ACTION = _action(
    "a1",
    "implemented",
    evidence="Checklist in use",
    document_id="SOP-007",
    document_revision="E",
    communication_record="TR-2291",
)


def _check(check_id: str, result: str, round_: int = 0, current: bool = True) -> Json:
    return {
        "id": check_id,
        "capa_id": "c1",
        "criterion": f"Criterion {check_id}",
        "method": "record_review",
        "window_start": "2026-12-01",
        "window_end": "2026-12-31",
        "result": result,
        "round": round_,
        "current": current,
    }


def _capa(**extra: object) -> Json:
    """A CAPA as the store sends it, complete and ready to close unless `extra` says otherwise."""
    return {
        "id": "c1",
        "title": "Gowning records not signed",
        "stage": "effectiveness",
        "owner": "quinn",
        "round": 0,
        "created_at": "2026-11-20T10:00:00+00:00",
        "problem_statement": "Pages left unsigned",
        "root_cause": {"method": "five_whys", "result": "Sign-off at shift end"},
        "actions": [DONE_ACTION],
        "verification": {
            "compliance_unaffected": True,
            "safety_performance_unaffected": True,
            "comment": "Reviewed against the technical file",
            "verified_by": "quinn",
            "verified_at": "2026-12-05T10:00:00+00:00",
        },
        "effectiveness_checks": [_check("k1", "passed")],
        "source_findings": [],
        "reopenings": [],
        "missing": [],
        "ready_to_close": True,
        "content_sha256": "ab" * 32,
        "signatures": [],
        **extra,
    }


def _unmet(view: CapaView) -> dict[str, tuple[str, ...] | str]:
    """What each unmet gate says: the store's messages, or which gate it waits for."""
    return {g.code: g.missing or g.waits_for for g in view.gates if not g.met}


# ------------------------------------------------------------------------------------------- gate lines
@pytest.mark.req("QAP-032")
def test_a_new_capa_ticks_no_gate_not_even_those_with_nothing_yet_to_check() -> None:
    view = capa_views.capa_view(
        _capa(
            stage="open",
            root_cause={"method": None, "result": ""},
            actions=[],
            verification=None,
            effectiveness_checks=[],
            missing=NEW_CAPA_MISSING,
            ready_to_close=False,
        )
    )
    unmet = _unmet(view)
    assert set(unmet) == set(GATE_CODES)
    assert unmet["verification"] == ("verify that the actions do not adversely affect",)
    # "Every action is implemented" waits for an action to be planned; the store's words stay on that
    # gate's own line and are not repeated on the lines that wait for it.
    assert unmet["corrective_action"] == ("plan at least one corrective or preventive action",)
    assert unmet["action_implemented"] == "waits for: A corrective or preventive action is planned"
    assert unmet["action_evidence"] == "waits for: A corrective or preventive action is planned"
    assert unmet["verification_adverse"] == "waits for: 8.5.2 e verification recorded"
    assert unmet["effectiveness_pending"] == "waits for: An effectiveness check is planned"
    assert unmet["effectiveness_passed"] == "waits for: An effectiveness check is planned"


@pytest.mark.req("QAP-032")
def test_a_failed_check_and_a_reopening_leave_no_passed_check_ticked() -> None:
    failed = capa_views.capa_view(
        _capa(
            effectiveness_checks=[_check("k1", "failed")],
            missing=[{"code": "effectiveness_passed", "message": "no effectiveness check has passed yet"}],
        )
    )
    assert _unmet(failed) == {"effectiveness_passed": ("no effectiveness check has passed yet",)}
    reopened = capa_views.capa_view(
        _capa(
            stage="reopened",
            round=1,
            effectiveness_checks=[_check("k1", "failed", 0, False), _check("k0", "passed", 0, False)],
            missing=[{"code": "effectiveness_check", "message": "plan an effectiveness check"}],
        )
    )
    assert _unmet(reopened) == {
        "effectiveness_check": ("plan an effectiveness check",),
        "effectiveness_pending": "waits for: An effectiveness check is planned",
        "effectiveness_passed": "waits for: An effectiveness check is planned",
    }


@pytest.mark.req("QAP-032")
def test_a_capa_the_store_finds_complete_ticks_every_gate() -> None:
    view = capa_views.capa_view(_capa())
    assert [g.code for g in view.gates] == list(GATE_CODES)
    assert _unmet(view) == {}


# ----------------------------------------------------------------------------- the verification form
ANSWERS = ("compliance_unaffected", "safety_performance_unaffected")


@pytest.mark.req("QAP-031")
@pytest.mark.parametrize(
    ("values", "says"),
    [
        (
            {"comment": "Reviewed against the technical file"},
            "Regulatory compliance, Device safety and performance: not answered",
        ),
        (
            {"compliance_unaffected": "no", "safety_performance_unaffected": "no", "comment": "Reviewed"},
            "Regulatory compliance, Device safety and performance: not answered",
        ),
        (
            {"compliance_unaffected": "unaffected", "comment": "Reviewed"},
            "Device safety and performance: not answered",
        ),
        (
            {"safety_performance_unaffected": "affected", "comment": "Reviewed"},
            "Regulatory compliance: not answered",
        ),
    ],
)
def test_an_unanswered_verification_question_is_refused_by_name_and_nothing_is_sent(
    session: QualitySession, store: FakeStore, values: dict[str, str], says: str
) -> None:
    store.capas = {"c1": _capa(verification=None)}
    outcome = session.attempt(lambda api: capa_work.record_section(api, "c1", "verification", values))
    assert isinstance(outcome, Failed)
    assert outcome.message.startswith(says)
    assert "“not adversely affected” or “adversely affected”" in outcome.message
    assert store.calls == []


@pytest.mark.req("QAP-031")
@pytest.mark.parametrize(
    ("compliance", "safety", "sent"),
    [
        ("unaffected", "unaffected", (True, True)),
        ("affected", "unaffected", (False, True)),
        ("unaffected", "affected", (True, False)),
    ],
)
def test_explicit_answers_are_sent_as_true_or_false(
    session: QualitySession, store: FakeStore, compliance: str, safety: str, sent: tuple[bool, bool]
) -> None:
    store.capas = {"c1": _capa(verification=None)}
    values = {
        "compliance_unaffected": compliance,
        "safety_performance_unaffected": safety,
        "comment": " Seen ",
    }
    outcome = session.attempt(lambda api: capa_work.record_section(api, "c1", "verification", values))
    assert isinstance(outcome, Done)
    [(name, (capa_id, section, body))] = store.calls
    assert (name, capa_id, section) == ("update_capa", "c1", "verification")
    assert body == {
        "compliance_unaffected": sent[0],
        "safety_performance_unaffected": sent[1],
        "comment": "Seen",
    }


@pytest.mark.req("QAP-031")
def test_the_verification_form_preselects_nothing_and_keeps_the_text_when_refused(
    session: QualitySession, store: FakeStore
) -> None:
    store.capas = {"c1": _capa(verification=None)}
    saved: list[CapaView] = []

    async def done(view: CapaView) -> None:
        saved.append(view)

    forms = CapaForms("c1", FormRunner(session), done)  # type: ignore[arg-type]
    forms.prefill(capa_views.capa_view(store.capas["c1"]))
    form = forms.verification
    assert all(isinstance(form.fields[k], ft.RadioGroup) and not form.fields[k].value for k in ANSWERS)

    form.fields["comment"].value = "Reviewed against the technical file"
    submit(form)
    assert form.error.visible
    assert str(form.error.value).startswith(
        "Regulatory compliance, Device safety and performance: not answered"
    )
    assert form.fields["comment"].value == "Reviewed against the technical file"
    assert (saved, store.calls) == ([], [])

    form.fields["compliance_unaffected"].value = "unaffected"
    submit(form)
    assert str(form.error.value).startswith("Device safety and performance: not answered")
    assert (saved, store.calls) == ([], [])

    form.fields["safety_performance_unaffected"].value = "affected"
    submit(form)
    assert not form.error.visible
    [view] = saved
    assert view.verification == {
        "compliance_unaffected": True,
        "safety_performance_unaffected": False,
        "comment": "Reviewed against the technical file",
    }


@pytest.mark.req("QAP-031")
def test_a_recorded_verification_fills_in_its_own_answers() -> None:
    async def done(view: CapaView) -> None:
        raise AssertionError("nothing is saved here")

    verification = {"compliance_unaffected": False, "safety_performance_unaffected": True, "comment": "Seen"}
    forms = CapaForms("c1", None, done)  # type: ignore[arg-type]
    forms.prefill(capa_views.capa_view(_capa(verification=verification)))
    assert forms.verification.values() == {
        "compliance_unaffected": "affected",
        "safety_performance_unaffected": "unaffected",
        "comment": "Seen",
    }
