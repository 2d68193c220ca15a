"""What `auditapp checklist` says about a checklist file that cannot be read: every problem, where it is."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from auditapp.cli import main
from checklists import ChecklistError, import_file, library_dir, load_file

YAML_CHECKLIST = (
    "id: walk\ntitle: Walk\nversion: '1'\nsections:\n  '7.5':\n    title: Production\n    items:\n"
    "      - id: walk-1\n        question: Are batch records signed?\n"
)


def _problems(path: Path) -> list[str]:
    with pytest.raises(ChecklistError) as refused:
        import_file(path)
    return [str(p) for p in refused.value.problems]


@pytest.mark.req("CHK-014")
def test_a_csv_row_with_a_clause_and_no_question_is_an_error_on_its_line_not_dropped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "walk.csv"
    source.write_text("clause,question\n99.9,Bogus clause\n7.5.6,\n4.2.1,Is the manual current?\n")
    out = tmp_path / "walk.yaml"
    assert main(["checklist", "import", str(source), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"{source}:3:2: empty question under clause 7.5.6: write the question, or remove the row" in err
    assert not out.exists()


@pytest.mark.req("CHK-014")
def test_a_clause_row_with_a_title_still_heads_a_section(tmp_path: Path) -> None:
    source = tmp_path / "walk.csv"
    source.write_text("clause,title,question\n7.5,Production,\n7.5.6,,Are processes validated?\n")
    checklist = import_file(source)
    assert [(s.clause, s.title) for s in checklist.sections] == [("7.5", "Production"), ("7.5.6", "")]
    source.write_text("clause,title,question\n7.5,,\n")
    assert _problems(source) == [
        f"{source}:2:3: empty question under clause 7.5: write the question, or a title to make the row a "
        "section heading"
    ]


@pytest.mark.req("CHK-014")
def test_every_problem_of_a_csv_is_reported_with_its_line_in_one_pass(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "bad.csv"
    source.write_text("clause,question\n,No clause here\n99.9,Bogus clause\n7.5.6,\n8.2.4,Audited?,x\n")
    assert main(["checklist", "validate", str(source)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[:2] == [
        f"{source}:2:1: row has no clause number",
        f"{source}:4:2: empty question under clause 7.5.6: write the question, or remove the row",
    ]


@pytest.mark.req("CHK-014")
@pytest.mark.parametrize(
    ("name", "content", "where"),
    [
        ("walk.yaml", YAML_CHECKLIST.replace("id: walk\n", "id: 'site walk'\n"), ":1:5"),
        ("walk.csv", "#id: site walk\nclause,question\n7.5,Are batch records signed?\n", ":1:1"),
    ],
)
def test_a_checklist_id_with_spaces_is_refused_where_it_is_given(
    tmp_path: Path, name: str, content: str, where: str
) -> None:
    source = tmp_path / name
    source.write_text(content)
    with pytest.raises(ChecklistError) as refused:
        load_file(source) if name.endswith(".yaml") else import_file(source)
    assert [str(p) for p in refused.value.problems] == [
        f"{source}{where}: checklist id 'site walk' must not contain spaces"
    ]


@pytest.mark.req("CHK-014")
def test_a_workbook_checklist_id_with_spaces_is_refused_at_its_cell(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    items = book.active
    assert items is not None
    items.title = "Items"
    items.append(["clause", "question"])
    items.append(["7.5", "Are batch records signed?"])
    meta = book.create_sheet("meta")
    meta.append(["title", "Walk"])
    meta.append(["id", "site walk"])
    source = tmp_path / "walk.xlsx"
    book.save(source)
    assert _problems(source) == [f"{source}:meta!B2: checklist id 'site walk' must not contain spaces"]


@pytest.mark.req("CHK-014")
def test_a_yaml_checklist_named_txt_is_explained_as_read_by_its_extension(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "walk.txt"
    source.write_text(YAML_CHECKLIST)
    assert main(["checklist", "validate", str(source)]) == 1
    err = capsys.readouterr().err
    assert f"{source}: no header row found" in err
    assert (
        f"{source}: the file was read as CSV because its name ends in .txt, but it looks like YAML: rename "
        "it to end in .yaml, or give its format (yaml)"
    ) in err
    assert import_file(source, "yaml").id == "walk"  # the format named: read as what it is


@pytest.mark.req("CHK-014")
def test_a_csv_named_yaml_is_explained_as_read_by_its_extension(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "walk.yaml"
    source.write_text("clause,question\n7.5,Are batch records signed?\n")
    assert main(["checklist", "validate", str(source)]) == 1
    assert "read as YAML because its name ends in .yaml, but it looks like CSV" in capsys.readouterr().err


@pytest.mark.req("CHK-014")
def test_a_broken_file_of_the_right_format_gets_no_extension_note(tmp_path: Path) -> None:
    source = tmp_path / "walk.csv"
    source.write_text("clause,question\n7.5,\n")
    assert not any("read as" in p for p in _problems(source))


@pytest.mark.req("CHK-014")
def test_show_of_a_missing_file_says_the_file_is_not_found(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["checklist", "show", "/nonexistent/walk.yaml"]) == 2
    assert (
        capsys.readouterr().err.strip() == "auditapp checklist: error: /nonexistent/walk.yaml: file not found"
    )
    assert main(["checklist", "show", "no-such-checklist"]) == 2
    assert "no checklist 'no-such-checklist' in the library" in capsys.readouterr().err


@pytest.mark.req("CHK-014")
def test_the_library_still_loads_with_the_stricter_checks() -> None:
    ids = [load_file(p).id for p in sorted(library_dir().glob("*.yaml")) if "view" not in p.name]
    assert ids
    assert all(" " not in i for i in ids)
