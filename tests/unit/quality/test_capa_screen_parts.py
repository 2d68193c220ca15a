"""The CAPA screen's effectiveness check and trail, and the Checklists screen, as controls: nothing in them
that Flutter cannot lay out or that shows a developer error, and a trail that covers actions and checks."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import flet as ft
import pytest

from auditapp.services.quality import trail_view
from auditapp.services.quality.capa_views import ActionView, CheckView
from auditapp.services.quality.port import Json
from auditapp.ui.quality.capa_detail import CapaScreen
from auditapp.ui.quality.checklists import ChecklistsScreen
from tests.support.controls import walk

TODAY = dt.date(2026, 12, 10)
CRITERION = "No label of the next 30 lots is printed from a template older than the released revision"


def _ctx(**can: bool) -> Any:
    return SimpleNamespace(can=SimpleNamespace(**can), runner=None, page=None)


def _check(method: str = "record_review", **extra: Any) -> CheckView:
    values: dict[str, Any] = {
        "check_id": "k1",
        "capa_id": "c1",
        "capa_title": "Labels printed from an obsolete template",
        "criterion": CRITERION,
        "method": method,
        "window_start": TODAY,
        "window_end": TODAY + dt.timedelta(days=30),
        "result": "pending",
        "comment": "",
        "evidence": (),
        "decided_by": "",
        "decided_at": "",
        "round": 0,
        "current": True,
    }
    return CheckView(**{**values, **extra})


def _action(action_id: str = "a1", description: str = "Lock the label printer") -> ActionView:
    return ActionView(action_id, "corrective", description, "quinn", TODAY, "planned", "", "", "", "", "")


def _no_expand_in_a_wrapping_row(control: object) -> None:
    for row in walk(control):
        if isinstance(row, ft.Row) and row.wrap:
            expanded = [c for c in row.controls if c.expand]
            assert not expanded, f"{expanded} expand inside a wrapping row (no bounded width)"


@pytest.mark.req("QAP-031")
@pytest.mark.parametrize(
    ("method", "tasks"),
    [
        ("record_review", ()),
        ("field_reverification", ({"id": "t1", "site": "Plant 1", "device_count": 2, "result": None},)),
    ],
)
def test_a_planned_check_lays_out_with_its_criterion_window_and_task(
    method: str, tasks: tuple[Json, ...]
) -> None:
    screen = CapaScreen(_ctx(work_capas=True, manage_capas=True, sign=True), capa_id="c1")
    check = screen._check(_check(method, tasks=tasks), True, TODAY)
    _no_expand_in_a_wrapping_row(check)
    texts = [str(c.value) for c in walk(check) if isinstance(c, ft.Text)]
    assert CRITERION in texts
    assert "Window 2026-12-10 – 2027-01-09 · open" in texts
    if tasks:
        assert "Field task at Plant 1: sent to 2 tablet(s), waiting for an auditor's result" in texts
    else:
        assert any(isinstance(c, ft.TextField) and c.label == "What the review showed" for c in walk(check))


@pytest.mark.req("QAP-070")
def test_the_checklists_screen_gives_every_named_control_visible_content() -> None:
    screen = ChecklistsScreen(_ctx(publish_checklists=True))
    named = [c for c in walk(screen.control) if isinstance(c, ft.Semantics)]
    assert "publish-outcome" in [s.identifier for s in named]
    for semantics in named:
        assert semantics.content is not None, semantics.identifier
        assert semantics.content.visible is not False, semantics.identifier


class _Trails:
    """The store's trail entries by record, numbered in one sequence as the store does."""

    def __init__(self, entries: dict[tuple[str, str], list[Json]]):
        self.entries = entries
        self.asked: list[tuple[str, str]] = []

    def trail(self, entity: str, entity_id: str) -> list[Json]:
        self.asked.append((entity, entity_id))
        return self.entries.get((entity, entity_id), [])

    def people(self) -> list[Json]:
        return [{"username": "quinn", "display_name": "Quinn Quality"}]


def _entry(seq: int, action: str, **changes: list[object]) -> Json:
    return {
        "seq": seq,
        "at": f"2026-12-10T09:{seq:02d}:00+00:00",
        "actor": "quinn",
        "action": action,
        "changes": changes,
    }


@pytest.mark.req("QAP-034")
@pytest.mark.req("QAP-038")
def test_a_capa_trail_merges_its_actions_and_checks_named_by_what_they_say() -> None:
    api = _Trails(
        {
            ("capa", "c1"): [_entry(1, "opened", title=[None, "Labels"]), _entry(9, "recorded_root-cause")],
            ("capa_action", "a1"): [
                _entry(3, "added", capa_id=[None, "c1"], description=[None, "Lock"], evidence=[None, ""]),
                _entry(5, "updated", status=["planned", "implemented"]),
            ],
            ("effectiveness_check", "k1"): [
                _entry(4, "planned", capa_id=[None, "c1"]),
                _entry(8, "decided", result=["pending", "passed"]),
            ],
            ("effectiveness_task", "t1"): [_entry(7, "answered", result=[None, "effective"])],
        }
    )
    check = _check("field_reverification", tasks=({"id": "t1", "site": "Plant 1"},))
    parts = trail_view.capa_parts([_action()], [check])
    lines = trail_view.load_capa_trail(api, "c1", parts)  # type: ignore[arg-type]
    short = CRITERION[:59] + "…"
    assert [(line.seq, line.concerns, line.action, line.changes) for line in lines] == [
        (1, "", "opened", "title: — -> Labels"),
        (3, "Action “Lock the label printer”", "added", "description: — -> Lock"),
        (4, f"Check “{short}”", "planned", ""),
        (5, "Action “Lock the label printer”", "updated", "status: planned -> implemented"),
        (7, f"Check “{short}”, field task at Plant 1", "answered", "result: — -> effective"),
        (8, f"Check “{short}”", "decided", "result: pending -> passed"),
        (9, "", "recorded root-cause", ""),
    ]
    assert lines[1].text.endswith(
        "Quinn Quality (quinn) · Action “Lock the label printer”: added · description: — -> Lock"
    )
    assert lines[0].text.endswith("Quinn Quality (quinn) · opened · title: — -> Labels")
    assert "k1" not in " ".join(line.text for line in lines)


@pytest.mark.req("QAP-034")
def test_an_entry_read_twice_is_listed_once() -> None:
    line = trail_view.trail_lines([_entry(2, "added")])
    assert trail_view.merged([line, line]) == line
