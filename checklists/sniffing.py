"""What a file looks like, so that a file the importer of its extension cannot read is explained.

A YAML checklist saved as `x.txt` is read as CSV and fails with "no header row found", which does not say
that the extension chose the importer: the note added here says so, and what to do.
"""

from __future__ import annotations

import re
from pathlib import Path

from checklists.problems import ChecklistError, Problem

_YAML_KEY = re.compile(r"[A-Za-z_][\w-]*:(\s|$)")  # how a YAML mapping's first line starts: `id: ...`


def with_extension_note(error: ChecklistError, path: Path, chosen: str) -> ChecklistError:
    """`error`, plus a note when the file looks like another format than the one its extension chose."""
    note = extension_note(path, chosen)
    if note is None:
        return error
    return ChecklistError([*error.problems, Problem(str(path), message=note)])


def extension_note(path: Path, chosen: str) -> str | None:
    """When the importer the extension chose does not fit what the file holds, say so and what to do."""
    guess = looks_like(path)
    if guess is None or guess == chosen.removeprefix("ciso-"):
        return None
    return (
        f"the file was read as {chosen.upper()} because its name ends in {path.suffix or '(nothing)'}, "
        f"but it looks like {guess.upper()}: rename it to end in .{guess}, or give its format ({guess})"
    )


def looks_like(path: Path) -> str | None:
    """What the start of a file looks like: 'xlsx' (a zip), 'yaml' (a `key:` line), 'csv', or None."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError:
        return None
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None  # not UTF-8, or cut inside a character: do not guess
    lines = (line.strip() for line in text.splitlines())
    first = next((line for line in lines if line and not line.startswith("#")), None)
    if first is None:
        return None
    if first == "---" or _YAML_KEY.match(first):
        return "yaml"
    if any(mark in first for mark in ",;\t"):
        return "csv"
    return None
