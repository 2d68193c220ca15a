"""Administration commands that work on an existing store never create one at a mistyped address, and
an empty listing says so (PLT-021)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from auditapp.central.database import Database, normalise_url
from tests.support.processes import auditapp_env, run_cli

ON_AN_EXISTING_STORE = [
    ["admin", "devices"],
    ["admin", "verify-trail"],
    ["admin", "enroll-code", "--user", "auditor", "--no-qr"],
    ["admin", "revoke", "5e3a1c2b-7d4f-4a8e-b1c2-d3e4f5a6b7c8"],
    ["admin", "set-role", "auditor", "viewer"],
    ["admin", "deactivate", "auditor"],
    ["admin", "reactivate", "auditor"],
    ["admin", "checklists"],
    ["admin", "publish-checklist", str(Path(__file__).parents[2] / "fixtures" / "checklists" / "small.yaml")],
    ["admin", "rebuild-metrics"],
]


@pytest.mark.req("PLT-021")
@pytest.mark.parametrize("command", ON_AN_EXISTING_STORE, ids=lambda c: c[1])
def test_a_command_on_a_sqlite_file_that_does_not_exist_names_it_and_creates_nothing(
    command: list[str], tmp_path: Path
) -> None:
    typo = tmp_path / "nodir" / "typo.db"
    env = auditapp_env(tmp_path / "home")

    done = run_cli([*command, "--database-url", f"sqlite:///{typo}"], env)

    assert done.returncode == 2, done.stdout
    assert "Traceback" not in done.stderr
    assert (
        f"auditapp admin: error: no central store database at {typo}; "
        "check --database-url / AUDITAPP_DATABASE_URL" in done.stderr
    )
    assert not typo.parent.exists()
    assert not (tmp_path / "home").exists()  # nor the default store, had the option been ignored


@pytest.mark.req("PLT-021")
def test_a_relative_sqlite_path_is_named_in_full_and_not_created(tmp_path: Path) -> None:
    env = auditapp_env(tmp_path / "home")
    done = run_cli(["admin", "devices", "--database-url", "sqlite:///relative-typo.db"], env)
    assert done.returncode == 2
    assert "no central store database at /" in done.stderr
    assert "relative-typo.db;" in done.stderr
    assert not Path("relative-typo.db").exists()  # the commands run in the repository folder


@pytest.mark.req("PLT-021")
def test_the_default_store_is_not_created_by_a_listing_when_auditapp_home_is_forgotten(
    tmp_path: Path,
) -> None:
    done = run_cli(["admin", "verify-trail"], auditapp_env(tmp_path / "home"))
    assert done.returncode == 2
    assert f"no central store database at {tmp_path / 'home' / 'central' / 'central.db'}" in done.stderr
    assert "intact" not in done.stdout
    assert not (tmp_path / "home").exists()


@pytest.mark.req("PLT-021")
def test_an_existing_database_without_a_store_is_refused_and_left_without_tables(pg_url: str) -> None:
    done = run_cli(["admin", "devices", "--database-url", pg_url], auditapp_env(Path("/nonexistent-home")))
    assert done.returncode == 2
    assert "no central store in the database" in done.stderr
    assert "has none of the store's tables" in done.stderr
    engine = create_engine(normalise_url(pg_url))
    try:
        assert inspect(engine).get_table_names() == []
    finally:
        engine.dispose()


@pytest.mark.req("PLT-021")
def test_an_empty_device_list_says_so_in_words(database: Database, cli_env: dict[str, str]) -> None:
    listed = run_cli(["admin", "devices"], cli_env)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout == "no devices enrolled\n"
    published = run_cli(["admin", "checklists"], cli_env)
    assert (published.returncode, published.stdout) == (0, "no checklists published\n"), published.stderr


@pytest.mark.req("PLT-021")
def test_commands_that_set_up_a_store_still_create_it(tmp_path: Path) -> None:
    new = tmp_path / "new" / "central.db"
    env = auditapp_env(tmp_path / "home", AUDITAPP_PASSWORD="first-admin-pw")
    made = run_cli(["admin", "init", "--database-url", f"sqlite:///{new}"], env)
    assert made.returncode == 0, made.stderr
    assert new.exists()
    listed = run_cli(["admin", "devices", "--database-url", f"sqlite:///{new}"], env)
    assert (listed.returncode, listed.stdout) == (0, "no devices enrolled\n")
