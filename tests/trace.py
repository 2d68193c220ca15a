"""`python -m tests.trace` (`make trace`): the traceability matrix, requirement -> the tests that verify it.

The matrix is read from the suite's collection: it maps each requirement to the tests marked with its id,
runs none of them and says nothing about whether they pass (that comes from `make test`). A test that
would be skipped in this environment (PostgreSQL or Chromium missing) is listed all the same."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    """Collect the suite, then print every requirement with its tests (and those with none); when the
    collection fails, print pytest's own output and return 1."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "matrix.json"
        env = dict(os.environ, AUDITAPP_TRACE_OUT=str(out))
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "--collect-only", "-q"],
            cwd=ROOT,
            env=env,
            check=False,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            sys.stderr.write(done.stdout + done.stderr)
            print(
                f"tests.trace: collecting the suite failed (pytest exit code {done.returncode})",
                file=sys.stderr,
            )
            return 1
        matrix: dict[str, list[str]] = json.loads(out.read_text())
    register = (ROOT / "docs" / "requirements.md").read_text(encoding="utf-8")
    print("| requirement | description | verified by |")
    print("|---|---|---|")
    for req, text in re.findall(r"^\|\s*([A-Z]{3}-\d{3})\s*\|\s*(.*?)\s*\|\s*$", register, re.MULTILINE):
        print(f"| {req} | {text} | {_evidence(text, matrix.get(req, []))} |")
    return 0


def _evidence(text: str, tests: list[str]) -> str:
    """The tests of a requirement; a speed requirement is verified by its benchmark (never by a timing
    assertion in a test), which the matrix names with `--check`: that run fails when a target is missed."""
    bench = re.search(r"measured by `(python -m bench \w+)`", text)
    named = tests + ([f"benchmark: `{bench.group(1)} --check`"] if bench else [])
    return "<br>".join(named) if named else "**no test**"


if __name__ == "__main__":
    raise SystemExit(main())
