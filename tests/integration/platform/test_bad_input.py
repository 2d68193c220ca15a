"""Bad input to the central store's commands and API: each error names what is wrong and where, in one line
(no traceback), the API answers 422 rather than 500, and nothing half-done is left behind."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from auditapp.central.database import Database, DatabaseUrlError
from auditapp.central.service import AdminError, create_user, open_database
from auditapp.central.tables import Audit, User
from auditapp.store import FieldStore
from tests.support.processes import auditapp_env, free_port, run_cli

URL_OPTION = "--database-url / AUDITAPP_DATABASE_URL: "
MEMORY = "sqlite needs a file path, e.g. sqlite:////var/lib/auditapp/central.db"


def _one_line_error(done: subprocess.CompletedProcess[str], command: str) -> str:
    """The stderr of a refused command, checked to be one error line and no traceback."""
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr, done.stderr
    assert f"auditapp {command}: error: " in done.stderr, done.stderr
    return done.stderr


# ---------------------------------------------------------------- the database URL
@pytest.mark.req("CEN-005")
@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("foo", "'foo' is not a database URL: use sqlite:///PATH or postgresql://USER@HOST/DB"),
        ("mysql://u@127.0.0.1/db", "mysql:// is not a supported database: the central store runs on SQLite"),
        ("postgresql://u@127.0.0.1:1/db", "cannot connect to postgresql+psycopg://u@127.0.0.1:1/db: "),
        ("sqlite://", MEMORY),
        ("sqlite:///", MEMORY),
        ("sqlite:///:memory:", MEMORY),
    ],
)
def test_an_unusable_database_url_is_refused_naming_the_option(url: str, problem: str) -> None:
    with pytest.raises(DatabaseUrlError) as refused:
        open_database(url)
    assert str(refused.value).startswith(URL_OPTION + problem), str(refused.value)


@pytest.mark.req("CEN-005")
def test_a_sqlite_file_whose_folder_cannot_be_made_is_refused_naming_the_option(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(DatabaseUrlError) as refused:
        open_database(f"sqlite:///{blocker}/central.db")
    assert str(refused.value).startswith(
        f"{URL_OPTION}cannot create the folder '{blocker}' of the SQLite file"
    )
    assert blocker.read_text() == "not a folder"


@pytest.mark.req("CEN-005")
def test_a_postgresql_database_that_does_not_exist_is_refused_with_the_servers_reason(
    pg_admin_url: str,
) -> None:
    url = f"{pg_admin_url.rsplit('/', 1)[0]}/auditapp_no_such_database"
    with pytest.raises(DatabaseUrlError) as refused:
        open_database(url)
    message = str(refused.value)
    assert message.startswith(f"{URL_OPTION}cannot connect to "), message
    assert 'database "auditapp_no_such_database" does not exist' in message


@pytest.mark.req("CEN-005")
@pytest.mark.req("PLT-007")
def test_admin_and_server_report_a_bad_database_url_in_one_line(tmp_path: Path) -> None:
    env = auditapp_env(tmp_path / "home", AUDITAPP_PASSWORD="first-admin-pw")
    flag = _one_line_error(run_cli(["admin", "devices", "--database-url", "foo"], env), "admin")
    assert f"{URL_OPTION}'foo' is not a database URL" in flag
    from_env = run_cli(["admin", "init"], {**env, "AUDITAPP_DATABASE_URL": "mysql://u@127.0.0.1/db"})
    assert "mysql:// is not a supported database" in _one_line_error(from_env, "admin")
    unreachable = ["server", "--database-url", "postgresql://u@127.0.0.1:1/db", "--port", str(free_port())]
    assert f"{URL_OPTION}cannot connect to" in _one_line_error(run_cli(unreachable, env), "server")
    memory = run_cli(["admin", "init", "--database-url", "sqlite:///:memory:"], env)
    assert MEMORY in _one_line_error(memory, "admin")
    assert "created administrator" not in memory.stdout
    assert not (tmp_path / "home" / "central" / "store-keys.bin").exists()


# ---------------------------------------------------------------- new users
@pytest.mark.req("PLT-005")
@pytest.mark.req("PLT-007")
@pytest.mark.parametrize(
    ("username", "password", "name", "problem"),
    [
        ("pat", "p" * 250, "", "password: use at most 200 characters"),
        ("p" * 500, "pat-password-1", "", "username: "),
        ("", "pat-password-1", "", "username: '' is not a username"),
        ("pat smith", "pat-password-1", "", "username: 'pat smith' is not a username"),
        ("pat", "pat-password-1", "P" * 5000, "display_name: the printed name has 5000 characters"),
    ],
)
def test_the_command_line_refuses_the_users_the_api_refuses(
    database: Database, username: str, password: str, name: str, problem: str
) -> None:
    with pytest.raises(AdminError) as refused:
        create_user(database, username, password, "auditor", name)
    assert str(refused.value).startswith(problem), str(refused.value)
    with database.transaction() as session:
        assert session.scalar(select(func.count()).select_from(User)) == 0


@pytest.mark.req("PLT-007")
def test_admin_init_with_a_bad_username_creates_nothing(database: Database, cli_env: dict[str, str]) -> None:
    env = {**cli_env, "AUDITAPP_PASSWORD": "first-admin-pw"}
    long_name = run_cli(["admin", "init", "a" * 500], env)
    assert "username: " in _one_line_error(long_name, "admin")
    spaced = run_cli(["admin", "create-user", "pat smith"], env)
    assert "username: 'pat smith' is not a username" in _one_line_error(spaced, "admin")
    with database.transaction() as session:
        assert session.scalar(select(func.count()).select_from(User)) == 0
    assert not (Path(env["AUDITAPP_HOME"]) / "central" / "store-keys.bin").exists()


@pytest.mark.req("PLT-007")
def test_a_password_neither_set_nor_typed_is_asked_for_by_name(tmp_path: Path) -> None:
    env = auditapp_env(tmp_path / "home")
    for args in (["admin", "create-user", "pat"], ["admin", "init"]):
        done = run_cli(args, env, stdin="")
        stderr = _one_line_error(done, "admin")
        assert "password: none given: set AUDITAPP_PASSWORD or run the command in a terminal" in stderr


# ---------------------------------------------------------------- readiness dates
@pytest.mark.req("CEN-004")
@pytest.mark.req("PLT-010")
def test_a_readiness_date_out_of_range_is_refused_naming_as_of(
    client: TestClient, headers: dict[str, dict[str, str]], database: Database
) -> None:
    with database.transaction() as session:
        session.add(Audit(id="a-1", site="Plant A", hlc="0"))
    for day in ("0001-12-31", "1899-12-31", "9999-12-31"):
        reply = client.get(
            "/api/readiness", params={"site": "Plant A", "as_of": day}, headers=headers["viewer"]
        )
        assert reply.status_code == 422, reply.text
        error = reply.json()["error"]
        assert error["code"] == "invalid_field"
        assert error["message"].startswith(f"as_of: {day} is out of range: give a date from 1900-01-01 to ")
    fine = client.get("/api/readiness", params={"site": "Plant A"}, headers=headers["viewer"])
    assert fine.status_code == 200, fine.text


@pytest.mark.req("REP-011")
def test_the_readiness_command_refuses_a_date_out_of_range_naming_as_of(tmp_path: Path) -> None:
    FieldStore.create(tmp_path / "ws", "cli passphrase 1").close()
    env = auditapp_env(tmp_path / "home", AUDITAPP_PASSPHRASE="cli passphrase 1")
    args = ["readiness", "--site", "X", "--workspace", str(tmp_path / "ws"), "--as-of", "0001-01-01"]
    stderr = _one_line_error(run_cli(args, env), "readiness")
    assert "--as-of: 0001-01-01 is out of range: give a date from 1900-01-01 to " in stderr


# ---------------------------------------------------------------- photos
@pytest.mark.req("CEN-004")
@pytest.mark.req("SYN-202")
def test_a_photo_path_that_is_no_sha256_is_refused_naming_the_parameter(
    client: TestClient, headers: dict[str, dict[str, str]]
) -> None:
    for path in ("/api/photos/nope", "/api/photos/nope/thumbnail", f"/api/photos/{'A' * 64}"):
        reply = client.get(path, headers=headers["viewer"])
        assert reply.status_code == 422, (path, reply.text)
        error = reply.json()["error"]
        assert error["code"] == "invalid_field"
        assert error["message"].startswith("sha256 (in the path): "), error["message"]
        assert "is not a SHA-256 hex digest" in error["message"]
    unknown = client.get(f"/api/photos/{'a' * 64}", headers=headers["viewer"])
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "unknown_photo")


# ---------------------------------------------------------------- the demo
def test_a_demo_home_that_is_a_file_is_refused_naming_home(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    env = auditapp_env(tmp_path / "home")
    for home in (blocker, blocker / "demo"):
        args = ["demo", "--home", str(home), "--server-port", str(free_port()), "--quality-port", "0"]
        stderr = _one_line_error(run_cli(args, env), "demo")
        assert f"--home: cannot use '{home}' as the demo's folder" in stderr
    assert blocker.read_text() == "not a folder"
