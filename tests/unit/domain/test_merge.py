"""Merge of several devices' events: order-free, last writer wins per field, conflicts kept."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditapp.domain import drafts
from auditapp.domain.events import DomainEvent
from auditapp.domain.evidence import EvidenceTarget
from auditapp.domain.merge import merge_events
from auditapp.domain.responses import Answer
from auditapp.domain.state import project
from tests.unit.domain.simulation import AUDIT, apply_op, make_team, run_team, sample_plan

ops = st.lists(
    st.tuples(
        st.integers(0, 2), st.integers(0, 4), st.integers(0, 5), st.integers(0, 10), st.integers(0, 40)
    ),
    max_size=25,
)
PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _shuffled_with_duplicates(events: list[DomainEvent], rnd: random.Random) -> list[DomainEvent]:
    noisy = events + [rnd.choice(events) for _ in range(len(events) // 3)]
    rnd.shuffle(noisy)
    return noisy


@pytest.mark.req("DOM-010")
@PROPERTY
@given(ops, st.randoms(use_true_random=False))
def test_projection_is_the_same_for_any_order_and_duplication(plan_ops: list, rnd: random.Random) -> None:
    events = run_team(plan_ops)
    assert project(_shuffled_with_duplicates(events, rnd), AUDIT) == project(events, AUDIT)


@pytest.mark.req("DOM-010")
@PROPERTY
@given(ops, st.randoms(use_true_random=False))
def test_merge_is_commutative_associative_and_idempotent(plan_ops: list, rnd: random.Random) -> None:
    events = run_team(plan_ops)
    # Three overlapping partial logs, as three devices would hold them before a sync.
    a, b, c = ([e for e in events if rnd.random() < 0.6] for _ in range(3))
    assert merge_events(a, b) == merge_events(b, a)
    assert merge_events(merge_events(a, b), c) == merge_events(a, merge_events(b, c))
    assert merge_events(a, a) == merge_events(a)
    everything = merge_events(a, b, c)
    assert project(merge_events(merge_events(c, a), b), AUDIT) == project(everything, AUDIT)


@pytest.mark.req("DOM-013")
@PROPERTY
@given(ops)
def test_merge_never_loses_a_note_or_a_piece_of_evidence(plan_ops: list) -> None:
    events = run_team(plan_ops)
    noted = {e.payload["evidence_id"] for e in events if "evidence_id" in e.payload}
    state = project(merge_events(events), AUDIT)
    assert {e.evidence_id for e in state.evidence} == noted


def _two_devices() -> tuple:
    first, second = make_team(2, [0, 10])
    first.record(drafts.audit_planned(sample_plan()))
    second.receive(list(first.known.values()))
    return first, second


@pytest.mark.req("DOM-011")
def test_sequential_edits_keep_the_latest_value_without_conflict() -> None:
    first, second = _two_devices()
    first.record(drafts.response_recorded("I-1", "7.5.1", Answer.CONFORMING, None))
    second.receive(list(first.known.values()))
    second.wall.now += 1000
    base = second.view().state().version("response", "I-1", "answer")
    second.record(drafts.response_recorded("I-1", "7.5.1", Answer.NONCONFORMING, base))
    state = project(merge_events(first.known.values(), second.known.values()), AUDIT)
    assert state.responses["I-1"].answer is Answer.NONCONFORMING
    assert state.conflicts == ()


@pytest.mark.req("DOM-012")
def test_concurrent_edits_of_one_field_are_kept_as_a_conflict_and_clear_when_resolved() -> None:
    first, second = _two_devices()
    first.record(drafts.response_recorded("I-1", "7.5.1", Answer.CONFORMING, None))
    second.wall.now += 50  # later clock, but it never saw the first answer
    second.record(drafts.response_recorded("I-1", "7.5.1", Answer.NONCONFORMING, None))
    merged = merge_events(first.known.values(), second.known.values())
    state = project(merged, AUDIT)
    assert state.responses["I-1"].answer is Answer.NONCONFORMING  # latest clock shown
    conflict = state.conflict_on("response", "I-1", "answer")
    assert conflict is not None
    assert [v.value for v in conflict.values] == ["nonconforming", "conforming"]
    assert {v.device_id for v in conflict.values} == {"dev0", "dev1"}

    # The first auditor syncs, sees both values, and settles on one: the conflict clears.
    first.receive(merged)
    first.wall.now += 5_000
    base = first.view().state().version("response", "I-1", "answer")
    first.record(drafts.response_recorded("I-1", "7.5.1", Answer.OBSERVATION, base))
    settled = project(merge_events(first.known.values(), second.known.values()), AUDIT)
    assert settled.responses["I-1"].answer is Answer.OBSERVATION
    assert settled.conflicts == ()


@pytest.mark.req("DOM-011")
def test_finding_fields_merge_independently() -> None:
    first, second = _two_devices()
    from auditapp.domain.findings import Finding, FindingGrade

    first.record(
        drafts.finding_raised(Finding("F-1", "I-1", "7.5.1", FindingGrade.MINOR_NC, "7.5.1 a", "Draft"))
    )
    second.receive(list(first.known.values()))
    view = first.view().state()
    first.record(drafts.finding_edited("F-1", "grade", "major_nc", view.version("finding", "F-1", "grade")))
    view2 = second.view().state()
    second.record(
        drafts.finding_edited(
            "F-1",
            "statement",
            "Batch 42 released without review",
            view2.version("finding", "F-1", "statement"),
        )
    )
    state = project(merge_events(first.known.values(), second.known.values()), AUDIT)
    finding = state.findings["F-1"]
    assert finding.grade.value == "major_nc"
    assert finding.statement == "Batch 42 released without review"
    assert state.conflicts == ()


@pytest.mark.req("DOM-013")
def test_notes_from_two_devices_on_one_item_are_both_kept() -> None:
    first, second = _two_devices()
    target = EvidenceTarget.item("I-1", "7.5.1")
    first.record(drafts.note_added("n-1", target, "Line 3 logbook complete"))
    second.record(drafts.note_added("n-2", target, "Operator unsure of the procedure"))
    first.record(drafts.response_recorded("I-1", "7.5.1", Answer.OBSERVATION, None))
    state = project(merge_events(second.known.values(), first.known.values()), AUDIT)
    assert [n.text for n in state.responses["I-1"].notes] == [
        "Line 3 logbook complete",
        "Operator unsure of the procedure",
    ]


def test_two_different_events_under_one_id_resolve_the_same_way_everywhere() -> None:
    first, _ = _two_devices()
    event = first.record(drafts.note_added("n-1", EvidenceTarget.item("I-1", "7.5.1"), "one"))
    forged = DomainEvent(
        event.event_id,
        event.device_id,
        event.seq,
        event.hlc,
        AUDIT,
        event.kind,
        {**event.payload, "text": "two"},
    )
    assert merge_events([event], [forged]) == merge_events([forged], [event])


@pytest.mark.req("DOM-012")
@PROPERTY
@given(ops)
def test_conflicts_clear_once_an_auditor_who_saw_every_value_sets_the_field(plan_ops: list) -> None:
    team = make_team(3, [0, 5_000, -7_000])
    team[0].record(drafts.audit_planned(sample_plan()))
    for device in team[1:]:
        device.receive(list(team[0].known.values()))
    for device_index, *op in plan_ops:
        apply_op(team[device_index % 3], (op[0], op[1], op[2], op[3]), team)
    resolver = team[0]
    for other in team[1:]:
        resolver.receive(list(other.known.values()))
    before = resolver.view().state()
    for conflict in before.conflicts:
        chosen = conflict.values[-1].value  # the auditor keeps the oldest competing value
        base = before.version(*conflict.key)
        if conflict.key[0] == "response":
            draft = drafts.response_recorded(conflict.key[1], "7.5.1", Answer(chosen), base)
        elif conflict.key[0] == "finding":
            draft = drafts.finding_edited(conflict.key[1], conflict.key[2], chosen, base)
        else:
            draft = drafts.meeting_note_recorded(conflict.key[1], chosen, base)
        resolver.record(draft)
    after = project(merge_events(*(d.known.values() for d in team)), AUDIT)
    assert after.conflicts == ()
    for conflict in before.conflicts:
        if conflict.key[0] == "response":
            assert after.responses[conflict.key[1]].answer.value == conflict.values[-1].value
