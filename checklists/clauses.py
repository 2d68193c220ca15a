"""Clause numbers: what a well-formed one is, how they nest, and clause references found in free text."""

from __future__ import annotations

import re
from dataclasses import dataclass

# A clause is dot-separated segments, each a number or a single letter: 7.5.10, 8.2.4, A.5.1, 10.9.a.
_CLAUSE = re.compile(r"^(?:\d+|[A-Za-z])(?:\.(?:\d+|[A-Za-z]))*$")
# Punctuation that spreadsheets and prose leave around a clause number: "7.5.6.", "§ 4.2:", "(8.3)".
_TRIM = " \t\r\n.,;:)(]['\"§"


def is_clause(text: str) -> bool:
    """True when the text is a well-formed clause number."""
    return bool(_CLAUSE.match(text))


def clean_clause(text: str) -> str:
    """A clause cell with the surrounding punctuation and a leading 'clause'/'§' removed."""
    text = text.strip().strip(_TRIM)
    lowered = text.lower()
    for prefix in ("clause ", "cl. ", "section "):
        if lowered.startswith(prefix):
            text = text[len(prefix) :].strip(_TRIM)
    return text


def parent_of(clause: str) -> str | None:
    """The clause one level up by number (7.5.6 -> 7.5), or None for a top-level clause."""
    head, _, _ = clause.rpartition(".")
    return head or None


def is_within(child: str, parent: str) -> bool:
    """True when `child` lies below `parent` in the numbering (7.5.10 within 7.5, not within 7.5.1)."""
    return child.startswith(parent + ".")


def sort_key(clause: str) -> tuple[tuple[int, int | str], ...]:
    """Numeric ordering of clauses: 7.5.9 before 7.5.10."""
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in clause.split("."))


@dataclass(frozen=True)
class ClauseRefs:
    """What a free-text reference holds: clause numbers (ranges expanded) and other tokens kept as text."""

    clauses: tuple[str, ...]
    other: tuple[str, ...]


_RANGE = re.compile(r"^(?P<start>\d+(?:\.\d+)*)\s*[-–—]\s*(?P<end>\d+(?:\.\d+)*)$")
_REF_GROUP = re.compile(r"\(([^()]*)\)\s*[.;:,]*\s*$")


def parse_refs(text: str) -> ClauseRefs:
    """Split '4.1/4.2/5.3', '8.3/8.5.1-3' or '7.1/ MDD' into clauses (ranges expanded) and plain tokens."""
    clauses: list[str] = []
    other: list[str] = []
    for raw in re.split(r"[/,;]|\band\b", text.strip().strip("()")):
        token = clean_clause(raw)
        if not token:
            continue
        expanded = _expand_range(token)
        if expanded:
            clauses.extend(expanded)
        elif is_clause(token) and any(ch.isdigit() for ch in token):
            clauses.append(token)
        else:
            other.append(raw.strip())
    return ClauseRefs(tuple(dict.fromkeys(clauses)), tuple(dict.fromkeys(other)))


def _expand_range(token: str) -> list[str]:
    """'8.5.1-3' or '8.5.1-8.5.3' -> ['8.5.1', '8.5.2', '8.5.3']; [] when the token is no range."""
    match = _RANGE.match(token)
    if not match:
        return []
    start, end = match["start"], match["end"]
    head, _, first = start.rpartition(".")
    if "." in end:
        end_head, _, last = end.rpartition(".")
        if end_head != head:
            return []
    else:
        last = end
    low, high = int(first), int(last)
    if high < low or high - low > 50:
        return []
    prefix = f"{head}." if head else ""
    return [f"{prefix}{n}" for n in range(low, high + 1)]


def split_trailing_refs(text: str) -> tuple[str, ClauseRefs | None]:
    """A question ending in '(4.1/4.2/5.3)' -> the question without it, and the references it held."""
    match = _REF_GROUP.search(text)
    if not match:
        return text, None
    refs = parse_refs(match.group(1))
    if not refs.clauses:
        return text, None
    return text[: match.start()].rstrip(), refs
