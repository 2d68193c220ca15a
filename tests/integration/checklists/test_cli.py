"""`auditapp checklist ...` through the real command line entry point, and once as a process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from auditapp.cli import main
from checklists import library_dir, load_file

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "tests" / "fixtures" / "checklists"


@pytest.mark.req("CHK-002")
def test_validate_passes_on_the_library_and_fails_with_located_errors(
    capsys: pytest.CaptureFixture[str],
) -> None:
    library = sorted(str(p) for p in library_dir().glob("*.yaml"))
    assert main(["checklist", "validate", *library]) == 0
    assert capsys.readouterr().out.count(": ok:") == 4
    assert main(["checklist", "validate", str(FIXTURES / "small.yaml"), str(FIXTURES / "broken.yaml")]) == 1
    captured = capsys.readouterr()
    assert f"{FIXTURES / 'small.yaml'}: ok: supplier-walk" in captured.out
    assert (
        f"{FIXTURES / 'broken.yaml'}:24:3: duplicate clause 7 in sections (first on line 5)" in captured.err
    )
    assert "1 of 2 file(s) invalid" in captured.err


@pytest.mark.req("CHK-010")
def test_validate_checks_a_view_against_the_checklist_given_with_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    view = tmp_path / "view.yaml"
    view.write_text(
        "kind: view\nid: v\ntitle: V\nversion: '1'\nchecklist: supplier-walk\nprocesses:\n"
        "  Production and Service Controls: [sw-7.5.1-01, sw-7.5.10-01]\n"
        "  Purchasing: [sw-8.2.2-01]\n",
        encoding="utf-8",
    )
    assert main(["checklist", "validate", str(view), str(FIXTURES / "small.yaml")]) == 1
    err = capsys.readouterr().err
    assert (
        f"{view}:8:16: item sw-8.2.2-01 is listed under 'Purchasing' but its process in supplier-walk is "
        "'Measurement Analysis and Improvement'" in err
    )


@pytest.mark.req("CHK-011")
def test_show_json_lists_every_clause_with_its_title(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["checklist", "show", "iso13485-2016", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["id"] == "iso13485-2016"
    assert len(data["content_hash"]) == 64
    sections = {s["clause"]: s for s in data["sections"]}
    assert sections["7.5.10"] == {"clause": "7.5.10", "title": "Customer property", "parent": "7.5"}
    assert sections["7.5.9.2"]["parent"] == "7.5.9"
    item = data["items"][0]
    assert set(item) >= {"id", "clause", "text", "guidance", "evidence", "process"}


def test_list_and_show_as_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["checklist", "list"]) == 0
    out = capsys.readouterr().out
    assert "iso13485-2016" in out
    assert "mdsap-view" in out
    assert "view of iso13485-2016" in out
    assert main(["checklist", "show", "mdsap-view"]) == 0
    out = capsys.readouterr().out
    assert "Purchasing (" in out
    assert "[iso13485-7.4.1-01]" in out
    assert main(["checklist", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [c["id"] for c in listed["checklists"]] == ["eu-mdr-qms", "fda-qmsr", "iso13485-2016"]


def test_show_unknown_id_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["checklist", "show", "iso9001"]) == 2
    assert "no checklist 'iso9001' in the library (known: eu-mdr-qms" in capsys.readouterr().err


@pytest.mark.req("CHK-013")
def test_import_writes_yaml_that_validates_and_never_overwrites(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "walk.yaml"
    assert main(["checklist", "import", str(FIXTURES / "ciso-framework.xlsx"), "-o", str(out), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert load_file(out).content_hash == data["content_hash"]
    assert main(["checklist", "validate", str(out)]) == 0
    capsys.readouterr()
    before = out.read_text(encoding="utf-8")
    assert main(["checklist", "import", str(FIXTURES / "ugly.csv"), "-o", str(out)]) == 2
    assert "exists; choose another name or add --force" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == before


@pytest.mark.req("CHK-007")
def test_import_of_a_broken_file_prints_every_problem_and_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["checklist", "import", str(FIXTURES / "broken.xlsx"), "--format", "xlsx"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 5
    assert err[0].startswith(f"{FIXTURES / 'broken.xlsx'}:Items!A2: the clause cell holds a date")


@pytest.mark.req("CHK-002")
def test_validate_as_a_real_process_on_the_library() -> None:
    script = Path(sys.executable).parent / "auditapp"
    if not script.exists():
        pytest.skip(f"{script} is not installed (pip install -e .)")
    files = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "checklists" / "library").glob("*.yaml"))
    done = subprocess.run(
        [str(script), "checklist", "validate", *files],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "checklists/library/iso13485-2016.yaml: ok: iso13485-2016" in done.stdout
    broken = subprocess.run(
        [str(script), "checklist", "validate", "tests/fixtures/checklists/broken.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert broken.returncode == 1
    assert (
        "tests/fixtures/checklists/broken.yaml:13:23: item b-01 of 7.5 has an empty question" in broken.stderr
    )
