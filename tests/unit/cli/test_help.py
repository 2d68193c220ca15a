"""`auditapp --help` and every subcommand's help say what the command does."""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator

import pytest

from auditapp.cli import COMMANDS, build_parser, main

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


def _subcommands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every subcommand and action under `parser`, read from its argparse tree, so a new one is covered."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield (*path, name), sub
                yield from _subcommands(sub, (*path, name))


SUBCOMMANDS = dict(_subcommands(build_parser()))
"""`auditapp` words -> their parser: `("admin", "init")` -> the parser of `auditapp admin init`."""


def _flat(text: str) -> str:
    return " ".join(text.split())


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
def test_the_walk_reaches_every_command_and_the_admin_and_checklist_actions() -> None:
    assert {path[0] for path in SUBCOMMANDS} == set(COMMANDS)
    assert {"list", "show", "validate", "import"} <= {
        p[1] for p in SUBCOMMANDS if p[0] == "checklist" and p[1:]
    }
    assert {"init", "verify-trail", "publish-checklist", "rebuild-metrics"} <= {
        p[1] for p in SUBCOMMANDS if p[0] == "admin" and p[1:]
    }


@pytest.mark.req("FND-001")
@pytest.mark.parametrize("path", sorted(SUBCOMMANDS), ids=" ".join)
def test_every_command_and_action_help_says_what_it_does(
    path: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as done:
        main([*path, "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert re.match(rf"usage: auditapp {re.escape(' '.join(path))}\s", out), out.splitlines()[0]
    description = SUBCOMMANDS[path].description or ""
    assert len(description.split()) >= 3, f"auditapp {' '.join(path)} has no description"
    assert _flat(description) in _flat(out)


@pytest.mark.req("FND-001")
def test_an_unknown_subcommand_is_refused_with_usage(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["frobnicate"])
    assert done.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
