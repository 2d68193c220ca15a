"""The checklist model: a versioned tree of clause sections holding audit items, and its content hash."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

# The four ways an auditor gathers objective evidence; an item names the ones that fit it.
EVIDENCE_KINDS = ("document", "record", "interview", "observation")

# The seven MDSAP processes, in the order of the MDSAP audit model.
MDSAP_PROCESSES = (
    "Management",
    "Device Marketing Authorization and Facility Registration",
    "Measurement Analysis and Improvement",
    "Medical Device Adverse Events and Advisory Notices Reporting",
    "Design and Development",
    "Production and Service Controls",
    "Purchasing",
)


@dataclass(frozen=True)
class Section:
    """A clause of the standard: its number (always a string: 7.5.10 is not 7.5.1), title and parent."""

    clause: str
    title: str
    parent: str | None = None


@dataclass(frozen=True)
class Item:
    """One audit question, under one clause, with what the auditor needs to test practice."""

    id: str
    clause: str
    text: str
    guidance: str = ""
    evidence: tuple[str, ...] = ()
    records: tuple[str, ...] = ()
    process: str | None = None
    refs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Checklist:
    """A versioned checklist; pinned into an audit by `content_hash`."""

    id: str
    title: str
    version: str
    standard: str = ""
    language: str = "en"
    sections: tuple[Section, ...] = ()
    items: tuple[Item, ...] = field(default=())

    @cached_property
    def content_hash(self) -> str:
        """SHA-256 (hex) of the canonical JSON of the content: the same whatever format it came from."""
        text = json.dumps(canonical_form(self), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def section(self, clause: str) -> Section | None:
        """The section of that clause number, if the checklist has one."""
        for section in self.sections:
            if section.clause == clause:
                return section
        return None

    def items_under(self, clause: str) -> list[Item]:
        """Items that sit directly under the clause."""
        return [item for item in self.items if item.clause == clause]


def canonical_form(checklist: Checklist) -> dict[str, Any]:
    """Everything that defines a checklist's content, as plain JSON values in document order."""
    return {
        "id": checklist.id,
        "title": checklist.title,
        "version": checklist.version,
        "standard": checklist.standard,
        "language": checklist.language,
        "sections": [[s.clause, s.title, s.parent] for s in checklist.sections],
        "items": [
            {
                "id": i.id,
                "clause": i.clause,
                "text": i.text,
                "guidance": i.guidance,
                "evidence": list(i.evidence),
                "records": list(i.records),
                "process": i.process,
                "refs": list(i.refs),
            }
            for i in checklist.items
        ],
    }
