"""A plan field edited differently on two tablets offline is shown with both values and settled with a tap."""

from __future__ import annotations

import flet as ft
import pytest

from auditapp.ui.field.plan_form import PlanScreen
from tests.integration.workspace.test_answer_conflict_shown import Tablet, team
from tests.support.controls import texts, walk

__all__ = ["team"]


def _screen(tablet: Tablet, audit_id: str) -> PlanScreen:
    return PlanScreen(tablet.audits, audit_id, lambda _: None, lambda: None)


def _conflicts(screen: PlanScreen) -> list[str]:
    return [t for t in texts(screen.control) if t.startswith("Edited differently")]


def _title_box(screen: PlanScreen) -> ft.TextField:
    boxes = {
        id(c): c for c in walk(screen.control) if isinstance(c, ft.TextField) and c.label == "Audit title"
    }
    [box] = boxes.values()
    return box


@pytest.mark.req("FLD-125")
@pytest.mark.req("SYN-207")
def test_a_title_edited_on_two_tablets_shows_both_and_one_tap_keeps_the_one_in_the_field(
    team: tuple[Tablet, Tablet, str, str],
) -> None:
    lead, mate, audit_id, _ = team
    lead.audits.save_plan_field(audit_id, "title", "Sterile packaging line")
    mate.audits.save_plan_field(audit_id, "title", "Packaging line 4")
    lead.receive(mate, audit_id)
    mate.receive(lead, audit_id)

    for tablet in (lead, mate):
        [line] = _conflicts(_screen(tablet, audit_id))
        assert f"\u201cSterile packaging line\u201d on tablet {lead.device}" in line
        assert f"\u201cPackaging line 4\u201d on tablet {mate.device}" in line

    screen = _screen(lead, audit_id)
    shown = _title_box(screen).value  # the same value on both tablets: the merge picks one for everyone
    assert shown == mate.audits.plan_form(audit_id).title
    [under_title] = [
        c
        for c in walk(screen.control)
        if isinstance(c, ft.Semantics) and c.identifier == "plan-conflict-title"
    ]
    [keep] = [c for c in walk(under_title) if isinstance(c, ft.TextButton)]
    assert keep.content == "Keep the value in the field"
    keep.on_click(None)  # type: ignore[misc]

    assert _conflicts(screen) == []
    mate.receive(lead, audit_id)
    assert _conflicts(_screen(mate, audit_id)) == []
    assert mate.audits.plan_form(audit_id).title == shown


@pytest.mark.req("FLD-125")
def test_typing_the_right_value_into_a_field_in_conflict_settles_it(
    team: tuple[Tablet, Tablet, str, str],
) -> None:
    lead, mate, audit_id, _ = team
    lead.audits.save_plan_field(audit_id, "site", "Plant 1")
    mate.audits.save_plan_field(audit_id, "site", "Plant 2")
    lead.receive(mate, audit_id)

    screen = _screen(lead, audit_id)
    assert len(_conflicts(screen)) == 1
    [box] = [c for c in walk(screen.control) if isinstance(c, ft.TextField) and c.label == "Site"]
    box.value = "Plant 2, cleanroom B"
    box.on_blur(None)  # type: ignore[misc]

    assert _conflicts(screen) == []
    assert lead.audits.plan_form(audit_id).site == "Plant 2, cleanroom B"


@pytest.mark.req("FLD-125")
def test_checklists_and_audit_type_in_conflict_are_settled_with_one_tap(
    team: tuple[Tablet, Tablet, str, str],
) -> None:
    lead, mate, audit_id, _ = team
    lead.audits.save_plan_field(audit_id, "criteria", "iso13485-2016, fda-qmsr")
    mate.audits.save_plan_field(audit_id, "criteria", "iso13485-2016, eu-mdr-qms")
    lead.audits.save_plan_field(audit_id, "audit_type", "stage1_mock")
    mate.audits.save_plan_field(audit_id, "audit_type", "stage2_mock")
    lead.receive(mate, audit_id)

    screen = _screen(lead, audit_id)
    lines = _conflicts(screen)
    assert len(lines) == 2, lines
    assert any("\u201cStage 1 mock\u201d" in line and "\u201cStage 2 mock\u201d" in line for line in lines)
    for name in ("audit_type", "criteria"):
        [under] = [
            c
            for c in walk(screen.control)
            if isinstance(c, ft.Semantics) and c.identifier == f"plan-conflict-{name}"
        ]
        [keep] = [c for c in walk(under) if isinstance(c, ft.TextButton)]
        assert keep.content == "Keep the choice above"
        keep.on_click(None)  # type: ignore[misc]

    assert _conflicts(screen) == []
    assert lead.audits.plan_conflicts(audit_id) == {}
    mate.receive(lead, audit_id)
    assert mate.audits.plan_conflicts(audit_id) == {}
