"""Reading spreadsheet-like values: texts, clause numbers, evidence kinds and process names, with synonyms."""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass

from checklists.clauses import ClauseRefs, clean_clause, is_clause, parse_refs
from checklists.model import MDSAP_PROCESSES

# Header synonyms, matched after lower-casing and folding '_', '-' and repeated spaces into one space.
COLUMN_SYNONYMS: dict[str, tuple[str, ...]] = {
    "clause": (
        "clause",
        "clause no",
        "clause number",
        "clause ref",
        "ref",
        "ref id",
        "reference",
        "section",
        "section no",
        "iso clause",
        "§",
        "no",
        "number",
    ),
    "title": ("title", "clause title", "section title", "heading", "name"),
    "question": (
        "question",
        "questions",
        "audit question",
        "item",
        "text",
        "check",
        "checkpoint",
        "check point",
        "description",
    ),
    "guidance": (
        "guidance",
        "auditor guidance",
        "guidance for auditor",
        "guidance for the auditor",
        "hint",
        "hints",
        "how to audit",
        "notes",
        "annotation",
    ),
    "evidence": ("evidence", "evidence type", "evidence types", "evidence hints", "method", "audit method"),
    "records": (
        "records",
        "records to sample",
        "records worth sampling",
        "sample",
        "samples",
        "sampling",
        "typical evidence",
    ),
    "process": ("process", "mdsap process", "mdsap"),
    "id": ("id", "item id", "question id", "urn"),
    "refs": ("refs", "references", "cross references", "cross reference", "see also", "related"),
}
_HEADER_LOOKUP = {name: field for field, names in COLUMN_SYNONYMS.items() for name in names}

EVIDENCE_SYNONYMS: dict[str, str] = {
    **{
        k: "document"
        for k in (
            "document",
            "documents",
            "doc",
            "docs",
            "documentation",
            "procedure",
            "procedures",
            "document review",
            "d",
        )
    },
    **{k: "record" for k in ("record", "records", "rec", "recs", "record review", "r")},
    **{k: "interview" for k in ("interview", "interviews", "int", "ask", "talk", "i")},
    **{k: "observation" for k in ("observation", "observations", "observe", "obs", "watch", "floor", "o")},
}

_PROCESS_ABBREVIATIONS = {
    "mgmt": "Management",
    "mgt": "Management",
    "dma": MDSAP_PROCESSES[1],
    "dmafr": MDSAP_PROCESSES[1],
    "marketing authorization": MDSAP_PROCESSES[1],
    "device marketing authorization": MDSAP_PROCESSES[1],
    "mai": MDSAP_PROCESSES[2],
    "ma and i": MDSAP_PROCESSES[2],
    "measurement": MDSAP_PROCESSES[2],
    "ae": MDSAP_PROCESSES[3],
    "mdae": MDSAP_PROCESSES[3],
    "adverse events": MDSAP_PROCESSES[3],
    "medical device adverse events": MDSAP_PROCESSES[3],
    "dd": MDSAP_PROCESSES[4],
    "d and d": MDSAP_PROCESSES[4],
    "design": MDSAP_PROCESSES[4],
    "psc": MDSAP_PROCESSES[5],
    "p and sc": MDSAP_PROCESSES[5],
    "production": MDSAP_PROCESSES[5],
    "pur": MDSAP_PROCESSES[6],
    "purch": MDSAP_PROCESSES[6],
}


def _fold(text: str) -> str:
    text = text.lower().replace("&", " and ").replace("authorisation", "authorization")
    return " ".join(re.sub(r"[^\w§]+", " ", text).split())


_PROCESS_LOOKUP = {_fold(p): p for p in MDSAP_PROCESSES} | _PROCESS_ABBREVIATIONS


def header_field(value: object) -> str | None:
    """The model field a header cell names ('Audit Question' -> 'question'), or None when unknown."""
    if not isinstance(value, str):
        return None
    name = " ".join(value.strip().strip(" :*.#").replace("_", " ").replace("-", " ").lower().split())
    return _HEADER_LOOKUP.get(name)


_TAG = re.compile(r"<(?:br|p|li)\s*/?>", re.IGNORECASE)
# Only real formatting tags are dropped, so that "<not the server>" or "<5 units" in a question survive.
_ANY_TAG = re.compile(r"</?(?:b|i|u|em|strong|span|div|p|ul|ol|li|a|font|sup|sub|table|tr|td)\b[^<>]*>", re.I)


def cell_text(value: object) -> str:
    """A cell as clean text: HTML entities decoded, tags dropped, dates as ISO, 3.0 as '3'."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    text = str(value)
    if "&" in text:
        text = html.unescape(text)
    if "<" in text:
        text = _ANY_TAG.sub("", _TAG.sub("\n", text))
    if "\n" not in text and "\r" not in text:
        return " ".join(text.replace("\xa0", " ").split())  # the common one-line cell, without list building
    lines = [" ".join(line.replace("\xa0", " ").split()) for line in text.splitlines()]
    return "\n".join(line for line in lines if line).strip()


@dataclass(frozen=True)
class ClauseCell:
    """A clause read from a cell: the clause, extra references, and how it was stored."""

    clause: str
    refs: ClauseRefs
    from_number: bool = False


def clause_cell(value: object, number_format: str | None = None) -> ClauseCell | str:
    """The clause of a cell, or a message saying what is wrong with it."""
    if isinstance(value, (dt.date, dt.datetime)):
        return (
            f"the clause cell holds a date ({cell_text(value)}): the spreadsheet turned a clause number "
            "into a date; format the column as text and type the clause again"
        )
    if isinstance(value, bool):
        return f"the clause cell holds {value!r}, not a clause number"
    if isinstance(value, int):
        return ClauseCell(str(value), ClauseRefs((str(value),), ()), from_number=True)
    if isinstance(value, float):
        text = _float_clause(value, number_format)
        return ClauseCell(text, ClauseRefs((text,), ()), from_number=True)
    text = cell_text(value)
    refs = parse_refs(text)
    if refs.clauses:
        return ClauseCell(refs.clauses[0], refs)
    cleaned = clean_clause(text)
    if is_clause(cleaned):
        return ClauseCell(cleaned, ClauseRefs((cleaned,), ()))
    return f"clause {text!r} is not a well-formed clause number (e.g. 7.5.10)"


def _float_clause(value: float, number_format: str | None) -> str:
    """7.1 -> '7.1'; with a '0.00' cell format -> '7.10', the digits the user saw."""
    if value.is_integer():
        return str(int(value))
    match = re.fullmatch(r"0\.(0+)", number_format or "")
    if match:
        return f"{value:.{len(match.group(1))}f}"
    return repr(value)


def evidence_kinds(text: str) -> tuple[list[str], list[str]]:
    """Evidence kinds named in a cell ('Records; interview/obs'), and the words that are not one."""
    kinds: list[str] = []
    unknown: list[str] = []
    for raw in re.split(r"[,;/|+\n]|\band\b", text.lower()):
        word = " ".join(raw.split()).strip(".")
        if not word:
            continue
        kind = EVIDENCE_SYNONYMS.get(word)
        if kind is None:
            unknown.append(word)
        elif kind not in kinds:
            kinds.append(kind)
    return kinds, unknown


def process_name(text: str) -> str | None:
    """The MDSAP process a cell names ('P&SC', 'production and service control'), or None."""
    folded = _fold(text)
    if folded in _PROCESS_LOOKUP:
        return _PROCESS_LOOKUP[folded]
    singular = folded.removesuffix("s")
    for key, name in _PROCESS_LOOKUP.items():
        if key.removesuffix("s") == singular:
            return name
    return None


def split_list(text: str) -> list[str]:
    """A cell holding several entries, one per line or separated by ';'."""
    return [part.strip(" -•*") for part in re.split(r"[;\n]", text) if part.strip(" -•*")]


def slug(text: str) -> str:
    """An id made from a name: lower case, words joined by '-'."""
    return "-".join(re.findall(r"[a-z0-9.]+", text.lower())) or "imported"
