"""Loading a checklist file: one pass over the YAML node tree, every problem located, nothing half-loaded."""

from __future__ import annotations

from pathlib import Path

import yaml

from checklists import nodes
from checklists.clauses import is_clause, is_within
from checklists.model import EVIDENCE_KINDS, MDSAP_PROCESSES, Checklist, Item, Section
from checklists.problems import ChecklistError, Problem, ProblemList

TOP_KEYS = ("kind", "id", "title", "version", "standard", "language", "description", "sections")
REQUIRED_TOP = ("id", "title", "version", "sections")
SECTION_KEYS = ("title", "items", "sections")
ITEM_KEYS = ("id", "question", "guidance", "evidence", "records", "process", "refs")


def load_file(path: str | Path) -> Checklist:
    """Load and validate a checklist YAML file; raises ChecklistError listing every problem."""
    return load_text(nodes.read_source(Path(path)), str(path))


def load_text(source: str, source_name: str = "<text>") -> Checklist:
    """Load and validate checklist YAML text; `source_name` is used in problem locations."""
    problems = ProblemList(source_name)
    root = nodes.compose(source, problems)
    problems.raise_if_any()
    if root is None:
        raise ChecklistError([Problem(source_name, message="the file is empty")])
    checklist = read_checklist(root, problems)
    problems.raise_if_any()
    assert checklist is not None
    return checklist


def document_kind(root: yaml.Node) -> str:
    """'view' for a mapping file such as mdsap-view, otherwise 'checklist'."""
    if isinstance(root, yaml.MappingNode):
        for key, value in root.value:
            if (
                isinstance(key, yaml.ScalarNode)
                and key.value == "kind"
                and isinstance(value, yaml.ScalarNode)
            ):
                return str(value.value)
    return "checklist"


def read_checklist(root: yaml.Node, problems: ProblemList) -> Checklist | None:
    """Build a Checklist from the node tree, recording every problem; None when any was found."""
    before = len(problems.problems)
    meta: dict[str, str] = {}
    sections: list[Section] = []
    items: list[Item] = []
    found: set[str] = set()
    walker = _Walker(problems, sections, items)
    for key, _, value in nodes.pairs(root, "the checklist", problems, TOP_KEYS):
        found.add(key)
        if key == "sections":
            walker.sections(value, None)
        elif key == "kind":
            kind = nodes.text(value, "kind", problems)
            if kind not in (None, "checklist"):
                problems.at(*nodes.here(value), f"kind must be 'checklist' here, not {kind!r}")
        else:
            val = nodes.text(value, key, problems)
            if val is not None:
                meta[key] = val
                if not val and key in REQUIRED_TOP:
                    problems.at(*nodes.here(value), f"{key} must not be empty")
                elif key == "id" and any(ch.isspace() for ch in val):
                    problems.at(*nodes.here(value), f"checklist id {val!r} must not contain spaces")
    if isinstance(root, yaml.MappingNode):
        for key in REQUIRED_TOP:
            if key not in found:
                problems.at(*nodes.here(root), f"missing required key {key!r}")
    if len(problems.problems) > before:
        return None
    return Checklist(
        id=meta["id"],
        title=meta["title"],
        version=meta["version"],
        standard=meta.get("standard", ""),
        language=meta.get("language", "en") or "en",
        sections=tuple(sections),
        items=tuple(items),
    )


class _Walker:
    """Walks nested sections depth-first, so sections and items come out in document order."""

    def __init__(self, problems: ProblemList, sections: list[Section], items: list[Item]):
        self.problems = problems
        self.out_sections = sections
        self.out_items = items
        self.clauses: dict[str, int] = {}
        self.item_ids: dict[str, int] = {}

    def sections(self, node: yaml.Node, parent: str | None) -> None:
        """Read a mapping of clause number -> section, below `parent`."""
        what = "sections" if parent is None else f"the sections of {parent}"
        for clause, key_node, value in nodes.pairs(node, what, self.problems, duplicate="clause"):
            line, col = nodes.here(key_node)
            if not is_clause(clause):
                self.problems.at(
                    line,
                    col,
                    f"clause {clause!r} is not a well-formed clause number "
                    "(digits or single letters separated by dots, e.g. 7.5.10)",
                )
                continue
            if parent is not None and not is_within(clause, parent):
                self.problems.at(
                    line,
                    col,
                    f"clause {clause} is outside its parent {parent} (it must start with {parent}.)",
                )
                continue
            if clause in self.clauses:
                self.problems.at(
                    line, col, f"duplicate clause {clause} (first on line {self.clauses[clause]})"
                )
                continue
            self.clauses[clause] = line
            self.section(clause, value, parent)

    def section(self, clause: str, node: yaml.Node, parent: str | None) -> None:
        """Read one section: its title, its items, then its sub-sections."""
        title = ""
        children: yaml.Node | None = None
        item_nodes: yaml.Node | None = None
        for key, _, value in nodes.pairs(node, f"section {clause}", self.problems, SECTION_KEYS):
            if key == "title":
                title = nodes.text(value, f"the title of {clause}", self.problems) or ""
            elif key == "items":
                item_nodes = value
            else:
                children = value
        self.out_sections.append(Section(clause, title, parent))
        if item_nodes is not None:
            self.items(item_nodes, clause)
        if children is not None:
            self.sections(children, clause)

    def items(self, node: yaml.Node, clause: str) -> None:
        """Read the list of items of a clause."""
        if not isinstance(node, yaml.SequenceNode):
            self.problems.at(
                *nodes.here(node), f"the items of {clause} must be a list, not {nodes.kind(node)}"
            )
            return
        for child in node.value:
            item = self.item(child, clause)
            if item is not None:
                self.out_items.append(item)

    def item(self, node: yaml.Node, clause: str) -> Item | None:
        """Read one item; None (with problems recorded) when it is not valid."""
        problems = self.problems
        before = len(problems.problems)
        fields: dict[str, yaml.Node] = {}
        for key, _, value in nodes.pairs(node, f"an item of {clause}", problems, ITEM_KEYS):
            fields[key] = value
        if not isinstance(node, yaml.MappingNode):
            return None
        where = nodes.here(node)
        item_id = self._item_id(fields.get("id"), where, clause)
        question = ""
        if "question" not in fields:
            problems.at(*where, f"item {item_id or '?'} of {clause} has no question")
        else:
            question = nodes.text(fields["question"], "question", problems) or ""
            if not question and len(problems.problems) == before:
                problems.at(
                    *nodes.here(fields["question"]), f"item {item_id} of {clause} has an empty question"
                )
        guidance = nodes.text(fields["guidance"], "guidance", problems) or "" if "guidance" in fields else ""
        evidence = self._evidence(fields.get("evidence"))
        records = (
            [v for v, _ in nodes.text_list(fields["records"], "records", problems)]
            if "records" in fields
            else []
        )
        refs = [v for v, _ in nodes.text_list(fields["refs"], "refs", problems)] if "refs" in fields else []
        process = self._process(fields.get("process"))
        if len(problems.problems) > before or item_id is None:
            return None
        return Item(
            item_id, clause, question, guidance, tuple(evidence), tuple(records), process, tuple(refs)
        )

    def _item_id(self, node: yaml.Node | None, where: tuple[int, int], clause: str) -> str | None:
        if node is None:
            self.problems.at(*where, f"an item of {clause} has no id")
            return None
        value = nodes.text(node, "item id", self.problems)
        if value is None:
            return None
        line, col = nodes.here(node)
        if not value or any(ch.isspace() for ch in value):
            self.problems.at(line, col, f"item id {value!r} must be a non-empty text without spaces")
            return None
        if value in self.item_ids:
            self.problems.at(line, col, f"duplicate item id {value} (first on line {self.item_ids[value]})")
            return None
        self.item_ids[value] = line
        return value

    def _evidence(self, node: yaml.Node | None) -> list[str]:
        if node is None:
            return []
        out: list[str] = []
        for value, child in nodes.text_list(node, "evidence", self.problems):
            if value not in EVIDENCE_KINDS:
                self.problems.at(
                    *nodes.here(child), f"evidence {value!r} is not one of {', '.join(EVIDENCE_KINDS)}"
                )
            elif value not in out:
                out.append(value)
        return out

    def _process(self, node: yaml.Node | None) -> str | None:
        if node is None:
            return None
        value = nodes.text(node, "process", self.problems)
        if not value:
            return None
        if value not in MDSAP_PROCESSES:
            self.problems.at(
                *nodes.here(node),
                f"process {value!r} is not an MDSAP process; use one of: " + "; ".join(MDSAP_PROCESSES),
            )
            return None
        return value
