"""Text typed on a terminal set to another encoding than UTF-8 is refused by name, not with a traceback."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from auditapp.central.database import Database
from auditapp.central.tables import User
from tests.integration.platform.test_cli_input import _one_line_error
from tests.support.processes import auditapp_env, run_cli

LIBRARY = Path(__file__).parents[3] / "checklists" / "library"

LATIN1_MUELLER = "m\udcfcller"  # what Python makes of "müller" sent as Latin-1 bytes (0xFC)


@pytest.mark.req("PLT-018")
def test_admin_commands_refuse_text_that_is_not_utf8_naming_the_argument(
    database: Database, cli_env: dict[str, str]
) -> None:
    env = {**cli_env, "AUDITAPP_PASSWORD": "some-password-1"}
    assert run_cli(["admin", "init"], env).returncode == 0
    assert run_cli(["admin", "create-user", "pat", "--role", "auditor"], env).returncode == 0
    cases = [
        (["admin", "deactivate", LATIN1_MUELLER], "username"),
        (["admin", "reactivate", LATIN1_MUELLER], "username"),
        (["admin", "set-role", LATIN1_MUELLER, "viewer"], "username"),
        (["admin", "create-user", "bob", "--name", f"M{LATIN1_MUELLER[1:]}"], "name"),
        (["admin", "enroll-code", "--user", LATIN1_MUELLER], "user"),
        (["admin", "revoke", LATIN1_MUELLER], "device-id"),
    ]
    for args, argument in cases:
        line = _one_line_error(run_cli(args, env), f"{argument}: ", "not valid UTF-8", "set the terminal")
        assert "\ufffdller" in line, line  # the text as it arrived, shown without failing again

    with database.transaction() as session:
        users = {user.username: user.active for user in session.scalars(select(User))}
    assert users == {"admin": True, "pat": True}  # nothing created, changed or deactivated


@pytest.mark.req("PLT-018")
def test_a_file_named_in_another_encoding_is_still_read(tmp_path: Path) -> None:
    """File names keep whatever bytes the file system allows; only names and ids must be UTF-8."""
    latin1_name = os.fsdecode(b"Pr\xfcfliste.yaml")  # "Prüfliste.yaml" as a Latin-1 system wrote it
    copy = tmp_path / latin1_name
    shutil.copyfile(LIBRARY / "fda-qmsr.yaml", copy)

    shown = run_cli(["checklist", "show", str(copy)], auditapp_env(tmp_path / "home"))

    assert shown.returncode == 0, shown.stderr
    assert "fda-qmsr" in shown.stdout


@pytest.mark.req("PLT-018")
def test_a_distribution_name_that_is_not_utf8_is_refused_by_name(tmp_path: Path) -> None:
    done = run_cli(
        [
            "report",
            "A-1",
            "--format",
            "pdf",
            "--out",
            str(tmp_path / "r.pdf"),
            "--distribute",
            LATIN1_MUELLER,
        ],
        auditapp_env(tmp_path / "home"),
    )
    _one_line_error(done, "distribute: ", "not valid UTF-8", "set the terminal")
    assert not (tmp_path / "r.pdf").exists()
