"""Importers on real files: the team's fixtures, ugly ones included, broken ones with asserted messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from checklists import ChecklistError, import_file, load_file, to_yaml
from checklists.importers import detect_format

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "checklists"


def problems_of(name: str, fmt: str | None = None) -> list[str]:
    with pytest.raises(ChecklistError) as caught:
        import_file(FIXTURES / name, fmt)
    return [str(p).replace(str(FIXTURES) + "/", "") for p in caught.value.problems]


@pytest.mark.req("CHK-005")
def test_yaml_and_equivalent_xlsx_give_the_same_items_and_hash() -> None:
    from_yaml = load_file(FIXTURES / "small.yaml")
    from_xlsx = import_file(FIXTURES / "small.xlsx")
    assert from_xlsx.items == from_yaml.items
    assert from_xlsx.sections == from_yaml.sections
    assert from_xlsx.content_hash == from_yaml.content_hash


@pytest.mark.req("CHK-007")
def test_ugly_workbook_merged_cells_blank_rows_numbers_entities_and_date_serials() -> None:
    checklist = import_file(FIXTURES / "ugly.xlsx")
    assert checklist.id == "ugly-xlsx"
    assert checklist.version == "2024-03-15"  # a date serial in the meta sheet
    by_clause = {s.clause: s for s in checklist.sections}
    assert by_clause["7.5"].title == "Production and service provision"  # 7.5 typed as a number
    assert by_clause["7.5.6"].parent == "7.5"  # "7.5.6." with trailing punctuation
    assert by_clause["7.10"].title == "Customer property"  # 7.1 shown as 7.10 by its cell format
    merged = [i.text for i in checklist.items if i.clause == "7.5.1"]
    assert merged == [
        "Is each batch record complete?",
        "Are quantities reconciled?",
        "Are labels reconciled?",
    ]
    blank_below = [i.text for i in checklist.items if i.clause == "7.5.6"]
    assert blank_below == ["Are special processes validated?", "Is revalidation triggered after changes?"]
    guidance = {i.text: i.guidance for i in checklist.items}
    assert guidance["Are special processes validated?"] == "Seal & weld"
    assert guidance["Is customer property protected?"] == "Ask for the register"
    (nc,) = [i for i in checklist.items if i.clause == "8.3"]
    assert nc.refs == ("8.5.1", "8.5.2", "8.5.3")
    assert nc.process == "Measurement Analysis and Improvement"


@pytest.mark.req("CHK-006")
def test_ugly_csv_with_semicolons_meta_lines_synonyms_and_references() -> None:
    checklist = import_file(FIXTURES / "ugly.csv")
    assert (checklist.id, checklist.title, checklist.version) == (
        "ugly-csv",
        "Ugly CSV from a spreadsheet",
        "3",
    )
    first = checklist.items[0]
    assert (first.clause, first.text) == ("4.2.4", "Are obsolete documents withdrawn & marked?")
    assert first.guidance == "Look at the floor <not the server>"
    assert first.evidence == ("observation", "record")
    assert first.records == ("work instructions", "document master list")
    assert first.process == "Management"
    clauses = [i.clause for i in checklist.items]
    assert clauses == ["4.2.4", "4.2.5", "4.2.5", "7.1", "8.3", "8.5.2"]
    assert checklist.items[3].refs == ("MDD",)
    assert checklist.items[3].process == "Production and Service Controls"
    assert checklist.items[5].text == "Is the CAPA effective?"
    assert checklist.items[5].refs == ("8.5.3",)


@pytest.mark.req("CHK-008")
@pytest.mark.parametrize("name", ["ciso-framework.yaml", "ciso-framework.xlsx"])
def test_ciso_assistant_framework_yaml_and_excel_v2(name: str) -> None:
    checklist = import_file(FIXTURES / name)
    assert (checklist.id, checklist.title, checklist.version) == ("walk-2024", "Shop-floor walkthrough", "4")
    assert [(s.clause, s.parent) for s in checklist.sections] == [
        ("7", None),
        ("7.5", "7"),
        ("7.5.1", "7.5"),
        ("7.5.10", "7.5"),
    ]
    texts = [(i.clause, i.text) for i in checklist.items]
    assert texts == [
        ("7.5.1", "Do operators follow the current instruction & record parameters?"),
        ("7.5.10", "Is customer property identified and protected?"),
        ("7.5.10", "Was the customer told about damaged property?"),
    ]
    assert checklist.items[0].guidance == "Watch one set-up."
    assert checklist.items[1].refs == ("7.5.11",)


def test_ciso_yaml_and_ciso_excel_of_the_same_framework_hash_the_same() -> None:
    assert (
        import_file(FIXTURES / "ciso-framework.yaml").content_hash
        == import_file(FIXTURES / "ciso-framework.xlsx").content_hash
    )


def test_formats_are_detected_from_extension_and_content() -> None:
    assert detect_format(FIXTURES / "small.yaml") == "yaml"
    assert detect_format(FIXTURES / "ciso-framework.yaml") == "ciso-yaml"
    assert detect_format(FIXTURES / "small.xlsx") == "xlsx"
    assert detect_format(FIXTURES / "ciso-framework.xlsx") == "ciso-xlsx"
    assert detect_format(FIXTURES / "ugly.csv") == "csv"


@pytest.mark.req("CHK-003")
def test_broken_yaml_reports_every_problem_with_line_and_column() -> None:
    assert problems_of("broken.yaml") == [
        "broken.yaml:7:5: unknown key 'colour' in section 7; allowed: title, items, sections",
        "broken.yaml:13:23: item b-01 of 7.5 has an empty question",
        "broken.yaml:16:23: evidence must be a list of texts, not a mapping",
        "broken.yaml:17:22: process 'Production' is not an MDSAP process; use one of: Management; Device "
        "Marketing Authorization and Facility Registration; Measurement Analysis and Improvement; Medical "
        "Device Adverse Events and Advisory Notices Reporting; Design and Development; Production and "
        "Service Controls; Purchasing",
        "broken.yaml:18:17: duplicate item id b-02 (first on line 14)",
        "broken.yaml:20:7: clause 8.2 is outside its parent 7 (it must start with 7.)",
        "broken.yaml:22:7: clause '7..1' is not a well-formed clause number (digits or single letters "
        "separated by dots, e.g. 7.5.10)",
        "broken.yaml:24:3: duplicate clause 7 in sections (first on line 5)",
    ]


@pytest.mark.req("CHK-007")
def test_broken_workbook_reports_sheet_row_and_column() -> None:
    assert problems_of("broken.xlsx") == [
        "broken.xlsx:Items!A2: the clause cell holds a date (2002-01-04): the spreadsheet turned a clause "
        "number into a date; format the column as text and type the clause again",
        "broken.xlsx:Items!B4: duplicate clause 7.1 with another title 'Customer property' (first on row 3); "
        "clause 7.1 was stored as a number in Items row 3, which drops trailing zeros (7.10 becomes 7.1): "
        "store clause numbers as text",
        "broken.xlsx:Items!D5: unknown evidence 'smell'; use document, record, interview or observation",
        "broken.xlsx:Items!E6: process 'Marketing' is not one of the seven MDSAP processes",
        "broken.xlsx:Items!C7: empty question under clause 8.2.4",
    ]


@pytest.mark.req("CHK-006")
def test_broken_csv_without_a_question_column_says_what_it_found() -> None:
    assert problems_of("broken.csv") == [
        "broken.csv:1:1: the header row has no question column (found: Clause, Title, Guidance); see "
        "docs/checklist-format.md for accepted column names",
    ]


@pytest.mark.req("CHK-008")
def test_broken_ciso_files_report_where_the_node_is() -> None:
    assert problems_of("broken-ciso.yaml") == [
        "broken-ciso.yaml:11:9: depth 'two' is not a whole number",
        "broken-ciso.yaml:11:9: clause 8.2 is outside its parent 7 (it must start with 7.)",
        "broken-ciso.yaml:16:9: parent_urn urn:example:req_node:bad:missing is not a node listed before "
        "this one",
        "broken-ciso.yaml:16:9: an assessable requirement has no ref_id and no parent with one",
    ]
    assert problems_of("broken-ciso.xlsx", "ciso-xlsx") == [
        "broken-ciso.xlsx:bad_content!C3: depth 3 follows depth 1: a level is skipped",
        "broken-ciso.xlsx:bad_content!B4: depth 'deep' is not a whole number",
    ]


def test_files_that_are_not_what_they_claim_are_refused_clearly(tmp_path: Path) -> None:
    fake = tmp_path / "fake.xlsx"
    fake.write_text("not a zip")
    with pytest.raises(ChecklistError, match=r"fake\.xlsx: not a readable XLSX workbook"):
        import_file(fake)
    with pytest.raises(ChecklistError, match=r"nothing\.csv: file not found"):
        import_file(tmp_path / "nothing.csv")
    (tmp_path / "a.pdf").write_text("x")
    with pytest.raises(ChecklistError, match=r"unknown file type '\.pdf'"):
        import_file(tmp_path / "a.pdf")


@pytest.mark.req("CHK-013")
def test_imported_checklist_written_as_yaml_reloads_identically(tmp_path: Path) -> None:
    imported = import_file(FIXTURES / "ugly.xlsx")
    out = tmp_path / "ugly.yaml"
    out.write_text(to_yaml(imported), encoding="utf-8")
    assert load_file(out).content_hash == imported.content_hash


@pytest.mark.req("CHK-004")
def test_ciso_yaml_keeps_an_unquoted_ref_id_like_7_10_as_written(tmp_path: Path) -> None:
    source = tmp_path / "fw.yaml"
    source.write_text(
        "objects:\n  framework:\n    ref_id: FW\n    name: FW\n    requirement_nodes:\n"
        "      - {urn: 'u:7.1', depth: 1, ref_id: 7.1, name: P, assessable: true, description: First?}\n"
        "      - {urn: 'u:7.10', depth: 1, ref_id: 7.10, name: T, assessable: true, description: Tenth?}\n",
        encoding="utf-8",
    )
    checklist = import_file(source)
    assert [s.clause for s in checklist.sections] == ["7.1", "7.10"]


def test_unreadable_text_and_headerless_sheets_are_reported(tmp_path: Path) -> None:
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("id: café\n".encode("latin-1"))
    with pytest.raises(ChecklistError, match=r"latin\.yaml: not UTF-8 text"):
        load_file(latin)
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "Notes"
    book.active.append(["just", "some", "words"])
    path = tmp_path / "notes.xlsx"
    book.save(path)
    with pytest.raises(ChecklistError) as caught:
        import_file(path)
    assert str(caught.value) == (
        f"{path}:Notes: no header row found (a row naming at least a question column)"
    )
