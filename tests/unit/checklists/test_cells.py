"""Spreadsheet cell values: synonyms for columns, evidence and processes; numbers, dates and HTML."""

from __future__ import annotations

import datetime as dt

import pytest

from checklists.importers.cells import (
    ClauseCell,
    cell_text,
    clause_cell,
    evidence_kinds,
    header_field,
    process_name,
)


@pytest.mark.req("CHK-006")
@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Clause No.", "clause"),
        ("REF_ID", "clause"),
        ("Audit Question", "question"),
        ("auditor-guidance", "guidance"),
        ("Evidence Type", "evidence"),
        ("Records to sample", "records"),
        ("MDSAP Process", "process"),
        ("Response", None),
    ],
)
def test_header_names_are_matched_case_insensitively_with_synonyms(header: str, field: str | None) -> None:
    assert header_field(header) == field


@pytest.mark.req("CHK-006")
@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("P&SC", "Production and Service Controls"),
        ("production and service control", "Production and Service Controls"),
        ("Measurement, Analysis & Improvement", "Measurement Analysis and Improvement"),
        ("MAI", "Measurement Analysis and Improvement"),
        ("D&D", "Design and Development"),
        (
            "Device Marketing Authorisation and Facility Registration",
            "Device Marketing Authorization and Facility Registration",
        ),
        ("adverse events", "Medical Device Adverse Events and Advisory Notices Reporting"),
        ("Marketing", None),
    ],
)
def test_process_names_accept_abbreviations_and_spelling_variants(text: str, name: str | None) -> None:
    assert process_name(text) == name


@pytest.mark.req("CHK-006")
def test_evidence_cells_accept_synonyms_and_report_unknown_words() -> None:
    assert evidence_kinds("Obs, Records; interview/doc") == (
        ["observation", "record", "interview", "document"],
        [],
    )
    assert evidence_kinds("records and smell") == (["record"], ["smell"])


@pytest.mark.req("CHK-007")
def test_cell_text_decodes_entities_drops_tags_and_formats_dates() -> None:
    assert cell_text("Seal &amp; weld <b>now</b><br>then") == "Seal & weld now\nthen"
    assert cell_text("keep <5 units> and a<b") == "keep <5 units> and a<b"
    assert cell_text(dt.datetime(2024, 3, 15)) == "2024-03-15"
    assert cell_text(3.0) == "3"


@pytest.mark.req("CHK-007")
def test_numeric_clause_cells_use_the_digits_the_user_saw() -> None:
    shown = clause_cell(7.1, "0.00")
    assert isinstance(shown, ClauseCell)
    assert shown.clause == "7.10"
    plain = clause_cell(7.1, "General")
    assert isinstance(plain, ClauseCell)
    assert plain.clause == "7.1"
    assert plain.from_number
    assert isinstance(clause_cell(dt.datetime(2002, 1, 4)), str)
    trailing = clause_cell("7.5.6.")
    assert isinstance(trailing, ClauseCell)
    assert trailing.clause == "7.5.6"
