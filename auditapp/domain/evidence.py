"""Objective evidence: what the auditor read, heard, saw and sampled, each tied to an item or a finding."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from auditapp.domain.errors import ValidationError


@dataclass(frozen=True)
class EvidenceTarget:
    """What a piece of evidence belongs to: a checklist item (item_id + clause) or a finding."""

    item_id: str | None = None
    clause: str | None = None
    finding_id: str | None = None

    @classmethod
    def item(cls, item_id: str, clause: str) -> EvidenceTarget:
        """Evidence for a checklist item."""
        return cls(item_id=item_id, clause=clause).validate()

    @classmethod
    def finding(cls, finding_id: str) -> EvidenceTarget:
        """Evidence for a finding."""
        return cls(finding_id=finding_id).validate()

    def validate(self) -> EvidenceTarget:
        """Exactly one of (item_id with clause) or finding_id; otherwise a ValidationError."""
        if self.finding_id is not None:
            if not self.finding_id.strip() or self.item_id is not None:
                raise ValidationError("evidence belongs either to an item or to a finding", "target")
            return self
        if not (self.item_id or "").strip():
            raise ValidationError("evidence must belong to a checklist item or a finding", "item_id")
        if not (self.clause or "").strip():
            raise ValidationError("evidence for an item needs the item's clause", "clause")
        return self

    def to_payload(self) -> dict[str, str | None]:
        """Flat JSON fields merged into the event payload."""
        return {"item_id": self.item_id, "clause": self.clause, "finding_id": self.finding_id}

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> EvidenceTarget:
        """The target stored in an event payload."""
        return cls(payload.get("item_id"), payload.get("clause"), payload.get("finding_id")).validate()


@dataclass(frozen=True)
class Note:
    """Free text the auditor wrote down."""

    evidence_id: str
    target: EvidenceTarget
    text: str
    hlc: str


@dataclass(frozen=True)
class Interview:
    """Who was asked what, in which role, and what they answered."""

    evidence_id: str
    target: EvidenceTarget
    person: str
    role: str
    question: str
    answer: str
    hlc: str


@dataclass(frozen=True)
class GeoPoint:
    """Where a photo was taken; stored only when the auditor opted in."""

    lat: float
    lon: float


@dataclass(frozen=True)
class PhotoRef:
    """A processed photo held in the photo store by SHA-256, with its thumbnail and capture facts."""

    evidence_id: str
    target: EvidenceTarget
    sha256: str
    thumbnail_sha256: str
    width: int
    height: int
    captured_at: str | None
    gps: GeoPoint | None
    caption: str
    hlc: str


@dataclass(frozen=True)
class DocumentReviewed:
    """A controlled document read during the audit: the procedure 'on paper', at a revision."""

    evidence_id: str
    target: EvidenceTarget
    document_id: str
    revision: str
    title: str
    hlc: str


class SamplingMethod(StrEnum):
    """How the records of a sample were chosen (ISO 19011 asks that sampling be stated)."""

    RANDOM = "random"
    SYSTEMATIC = "systematic"
    JUDGMENTAL = "judgmental"


@dataclass(frozen=True)
class Sample:
    """A reproducible selection of records from a stated population."""

    evidence_id: str
    target: EvidenceTarget
    population_description: str
    population_size: int
    population_ids: tuple[str, ...] | None
    sample_size: int
    method: SamplingMethod
    seed: str | None
    start: int | None
    reason: str | None
    selected_ids: tuple[str, ...]
    hlc: str


@dataclass(frozen=True)
class SampledRecord:
    """One record pulled in a sample and what the auditor found in it."""

    evidence_id: str
    target: EvidenceTarget
    sample_id: str
    record_type: str
    identifier: str
    record_date: str
    conforms: bool
    comment: str
    hlc: str


Evidence = Note | Interview | PhotoRef | DocumentReviewed | Sample | SampledRecord


def evidence_from_payload(kind: str, payload: Mapping[str, Any], hlc: str) -> Evidence:
    """The evidence object an already validated payload of an evidence event describes."""
    eid = str(payload["evidence_id"])
    target = EvidenceTarget.from_payload(payload)
    if kind == "NoteAdded":
        return Note(eid, target, payload["text"], hlc)
    if kind == "InterviewRecorded":
        return Interview(
            eid,
            target,
            payload["person"],
            payload.get("role") or "",
            payload["question"],
            payload["answer"],
            hlc,
        )
    if kind == "PhotoAttached":
        gps = payload.get("gps")
        return PhotoRef(
            eid,
            target,
            payload["sha256"],
            payload["thumbnail_sha256"],
            int(payload["width"]),
            int(payload["height"]),
            payload.get("captured_at"),
            GeoPoint(float(gps["lat"]), float(gps["lon"])) if gps else None,
            payload.get("caption") or "",
            hlc,
        )
    if kind == "DocumentReviewed":
        return DocumentReviewed(
            eid, target, payload["document_id"], payload["revision"], payload.get("title") or "", hlc
        )
    if kind == "SampleDrawn":
        ids = payload.get("population_ids")
        return Sample(
            eid,
            target,
            payload["population_description"],
            int(payload["population_size"]),
            tuple(ids) if ids is not None else None,
            int(payload["sample_size"]),
            SamplingMethod(payload["method"]),
            payload.get("seed"),
            payload.get("start"),
            payload.get("reason"),
            tuple(payload.get("selected_ids") or ()),
            hlc,
        )
    if kind == "RecordSampled":
        return SampledRecord(
            eid,
            target,
            payload["sample_id"],
            payload["record_type"],
            payload["identifier"],
            payload.get("record_date") or "",
            bool(payload["conforms"]),
            payload.get("comment") or "",
            hlc,
        )
    raise ValidationError(f"{kind} does not carry evidence", "kind")
