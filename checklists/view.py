"""Views: a file that presents a checklist's items in another order (e.g. by MDSAP process), by item id."""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

from checklists import nodes
from checklists.model import MDSAP_PROCESSES, Checklist, Item
from checklists.problems import ChecklistError, Problem, ProblemList

VIEW_KEYS = ("kind", "id", "title", "version", "checklist", "description", "processes")


@dataclass(frozen=True)
class View:
    """Item ids of one checklist grouped by MDSAP process, in the order an auditor walks through them."""

    id: str
    title: str
    version: str
    checklist: str
    processes: tuple[tuple[str, tuple[str, ...]], ...]
    # Where each item id was written, so cross-checks against the checklist can point at the line.
    positions: dict[str, tuple[int, int]] = field(default_factory=dict, compare=False, repr=False)


def read_view(root: yaml.Node, problems: ProblemList) -> View | None:
    """Build a View from a node tree, recording every structural problem; None when any was found."""
    before = len(problems.problems)
    meta: dict[str, str] = {}
    groups: list[tuple[str, tuple[str, ...]]] = []
    positions: dict[str, tuple[int, int]] = {}
    for key, _, value in nodes.pairs(root, "the view", problems, VIEW_KEYS):
        if key != "processes":
            meta[key] = nodes.text(value, key, problems) or ""
            continue
        for process, key_node, ids in nodes.pairs(value, "processes", problems):
            if process not in MDSAP_PROCESSES:
                problems.at(
                    *nodes.here(key_node),
                    f"{process!r} is not an MDSAP process; use one of: " + "; ".join(MDSAP_PROCESSES),
                )
                continue
            listed: list[str] = []
            for item_id, id_node in nodes.text_list(ids, f"the items of {process}", problems):
                if item_id in positions:
                    problems.at(
                        *nodes.here(id_node),
                        f"item {item_id} is listed twice (first on line {positions[item_id][0]})",
                    )
                    continue
                positions[item_id] = nodes.here(id_node)
                listed.append(item_id)
            groups.append((process, tuple(listed)))
    for required in ("id", "title", "version", "checklist"):
        if not meta.get(required) and isinstance(root, yaml.MappingNode):
            problems.at(*nodes.here(root), f"missing required key {required!r}")
    if len(problems.problems) > before:
        return None
    return View(meta["id"], meta["title"], meta["version"], meta["checklist"], tuple(groups), positions)


def check_view(view: View, checklist: Checklist, problems: ProblemList) -> None:
    """Every listed id exists under the process the checklist gives it, and every item is listed once."""
    items = {item.id: item for item in checklist.items}
    for process, ids in view.processes:
        for item_id in ids:
            line, col = view.positions.get(item_id, (None, None))
            item = items.get(item_id)
            if item is None:
                problems.at(line, col, f"item {item_id} does not exist in checklist {checklist.id}")
            elif item.process != process:
                problems.at(
                    line,
                    col,
                    f"item {item_id} is listed under {process!r} but its process in "
                    f"{checklist.id} is {item.process!r}",
                )
    listed = {item_id for _, ids in view.processes for item_id in ids}
    missing = [item.id for item in checklist.items if item.id not in listed]
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        problems.at(None, None, f"{len(missing)} item(s) of {checklist.id} are in no process: {shown}")


def load_view_text(source: str, source_name: str) -> View:
    """Load a view file's text and check its structure (not yet against its checklist)."""
    problems = ProblemList(source_name)
    root = nodes.compose(source, problems)
    problems.raise_if_any()
    if root is None:
        raise ChecklistError([Problem(source_name, message="the file is empty")])
    view = read_view(root, problems)
    problems.raise_if_any()
    assert view is not None
    return view


def group_items(view: View, checklist: Checklist) -> dict[str, list[Item]]:
    """The checklist's items grouped as the view lists them."""
    items = {item.id: item for item in checklist.items}
    return {process: [items[i] for i in ids if i in items] for process, ids in view.processes}


def group_by_item_process(checklist: Checklist) -> dict[str, list[Item]]:
    """Fallback when no view exists: items grouped by their own process, in MDSAP order."""
    out: dict[str, list[Item]] = {p: [] for p in MDSAP_PROCESSES}
    for item in checklist.items:
        if item.process:
            out[item.process].append(item)
    return {p: items for p, items in out.items() if items}
