"""CISO Assistant frameworks: the library YAML (requirement_nodes) and the Excel "v2" workbook."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from checklists import nodes
from checklists.clauses import split_trailing_refs
from checklists.importers.builder import ChecklistBuilder, Where
from checklists.importers.cells import cell_text, clause_cell, slug, split_list
from checklists.importers.workbook import Cell, read_workbook
from checklists.model import Checklist, Item
from checklists.problems import ChecklistError, Problem, ProblemList


@dataclass(frozen=True)
class _Node:
    """One requirement node, whatever file it came from, with the place it was read."""

    where: Where
    urn: str
    parent_urn: str
    ref_id: object
    number_format: str | None
    depth: int | None
    assessable: bool
    name: str
    description: str
    annotation: str
    typical_evidence: str


@dataclass(frozen=True)
class _Meta:
    id: str
    title: str
    version: str
    standard: str
    language: str


def import_ciso_yaml(path: Path) -> Checklist:
    """Import a CISO Assistant library YAML (objects.framework.requirement_nodes)."""
    problems = ProblemList(str(path))
    root = nodes.compose(nodes.read_source(path), problems)
    problems.raise_if_any()
    if not isinstance(root, yaml.MappingNode):
        raise ChecklistError(
            [Problem(str(path), message="not a CISO Assistant library (no top-level mapping)")]
        )
    top = _plain(root)
    objects = _child(root, "objects")
    framework = _child(objects, "framework") if objects is not None else None
    reqs = _child(framework, "requirement_nodes") if framework is not None else None
    if not isinstance(framework, yaml.MappingNode) or not isinstance(reqs, yaml.SequenceNode):
        line, col = nodes.here(root)
        problems.at(
            line, col, "not a CISO Assistant framework: objects.framework.requirement_nodes is missing"
        )
        problems.raise_if_any()
    assert isinstance(framework, yaml.MappingNode)
    assert isinstance(reqs, yaml.SequenceNode)
    fw = _plain(framework)
    meta = _meta(fw, top)
    found: list[_Node] = []
    for node in reqs.value:
        line, col = nodes.here(node)
        if not isinstance(node, yaml.MappingNode):
            problems.at(line, col, f"a requirement node must be a mapping, not {nodes.kind(node)}")
            continue
        fields = _plain(node)
        depth_text = fields.get("depth", "")
        depth = int(depth_text) if depth_text.isdigit() else None
        if depth_text and depth is None:
            problems.at(line, col, f"depth {depth_text!r} is not a whole number")
        ref_node = _child(node, "ref_id")
        found.append(
            _Node(
                Where(None, line, col),
                fields.get("urn", ""),
                fields.get("parent_urn", ""),
                ref_node.value if isinstance(ref_node, yaml.ScalarNode) else None,
                None,
                depth,
                fields.get("assessable", "").lower() in ("true", "yes", "x", "1"),
                fields.get("name", ""),
                fields.get("description", ""),
                fields.get("annotation", ""),
                fields.get("typical_evidence", ""),
            )
        )
    return _build(found, meta, problems, by_urn=True)


def import_ciso_xlsx(path: Path) -> Checklist:
    """Import a CISO Assistant Excel v2 workbook (`*_meta` and `*_content` sheets)."""
    problems = ProblemList(str(path))
    sheets = read_workbook(path, problems)
    content = [name for name in sheets if name.lower().endswith("_content")]
    if not content:
        raise ChecklistError(
            [Problem(str(path), message="not a CISO Assistant v2 workbook: no *_content sheet")]
        )
    name = content[0]
    base = name[: -len("_content")]
    framework_meta = _key_values(sheets.get(f"{base}_meta", []))
    library_meta = _key_values(sheets.get("library_meta", []))
    meta = _meta(framework_meta, library_meta)
    grid = sheets[name]
    header = {n: header_field_ciso(c.value) for n, c in enumerate(grid[0])} if grid else {}
    columns = {f: n for n, f in header.items() if f}
    if "depth" not in columns or ("name" not in columns and "description" not in columns):
        problems.cell(name, 1, "A", "the content sheet needs a header row with depth and name or description")
        problems.raise_if_any()
    found: list[_Node] = []
    for r, row in enumerate(grid[1:], 2):

        def get(field: str, row: list[Cell] = row) -> Cell | None:
            n = columns.get(field)
            return row[n] if n is not None and n < len(row) else None

        def text(field: str) -> str:
            cell = get(field)
            return cell_text(cell.value) if cell is not None else ""

        if not any(cell_text(c.value) for c in row):
            continue
        depth_cell = get("depth")
        depth_text = text("depth")
        depth = int(depth_text) if depth_text.isdigit() else None
        if depth is None:
            column = depth_cell.column if depth_cell else "A"
            problems.cell(name, r, column, f"depth {depth_text!r} is not a whole number")
            continue
        ref = get("ref_id")
        found.append(
            _Node(
                Where(name, r, ref.column if ref is not None else None),
                "",
                "",
                ref.value if ref is not None else None,
                ref.number_format if ref is not None else None,
                depth,
                text("assessable").lower() in ("x", "true", "yes", "1"),
                text("name"),
                text("description"),
                text("annotation"),
                text("typical_evidence"),
            )
        )
    return _build(found, meta, problems, by_urn=False)


def header_field_ciso(value: object) -> str | None:
    """CISO column names are fixed (assessable, depth, ref_id, name, description, annotation, ...)."""
    name = cell_text(value).lower().replace(" ", "_")
    known = (
        "assessable",
        "depth",
        "ref_id",
        "name",
        "description",
        "annotation",
        "typical_evidence",
        "urn_id",
    )
    return name if name in known else None


def _build(found: list[_Node], meta: _Meta, problems: ProblemList, by_urn: bool) -> Checklist:
    """Parents from parent_urn (YAML) or from depth and row order (Excel); clause-less groups are skipped."""
    builder = ChecklistBuilder(problems, meta.id)
    clause_of_urn: dict[str, str | None] = {}
    stack: list[tuple[int, str | None]] = []  # (depth, nearest clause) for the Excel row-order rule
    for node in found:
        if by_urn:
            parent_clause = clause_of_urn.get(node.parent_urn) if node.parent_urn else None
            if node.parent_urn and node.parent_urn not in clause_of_urn:
                builder.report(
                    node.where, f"parent_urn {node.parent_urn} is not a node listed before this one"
                )
        else:
            depth = node.depth or 1
            while stack and stack[-1][0] >= depth:
                stack.pop()
            if stack and stack[-1][0] != depth - 1:
                builder.report(node.where, f"depth {depth} follows depth {stack[-1][0]}: a level is skipped")
            parent_clause = stack[-1][1] if stack else None
        clause = parent_clause
        ref_text = cell_text(node.ref_id) if node.ref_id is not None else ""
        if ref_text:
            parsed = clause_cell(node.ref_id, node.number_format)
            if isinstance(parsed, str):
                builder.report(node.where, parsed)
            else:
                clause = parsed.clause
                builder.section(clause, node.name, node.where)
                builder.parent(clause, parent_clause, node.where)
        if by_urn:
            clause_of_urn[node.urn] = clause
        else:
            stack.append((node.depth or 1, clause))
        if not node.assessable:
            continue
        if clause is None:
            builder.report(node.where, "an assessable requirement has no ref_id and no parent with one")
            continue
        question, trailing = split_trailing_refs(node.description or node.name)
        refs = [*trailing.clauses, *trailing.other] if trailing else []
        item = Item(
            "",
            clause,
            question,
            node.annotation,
            (),
            tuple(split_list(node.typical_evidence)),
            None,
            tuple(r for r in refs if r != clause),
        )
        builder.item(item, node.where)
    checklist = builder.build(meta.title, meta.version, meta.standard, meta.language)
    problems.raise_if_any()
    assert checklist is not None
    return checklist


def _meta(framework: dict[str, str], library: dict[str, str]) -> _Meta:
    ref = framework.get("ref_id") or library.get("ref_id") or ""
    urn = framework.get("urn") or library.get("urn") or ""
    ident = slug(ref or urn.rsplit(":", 1)[-1] or framework.get("name", ""))
    return _Meta(
        id=ident,
        title=framework.get("name") or library.get("name") or ident,
        version=library.get("version") or framework.get("version") or "1",
        standard=ref,
        language=library.get("locale") or framework.get("locale") or "en",
    )


def _key_values(grid: list[list[Cell]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for row in grid:
        if len(row) >= 2 and cell_text(row[0].value):
            out[cell_text(row[0].value).lower()] = cell_text(row[1].value)
    return out


def _child(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    for k, v in node.value:
        if isinstance(k, yaml.ScalarNode) and k.value == key:
            return v  # type: ignore[no-any-return]
    return None


def _plain(node: yaml.MappingNode) -> dict[str, str]:
    """The scalar fields of a mapping as cleaned texts (nested values are ignored)."""
    out: dict[str, str] = {}
    for k, v in node.value:
        if isinstance(k, yaml.ScalarNode) and isinstance(v, yaml.ScalarNode):
            out[str(k.value)] = cell_text(v.value) if v.tag != "tag:yaml.org,2002:null" else ""
    return out
