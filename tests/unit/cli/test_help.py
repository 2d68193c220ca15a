"""`auditapp --help` and every subcommand's help say what the command does."""

from __future__ import annotations

import pytest

from auditapp.cli import COMMANDS, main

EXPECTED = {
    "field": "field app",
    "quality": "quality desktop app",
    "server": "central store",
    "demo": "demo",
    "checklist": "checklist",
    "admin": "central store",
    "report": "report",
    "readiness": "readiness",
}


@pytest.mark.req("FND-001")
def test_top_level_help_lists_every_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    for command in COMMANDS:
        assert command in out


@pytest.mark.req("FND-001")
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_each_subcommand_explains_itself(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    assert done.value.code == 0
    assert EXPECTED[command] in capsys.readouterr().out.lower()


@pytest.mark.req("FND-001")
def test_an_unknown_subcommand_is_refused_with_usage(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["frobnicate"])
    assert done.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
