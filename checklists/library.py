"""The checklist library shipped with the app, and reading any checklist or view file from disk."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from checklists import loader, nodes
from checklists.model import Checklist, Item
from checklists.problems import ChecklistError, Problem, ProblemList
from checklists.sniffing import with_extension_note
from checklists.view import View, check_view, group_by_item_process, group_items, read_view


class ChecklistNotFoundError(LookupError):
    """No checklist with that id is in the library."""


def library_dir() -> Path:
    """The folder of the library's YAML files (installed with the package)."""
    return Path(__file__).resolve().parent / "library"


def load_document(path: str | Path, checklists: dict[str, Checklist] | None = None) -> Checklist | View:
    """Load a checklist or a view file; a view is checked against its checklist (given, or the library's)."""
    path = Path(path)
    try:
        return _load_document(path, checklists)
    except ChecklistError as exc:
        raise with_extension_note(exc, path, "yaml") from None


def _load_document(path: Path, checklists: dict[str, Checklist] | None) -> Checklist | View:
    problems = ProblemList(str(path))
    root = nodes.compose(nodes.read_source(path), problems)
    problems.raise_if_any()
    if root is None:
        raise ChecklistError([Problem(str(path), message="the file is empty")])
    if loader.document_kind(root) != "view":
        checklist = loader.read_checklist(root, problems)
        problems.raise_if_any()
        assert checklist is not None
        return checklist
    view = read_view(root, problems)
    problems.raise_if_any()
    assert view is not None
    known = checklists if checklists is not None else {c.id: c for c in load_library()}
    target = known.get(view.checklist)
    if target is None:
        problems.at(None, None, f"the view refers to checklist {view.checklist!r}, which is not loaded")
    else:
        check_view(view, target, problems)
    problems.raise_if_any()
    return view


@lru_cache(maxsize=1)
def _library() -> tuple[tuple[Checklist, ...], tuple[View, ...]]:
    checklists: list[Checklist] = []
    views: list[View] = []
    files = sorted(library_dir().glob("*.yaml"))
    for path in files:
        problems = ProblemList(str(path))
        root = nodes.compose(nodes.read_source(path), problems)
        problems.raise_if_any()
        if root is not None and loader.document_kind(root) != "view":
            checklists.append(loader.load_file(path))
    by_id = {c.id: c for c in checklists}
    for path in files:
        document = load_document(path, by_id)
        if isinstance(document, View):
            views.append(document)
    return tuple(checklists), tuple(views)


def load_library() -> list[Checklist]:
    """Every checklist of the library, validated (views are checked too)."""
    return list(_library()[0])


def library_views() -> list[View]:
    """The views of the library (e.g. mdsap-view)."""
    return list(_library()[1])


def get_library_checklist(checklist_id: str) -> Checklist:
    """The library checklist with that id; ChecklistNotFoundError names the ones that exist."""
    for checklist in load_library():
        if checklist.id == checklist_id:
            return checklist
    known = ", ".join(c.id for c in load_library())
    raise ChecklistNotFoundError(f"no checklist {checklist_id!r} in the library (known: {known})")


def by_process(checklist: Checklist) -> dict[str, list[Item]]:
    """Items grouped by MDSAP process, in the walkthrough order of the library's view for this checklist."""
    for view in library_views():
        if view.checklist == checklist.id:
            return group_items(view, checklist)
    return group_by_item_process(checklist)
