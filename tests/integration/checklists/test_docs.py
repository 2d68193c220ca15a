"""The published schema and format page stay in step with the code."""

from __future__ import annotations

import json
from pathlib import Path

from checklists import EVIDENCE_KINDS, MDSAP_PROCESSES
from checklists.importers.cells import COLUMN_SYNONYMS, EVIDENCE_SYNONYMS
from checklists.loader import ITEM_KEYS, SECTION_KEYS, TOP_KEYS

ROOT = Path(__file__).resolve().parents[3]
SCHEMA = ROOT / "checklists" / "schema" / "checklist.schema.json"


def test_the_schema_in_docs_is_the_shipped_schema_and_matches_the_loader() -> None:
    assert (ROOT / "docs" / "checklist.schema.json").read_text() == SCHEMA.read_text()
    schema = json.loads(SCHEMA.read_text())
    assert set(schema["properties"]) == set(TOP_KEYS)
    assert set(schema["$defs"]["section"]["properties"]) == set(SECTION_KEYS)
    item = schema["$defs"]["item"]["properties"]
    assert set(item) == set(ITEM_KEYS)
    assert item["process"]["enum"] == list(MDSAP_PROCESSES)
    assert item["evidence"]["items"]["enum"] == list(EVIDENCE_KINDS)


def test_every_accepted_column_name_and_evidence_word_is_documented() -> None:
    page = (ROOT / "docs" / "checklist-format.md").read_text(encoding="utf-8")
    for names in COLUMN_SYNONYMS.values():
        for name in names:
            assert f"`{name}`" in page, name
    for word in EVIDENCE_SYNONYMS:
        assert f"`{word}`" in page, word
    for command in ("checklist list", "checklist show", "checklist validate", "checklist import"):
        assert command in page
