"""CAPA closure gates and stage model: what is missing, and which stage that puts the CAPA in."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditapp.domain.capa import (
    Action,
    ActionKind,
    ActionStatus,
    Capa,
    CapaStage,
    CheckMethod,
    CheckResult,
    EffectivenessCheck,
    RootCauseMethod,
    Verification,
    check_justification,
)
from auditapp.domain.capa_gates import GATE_CODES, closure_gaps, stage_of
from auditapp.domain.errors import ValidationError

OPENED = Capa("C-1", "Gowning log gaps", "Gowning log unsigned on 3 of 10 days", "owen")
ACTION = Action(
    "A-1",
    ActionKind.CORRECTIVE,
    "Add a signature step to SOP-12",
    "owen",
    dt.date(2026, 12, 1),
    ActionStatus.IMPLEMENTED,
    evidence="SOP-12 rev C released",
    document_id="SOP-12",
    document_revision="C",
    communication_record="Training record TR-88",
)
CHECK = EffectivenessCheck(
    "K-1",
    "No unsigned gowning log entries in 30 days",
    CheckMethod.FIELD_REVERIFICATION,
    dt.date(2027, 1, 1),
    dt.date(2027, 3, 31),
)
COMPLETE = replace(
    OPENED,
    containment="Logs of the week reviewed",
    root_cause_method=RootCauseMethod.FIVE_WHYS,
    root_cause_result="The SOP has no signature step",
    actions=(ACTION,),
    verification=Verification(True, True, "No effect on the validated process", "quinn"),
    checks=(replace(CHECK, result=CheckResult.PASSED),),
)


def codes(capa: Capa) -> list[str]:
    return [g.code for g in closure_gaps(capa)]


@pytest.mark.req("CAP-010")
def test_a_new_capa_misses_every_gate() -> None:
    assert codes(OPENED) == [
        "root_cause",
        "corrective_action",
        "document_update",
        "communication",
        "verification",
        "effectiveness_check",
    ]


@pytest.mark.req("CAP-010")
def test_a_complete_capa_misses_nothing() -> None:
    assert closure_gaps(COMPLETE) == []


@pytest.mark.req("CAP-010")
def test_an_action_without_evidence_or_not_implemented_is_named_by_its_id() -> None:
    planned = replace(ACTION, action_id="A-2", status=ActionStatus.PLANNED, evidence="")
    capa = replace(COMPLETE, actions=(ACTION, planned))
    gaps = closure_gaps(capa)
    assert [(g.code, g.ref) for g in gaps] == [("action_implemented", "A-2")]


@pytest.mark.req("CAP-010")
def test_justifications_stand_in_for_a_document_change_and_training() -> None:
    bare = replace(ACTION, document_id="", document_revision="", communication_record="")
    capa = replace(COMPLETE, actions=(bare,))
    assert codes(capa) == ["document_update", "communication"]
    justified = replace(
        capa,
        document_update_justification="The SOP already requires it",
        communication_justification="Only the owner performs this",
    )
    assert codes(justified) == []


@pytest.mark.req("CAP-010")
def test_a_correction_alone_is_not_a_corrective_action_and_cancelled_actions_do_not_count() -> None:
    correction = replace(ACTION, kind=ActionKind.CORRECTION)
    assert codes(replace(COMPLETE, actions=(correction,))) == ["corrective_action"]
    cancelled = replace(ACTION, status=ActionStatus.CANCELLED, cancel_reason="Superseded by A-3")
    assert "corrective_action" in codes(replace(COMPLETE, actions=(cancelled,)))


@pytest.mark.req("CAP-010")
def test_an_adverse_verification_blocks_closure() -> None:
    capa = replace(
        COMPLETE, verification=Verification(True, False, "Changes the sterilisation load", "quinn")
    )
    assert codes(capa) == ["verification_adverse"]


@pytest.mark.req("CAP-010")
def test_only_a_passed_check_of_the_current_round_counts() -> None:
    old_pass = replace(CHECK, result=CheckResult.PASSED, round=0)
    assert codes(replace(COMPLETE, checks=(old_pass,), round=1)) == ["effectiveness_check"]
    pending = replace(CHECK, check_id="K-2", round=1)
    assert codes(replace(COMPLETE, checks=(old_pass, pending), round=1)) == [
        "effectiveness_pending",
        "effectiveness_passed",
    ]


@pytest.mark.req("CAP-008")
def test_the_stage_follows_what_has_been_recorded() -> None:
    assert stage_of(OPENED) is CapaStage.OPEN
    assert stage_of(replace(OPENED, containment="Quarantined lot 42")) is CapaStage.INVESTIGATION
    rooted = replace(OPENED, root_cause_method=RootCauseMethod.FISHBONE, root_cause_result="No step")
    assert stage_of(rooted) is CapaStage.ACTION
    acted = replace(rooted, actions=(ACTION,))
    assert stage_of(acted) is CapaStage.VERIFICATION
    verified = replace(acted, verification=COMPLETE.verification)
    assert stage_of(verified) is CapaStage.EFFECTIVENESS
    assert stage_of(replace(COMPLETE, closed=True)) is CapaStage.CLOSED
    assert stage_of(replace(COMPLETE, awaiting_rework=True, round=1)) is CapaStage.REOPENED


def test_every_gap_code_is_declared() -> None:
    assert set(codes(OPENED)) <= set(GATE_CODES)


@pytest.mark.req("CAP-006")
@pytest.mark.parametrize("text", ["", "   ", "ok", "too short"])
def test_a_justification_must_say_something(text: str) -> None:
    with pytest.raises(ValidationError, match="justification"):
        check_justification(text, "justification")


@pytest.mark.req("CAP-007")
def test_an_action_is_checked_field_by_field() -> None:
    with pytest.raises(ValidationError, match=r"^evidence:"):
        replace(ACTION, evidence="").validate()
    with pytest.raises(ValidationError, match=r"^document_revision:"):
        replace(ACTION, document_revision="").validate()
    with pytest.raises(ValidationError, match=r"^cancel_reason:"):
        replace(ACTION, status=ActionStatus.CANCELLED).validate()
    with pytest.raises(ValidationError, match=r"^window_end:"):
        replace(CHECK, window_end=dt.date(2026, 12, 31)).validate()


actions = st.builds(
    Action,
    action_id=st.sampled_from(["A-1", "A-2", "A-3"]),
    kind=st.sampled_from(ActionKind),
    description=st.just("do it"),
    owner=st.just("owen"),
    status=st.sampled_from(ActionStatus),
    evidence=st.sampled_from(["", "record R-1"]),
    document_id=st.sampled_from(["", "SOP-1"]),
    document_revision=st.just("B"),
    communication_record=st.sampled_from(["", "TR-1"]),
)
checks = st.builds(
    EffectivenessCheck,
    check_id=st.sampled_from(["K-1", "K-2"]),
    criterion=st.just("c"),
    method=st.sampled_from(CheckMethod),
    window_start=st.just(dt.date(2027, 1, 1)),
    window_end=st.just(dt.date(2027, 2, 1)),
    result=st.sampled_from(CheckResult),
    round=st.integers(0, 1),
)
capas = st.builds(
    Capa,
    capa_id=st.just("C"),
    title=st.just("t"),
    problem_statement=st.just("p"),
    owner=st.just("owen"),
    containment=st.sampled_from(["", "held"]),
    root_cause_method=st.none() | st.sampled_from(RootCauseMethod),
    root_cause_result=st.sampled_from(["", "cause"]),
    actions=st.lists(actions, max_size=3).map(tuple),
    document_update_justification=st.sampled_from(["", "none needed here"]),
    communication_justification=st.sampled_from(["", "none needed here"]),
    verification=st.none() | st.builds(Verification, st.booleans(), st.booleans(), st.just(""), st.just("q")),
    checks=st.lists(checks, max_size=3).map(tuple),
    round=st.integers(0, 1),
    closed=st.booleans(),
    awaiting_rework=st.booleans(),
)


@pytest.mark.req("CAP-008")
@pytest.mark.req("CAP-010")
@settings(max_examples=300, deadline=None)
@given(capas)
def test_stage_and_gates_never_disagree(capa: Capa) -> None:
    gaps = codes(capa)
    stage = stage_of(capa)
    if capa.closed:
        assert stage is CapaStage.CLOSED
    elif capa.awaiting_rework:
        assert stage is CapaStage.REOPENED
    elif stage is CapaStage.EFFECTIVENESS:
        assert all(code.startswith("effectiveness") for code in gaps)
    else:
        assert any(not code.startswith("effectiveness") for code in gaps)
    if "root_cause" in gaps and not capa.closed and not capa.awaiting_rework:
        assert stage in (CapaStage.OPEN, CapaStage.INVESTIGATION)
