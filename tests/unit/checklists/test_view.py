"""A view lists each checklist item once, under the process the item names."""

from __future__ import annotations

import textwrap

import pytest

from checklists import Checklist, ChecklistError, Item, Section
from checklists.problems import ProblemList
from checklists.view import check_view, group_items, load_view_text

CHECKLIST = Checklist(
    id="c",
    title="C",
    version="1",
    sections=(Section("5.6", "Management review"), Section("7.4", "Purchasing")),
    items=(
        Item("c-1", "5.6", "Reviewed?", process="Management"),
        Item("c-2", "7.4", "Suppliers approved?", process="Purchasing"),
        Item("c-3", "7.4", "POs complete?", process="Purchasing"),
    ),
)

VIEW = textwrap.dedent(
    """\
    kind: view
    id: v
    title: By process
    version: "1"
    checklist: c
    processes:
      Purchasing: [c-3, c-2]
      Management:
        - c-1
    """
)


@pytest.mark.req("CHK-010")
def test_items_come_out_grouped_in_the_view_order() -> None:
    view = load_view_text(VIEW, "v.yaml")
    problems = ProblemList("v.yaml")
    check_view(view, CHECKLIST, problems)
    assert problems.problems == []
    grouped = group_items(view, CHECKLIST)
    assert list(grouped) == ["Purchasing", "Management"]
    assert [i.id for i in grouped["Purchasing"]] == ["c-3", "c-2"]


@pytest.mark.req("CHK-010")
def test_unknown_ids_wrong_processes_and_missing_items_are_reported_where_written() -> None:
    text = VIEW.replace("[c-3, c-2]", "[c-3, c-9]").replace("- c-1", "- c-2\n    - c-2")
    with pytest.raises(ChecklistError) as caught:
        load_view_text(text, "v.yaml")
    assert [str(p) for p in caught.value.problems] == [
        "v.yaml:10:7: item c-2 is listed twice (first on line 9)"
    ]
    view = load_view_text(text.replace("    - c-2\n    - c-2", "    - c-2"), "v.yaml")
    problems = ProblemList("v.yaml")
    check_view(view, CHECKLIST, problems)
    assert [str(p) for p in problems.problems] == [
        "v.yaml:7:21: item c-9 does not exist in checklist c",
        "v.yaml:9:7: item c-2 is listed under 'Management' but its process in c is 'Purchasing'",
        "v.yaml: 1 item(s) of c are in no process: c-1",
    ]


def test_a_process_name_outside_the_seven_is_refused() -> None:
    with pytest.raises(ChecklistError, match=r"v\.yaml:7:3: 'Sales' is not an MDSAP process"):
        load_view_text(VIEW.replace("Purchasing:", "Sales:"), "v.yaml")
