"""The `auditapp` process never ends in a traceback because of where its output goes (FND-007)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def _auditapp(*args: str, stdout: int, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "auditapp", *args],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        timeout=120,
        check=False,
    )


@pytest.mark.req("FND-007")
@pytest.mark.parametrize(
    "args",
    [("checklist", "show", "iso13485-2016"), ("checklist", "show", "iso13485-2016", "--json")],
)
def test_a_reader_that_stops_early_ends_the_command_quietly(args: tuple[str, ...]) -> None:
    # `auditapp checklist show ... | head -1`: the reader is gone before the output is written.
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = _auditapp(*args, stdout=write_end)
    finally:
        os.close(write_end)
    assert done.stderr == ""
    assert done.returncode == 141  # what a shell reports for a command whose reader stopped


@pytest.mark.req("FND-007")
def test_output_the_terminal_cannot_hold_is_printed_replaced(tmp_path: Path) -> None:
    source = tmp_path / "walk.yaml"
    source.write_text(
        "id: walk\ntitle: Rundgang\nversion: '1'\nsections:\n  '7.5':\n    title: Production\n    items:\n"
        "      - id: walk-1\n        question: Is the 検査 record signed?\n",
        encoding="utf-8",
    )
    done = _auditapp(
        "checklist", "show", str(source), stdout=subprocess.PIPE, env={"PYTHONIOENCODING": "latin-1"}
    )
    assert done.stderr == ""
    assert done.returncode == 0
    assert "  - [walk-1] Is the ?? record signed?" in done.stdout
