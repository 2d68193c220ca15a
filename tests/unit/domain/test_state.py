"""The projection of an audit: plan, responses, evidence, findings, progress."""

from __future__ import annotations

import pytest

from auditapp.domain import drafts
from auditapp.domain.evidence import EvidenceTarget, Interview
from auditapp.domain.findings import Finding, FindingGrade
from auditapp.domain.responses import Answer
from auditapp.domain.state import project
from tests.unit.domain.simulation import AUDIT, make_team, sample_plan


def _recorded(*items: drafts.Draft) -> list:
    device = make_team(1, [0])[0]
    for draft in items:
        device.wall.now += 10
        device.record(draft)
    return list(device.known.values())


@pytest.mark.req("DOM-016")
def test_progress_counts_answered_items_of_the_checklist() -> None:
    events = _recorded(
        drafts.audit_planned(sample_plan()),
        drafts.response_recorded("I-1", "7.5.1", Answer.CONFORMING, None),
        drafts.response_recorded("I-2", "7.5.6", Answer.NOT_AUDITED, None),
    )
    progress = project(events).progress(["I-1", "I-2", "I-3", "I-4"])
    assert (progress.answered, progress.total, progress.percent) == (2, 4, 50)


def test_plan_edits_and_meeting_notes_show_their_latest_value() -> None:
    events = _recorded(
        drafts.audit_planned(sample_plan()),
        drafts.plan_edited("site", "Plant 2", None),
        drafts.meeting_note_recorded("closing", "Two minors presented", None),
    )
    state = project(events)
    assert state.plan is not None
    assert state.plan.site == "Plant 2"
    assert state.meetings == {"closing": "Two minors presented"}


def test_a_finding_collects_its_raised_and_linked_evidence() -> None:
    item = EvidenceTarget.item("I-1", "7.5.1")
    events = _recorded(
        drafts.audit_planned(sample_plan()),
        drafts.interview_recorded("e1", item, "J. Doe", "Operator", "Who releases lots?", "QA"),
        drafts.note_added("e2", item, "Release log has gaps"),
        drafts.finding_raised(
            Finding("F-1", "I-1", "7.5.1", FindingGrade.MINOR_NC, "7.5.1 b", "Gaps", ("e2",))
        ),
        drafts.evidence_linked("F-1", "e1"),
        drafts.evidence_linked("F-1", "e2"),
        drafts.audit_closed(),
    )
    state = project(events)
    assert state.findings["F-1"].evidence_ids == ("e2", "e1")
    assert [type(e) for e in state.evidence_for_finding("F-1")] == [Interview, type(state.evidence[1])]
    assert state.closed
    assert state.audit_id == AUDIT
