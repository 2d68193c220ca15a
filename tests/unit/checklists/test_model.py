"""The content hash and the YAML/JSON forms of a checklist."""

from __future__ import annotations

import dataclasses

import pytest

from checklists import Checklist, Item, Section, load_text, to_json, to_yaml


def sample() -> Checklist:
    return Checklist(
        id="s",
        title="Sample",
        version="1",
        standard="ISO 13485:2016",
        sections=(Section("7", "Product realization"), Section("7.5.10", "Customer property", "7")),
        items=(
            Item(
                "s-1",
                "7",
                "Is realization planned?",
                "Ask",
                ("document",),
                ("plans",),
                "Production and Service Controls",
                ("FDA QMSR 820.10",),
            ),
            Item("s-2", "7.5.10", "Is property labeled?"),
        ),
    )


@pytest.mark.req("CHK-005")
def test_any_change_of_content_changes_the_hash() -> None:
    base = sample()
    changed_item = dataclasses.replace(base.items[1], text="Is property labeled and stored?")
    variants = [
        dataclasses.replace(base, version="2"),
        dataclasses.replace(base, items=(base.items[0], changed_item)),
        dataclasses.replace(base, sections=(base.sections[0], Section("7.5.10", "Customer goods", "7"))),
    ]
    assert len({base.content_hash, *(v.content_hash for v in variants)}) == 4
    assert sample().content_hash == base.content_hash


@pytest.mark.req("CHK-013")
def test_yaml_written_by_export_loads_back_to_the_same_checklist() -> None:
    original = sample()
    again = load_text(to_yaml(original), "roundtrip.yaml")
    assert again == original
    assert again.content_hash == original.content_hash


@pytest.mark.req("CHK-011")
def test_json_shape_has_what_other_tools_rely_on() -> None:
    data = to_json(sample())
    assert {"id", "title", "version", "content_hash", "sections", "items"} <= set(data)
    assert data["sections"][1] == {"clause": "7.5.10", "title": "Customer property", "parent": "7"}
    assert {"id", "clause", "text", "guidance", "evidence", "process"} <= set(data["items"][0])
    assert data["items"][1]["clause"] == "7.5.10"
