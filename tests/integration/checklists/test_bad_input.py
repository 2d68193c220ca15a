"""Files a user can get wrong: every one is refused with what is wrong and where, never a traceback."""

from __future__ import annotations

import base64
import errno
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from auditapp.cli import main
from checklists import ChecklistError, import_file

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "checklists"
NOT_A_WORKBOOK = "clause,question\n7.5,Is the log signed?\n"


def problems_of(path: Path, fmt: str | None = None) -> list[str]:
    with pytest.raises(ChecklistError) as caught:
        import_file(path, fmt)
    return [str(p) for p in caught.value.problems]


@pytest.mark.req("CHK-006")
@pytest.mark.parametrize("fmt", ["xlsx", "ciso-xlsx"])
def test_a_spreadsheet_format_chosen_for_a_file_that_is_not_a_workbook_is_refused_by_name(
    tmp_path: Path, fmt: str
) -> None:
    text = tmp_path / "ugly.csv"
    text.write_text(NOT_A_WORKBOOK, encoding="utf-8")
    assert problems_of(text, fmt) == [f"{text}: not a readable XLSX workbook (File is not a zip file)"]
    old = tmp_path / "a.xls"
    old.write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 504)  # how Excel 97-2003 files start
    (problem,) = problems_of(old, fmt)
    assert problem.startswith(f"{old}: not a readable XLSX workbook")
    assert problem.endswith("; .xls (Excel 97-2003) is not supported; save it as .xlsx")
    renamed = tmp_path / "old.xlsx"
    renamed.write_bytes(old.read_bytes())
    (problem,) = problems_of(renamed, fmt)
    assert problem.endswith("; it is an Excel 97-2003 or a password-protected workbook: save it as .xlsx")


@pytest.mark.req("CHK-006")
def test_an_xls_file_is_refused_with_what_to_do_and_a_workbook_under_another_name_still_imports(
    tmp_path: Path,
) -> None:
    old = tmp_path / "a.xls"
    old.write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 504)
    assert problems_of(old) == [f"{old}: .xls (Excel 97-2003) is not supported; save it as .xlsx"]
    renamed = tmp_path / "small.bin"
    renamed.write_bytes((FIXTURES / "small.xlsx").read_bytes())
    assert import_file(renamed, "xlsx").id == "supplier-walk"  # the chosen format decides, not the name


@pytest.fixture
def publisher(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """The real API over a fresh SQLite store, and the bearer header of a quality manager."""
    from auditapp.central import auth
    from auditapp.central.api import create_app
    from auditapp.central.service import create_user, open_database
    from auditapp.central.tables import User
    from auditapp.config import ServerConfig

    url = f"sqlite:///{tmp_path / 'central.db'}"
    database = open_database(url)
    user_id = create_user(database, "quinn", "quinn-password-1", "quality_manager", "Quinn")
    with database.transaction() as session:
        user = session.get(User, user_id)
        assert user is not None
        token, _ = auth.issue_token(session, user, 30)
    config = ServerConfig(database_url=url, blob_dir=tmp_path / "blobs")
    try:
        with TestClient(create_app(config, database), raise_server_exceptions=False) as client:
            yield client, {"Authorization": f"Bearer {token}"}
    finally:
        database.dispose()


@pytest.mark.req("CHK-006")
def test_publishing_a_non_workbook_as_xlsx_over_the_api_is_a_422_naming_the_file(
    publisher: tuple[TestClient, dict[str, str]],
) -> None:
    client, headers = publisher
    body = {
        "file_name": "a.xls",
        "format": "xlsx",
        "content_base64": base64.b64encode(NOT_A_WORKBOOK.encode()).decode(),
    }
    answer = client.post("/api/checklists/published", json=body, headers=headers)
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["code"] == "invalid_checklist"
    message = error["message"]
    assert "a.xls: not a readable XLSX workbook" in message
    assert "save it as .xlsx" in message


@pytest.mark.req("CHK-003", "CHK-006")
def test_a_quoted_cell_never_closed_is_reported_where_it_opens_instead_of_swallowing_the_rest(
    tmp_path: Path,
) -> None:
    path = tmp_path / "stray.csv"
    path.write_text(
        "# title: Stray quote\nclause,question\n"
        '7.4,"Are suppliers ""approved""?"\n'  # a closed quoted cell with doubled quotes is fine
        '7.5,"Is the log signed\n7.6,Are tools labelled?\n7.7,Is the cleanroom monitored?\n',
        encoding="utf-8",
    )
    assert problems_of(path) == [f"{path}:4: a quoted cell opened here is never closed"]
    assert main(["checklist", "validate", str(path)]) == 1


@pytest.mark.req("CHK-003", "CHK-006")
def test_the_quote_left_open_is_found_after_a_multi_line_cell_of_the_same_record(tmp_path: Path) -> None:
    path = tmp_path / "stray.csv"
    path.write_text(
        'clause;question;guidance\n7.5;"Is the log\nsigned?";"Ask for it\n7.6;Are tools labelled?;\n',
        encoding="utf-8",
    )
    assert problems_of(path) == [f"{path}:3: a quoted cell opened here is never closed"]


@pytest.mark.req("CHK-003", "CHK-006")
def test_csv_problems_give_the_physical_line_after_multi_line_cells(tmp_path: Path) -> None:
    path = tmp_path / "multi.csv"
    path.write_text(
        '# id: multi\nclause,question,guidance\n7.5,Is it signed?,"Ask for\nthe log\nof May"\n'
        "7.6,Are tools labelled?,\n7..7,Is the cleanroom monitored?,\n",
        encoding="utf-8",
    )
    assert problems_of(path) == [
        f"{path}:7:1: clause '7..7' is not a well-formed clause number (e.g. 7.5.10)"
    ]
    crlf = tmp_path / "crlf.csv"
    crlf.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert problems_of(crlf) == [
        f"{crlf}:7:1: clause '7..7' is not a well-formed clause number (e.g. 7.5.10)"
    ]


@pytest.mark.req("CHK-006")
def test_a_csv_with_old_mac_line_endings_imports_with_its_lines(tmp_path: Path) -> None:
    path = tmp_path / "mac.csv"
    path.write_bytes(b"clause,question\r7.5,Is the log signed?\r7..6,Are tools labelled?\r")
    assert problems_of(path) == [
        f"{path}:3:1: clause '7..6' is not a well-formed clause number (e.g. 7.5.10)"
    ]


@pytest.mark.req("CHK-002")
@pytest.mark.parametrize("name", ["somedir.yaml", "somedir.csv", "somedir.xlsx", "somedir.yml"])
def test_a_directory_given_as_a_checklist_is_reported_by_name(
    tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / name
    folder.mkdir()
    assert problems_of(folder) == [f"{folder}: cannot read: Is a directory"]
    assert main(["checklist", "validate", str(folder)]) == 1
    assert f"{folder}: cannot read: Is a directory" in capsys.readouterr().err
    assert main(["checklist", "show", str(folder)]) == 1
    assert f"{folder}: cannot read: Is a directory" in capsys.readouterr().err


@pytest.mark.req("CHK-002")
@pytest.mark.parametrize("name", ["locked.yaml", "locked.csv", "locked.xlsx"])
def test_a_file_without_read_permission_is_reported_by_name(
    tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / name
    path.write_bytes((FIXTURES / "small.yaml").read_bytes())
    if os.geteuid() == 0:  # root reads whatever the permissions: refuse the opening as the system would
        opener = Path.open

        def refused(self: Path, *args: Any, **kwargs: Any) -> Any:
            if self == path:
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))
            return opener(self, *args, **kwargs)

        monkeypatch.setattr(Path, "open", refused)
    path.chmod(0)
    try:
        assert problems_of(path) == [f"{path}: cannot read: Permission denied"]
    finally:
        path.chmod(0o600)


@pytest.mark.req("CHK-003", "CHK-006")
def test_a_quote_left_open_in_a_long_file_is_reported_where_it_opens(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    questions = [f"7.{n},Is question number {n} of this long list answered?" for n in range(6, 4000)]
    path.write_text(
        "\n".join(["clause,question", '7.5,"Is the log signed', *questions]) + "\n", encoding="utf-8"
    )
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}:2: a quoted cell opened here runs on too long (field larger than")
    assert problem.endswith("is its closing quote missing?")
    huge = tmp_path / "huge.csv"
    huge.write_text(f"clause,question\n7.5,{'x' * 140_000}\n", encoding="utf-8")
    (problem,) = problems_of(huge)
    assert problem.startswith(f"{huge}:2: this record cannot be read as CSV (field larger than field limit")


def _publish(client: TestClient, headers: dict[str, str], name: str, text: str) -> Any:
    body = {"file_name": name, "content_base64": base64.b64encode(text.encode()).decode()}
    return client.post("/api/checklists/published", json=body, headers=headers)


@pytest.mark.req("SYN-220")
def test_a_changed_checklist_under_a_version_in_use_is_refused_and_replaces_nothing(
    publisher: tuple[TestClient, dict[str, str]],
) -> None:
    import checklists

    client, headers = publisher
    small = (FIXTURES / "small.yaml").read_text(encoding="utf-8")
    assert _publish(client, headers, "small.yaml", small).status_code == 201
    changed = small.replace("at two stations", "at three stations")
    refused = _publish(client, headers, "small-edited.yaml", changed)
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"] == {
        "code": "checklist_version_taken",
        "message": "checklist 'supplier-walk' version '2.1' is already published as number 1 with other "
        "content: give the changed checklist a new version",
    }
    # The shipped ISO 13485 checklist under another title, with its version unchanged.
    shipped = checklists.get_library_checklist("iso13485-2016")
    shadow = checklists.to_yaml(shipped).replace(shipped.title, "Explore walk", 1)
    assert checklists.load_text(shadow).content_hash != shipped.content_hash
    refused = _publish(client, headers, "shadow.yaml", shadow)
    assert refused.status_code == 409, refused.text
    assert "'iso13485-2016' version '" + shipped.version + "' is already shipped with the app" in refused.text
    # The same content as shipped, and a new version of the changed one, are fine.
    assert _publish(client, headers, "iso.yaml", checklists.to_yaml(shipped)).status_code == 201
    assert (
        _publish(client, headers, "v22.yaml", changed.replace('version: "2.1"', 'version: "2.2"')).status_code
        == 201
    )
    listed = client.get("/api/checklists/published", headers=headers).json()
    rows = listed["items"] if isinstance(listed, dict) else listed
    assert sorted((r["checklist_id"], r["version"]) for r in rows) == [
        ("iso13485-2016", shipped.version),
        ("supplier-walk", "2.1"),
        ("supplier-walk", "2.2"),
    ]


@pytest.mark.req("SYN-220")
def test_a_checklist_with_no_items_is_not_published(
    publisher: tuple[TestClient, dict[str, str]], tmp_path: Path
) -> None:
    client, headers = publisher
    empty = (
        "id: empty-walk\ntitle: Empty walk\nversion: '1'\nstandard: ISO 13485:2016\nlanguage: en\n"
        "sections: {}\n"
    )
    refused = _publish(client, headers, "empty.yaml", empty)
    assert refused.status_code == 422, refused.text
    assert "checklist 'empty-walk' has no items: there would be nothing to audit with" in refused.text
