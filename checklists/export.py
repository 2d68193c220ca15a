"""Writing a checklist out: the library YAML format (for `import -o`) and the `--json` shape."""

from __future__ import annotations

from typing import Any

import yaml

from checklists.model import Checklist, Item


def to_json(checklist: Checklist) -> dict[str, Any]:
    """The object `auditapp checklist show/import --json` prints."""
    return {
        "id": checklist.id,
        "title": checklist.title,
        "version": checklist.version,
        "standard": checklist.standard,
        "language": checklist.language,
        "content_hash": checklist.content_hash,
        "sections": [{"clause": s.clause, "title": s.title, "parent": s.parent} for s in checklist.sections],
        "items": [to_json_item(i) for i in checklist.items],
    }


def to_json_item(item: Item) -> dict[str, Any]:
    """One item in the `--json` shape."""
    return {
        "id": item.id,
        "clause": item.clause,
        "text": item.text,
        "guidance": item.guidance,
        "evidence": list(item.evidence),
        "records": list(item.records),
        "process": item.process,
        "refs": list(item.refs),
    }


def to_document(checklist: Checklist) -> dict[str, Any]:
    """The checklist as the nested mapping of the YAML format (sections keyed by clause)."""
    by_clause: dict[str, dict[str, Any]] = {}
    roots: dict[str, Any] = {}
    for section in checklist.sections:
        body: dict[str, Any] = {"title": section.title}
        by_clause[section.clause] = body
        if section.parent is None:
            roots[section.clause] = body
        else:
            by_clause[section.parent].setdefault("sections", {})[section.clause] = body
    for item in checklist.items:
        by_clause[item.clause].setdefault("items", []).append(_item_document(item))
    # Keys in the order the loader reads them back: title, items, then sub-sections.
    for body in by_clause.values():
        subs = body.pop("sections", None)
        if subs is not None:
            body["sections"] = subs
    return {
        "id": checklist.id,
        "title": checklist.title,
        "version": checklist.version,
        "standard": checklist.standard,
        "language": checklist.language,
        "sections": roots,
    }


def _item_document(item: Item) -> dict[str, Any]:
    out: dict[str, Any] = {"id": item.id, "question": item.text}
    if item.guidance:
        out["guidance"] = item.guidance
    if item.evidence:
        out["evidence"] = list(item.evidence)
    if item.records:
        out["records"] = list(item.records)
    if item.process:
        out["process"] = item.process
    if item.refs:
        out["refs"] = list(item.refs)
    return out


class _Dumper(yaml.SafeDumper):
    """Block style for structure, flow style for short lists, no aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _list_representer(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    flow = all(isinstance(v, str) and len(v) < 60 for v in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(list, _list_representer)


def to_yaml(checklist: Checklist, header: str = "") -> str:
    """The checklist as library-format YAML text that `load_text` reads back to an equal checklist."""
    body = yaml.dump(
        to_document(checklist), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110, indent=2
    )
    return header + body
