"""Domain events: every change an auditor makes, as an immutable, ordered, mergeable fact."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from auditapp.domain.clock import HybridClock, Timestamp
from auditapp.domain.errors import ValidationError


class EventKind(StrEnum):
    """The kinds of change the field app records, in the past tense."""

    AUDIT_PLANNED = "AuditPlanned"
    AUDIT_PLAN_EDITED = "AuditPlanEdited"
    MEETING_NOTE_RECORDED = "MeetingNoteRecorded"
    RESPONSE_RECORDED = "ResponseRecorded"
    NOTE_ADDED = "NoteAdded"
    INTERVIEW_RECORDED = "InterviewRecorded"
    PHOTO_ATTACHED = "PhotoAttached"
    DOCUMENT_REVIEWED = "DocumentReviewed"
    SAMPLE_DRAWN = "SampleDrawn"
    RECORD_SAMPLED = "RecordSampled"
    FINDING_RAISED = "FindingRaised"
    FINDING_EDITED = "FindingEdited"
    EVIDENCE_LINKED = "EvidenceLinked"
    AUDIT_CLOSED = "AuditClosed"
    EFFECTIVENESS_RECORDED = "EffectivenessRecorded"


@dataclass(frozen=True)
class DomainEvent:
    """One recorded change: who (device), in which order (seq, hlc), to which audit, what (kind, payload)."""

    event_id: str
    device_id: str
    seq: int
    hlc: Timestamp
    audit_id: str
    kind: EventKind
    payload: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able form, as stored in the journal and sent over the wire."""
        return {
            "event_id": self.event_id,
            "device_id": self.device_id,
            "seq": self.seq,
            "hlc": self.hlc.to_text(),
            "audit_id": self.audit_id,
            "kind": self.kind.value,
            "payload": dict(self.payload),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DomainEvent:
        """Rebuild an event from `to_dict` output; a malformed one is a ValidationError."""
        try:
            return cls(
                event_id=str(data["event_id"]),
                device_id=str(data["device_id"]),
                seq=int(data["seq"]),
                hlc=Timestamp.from_text(str(data["hlc"])),
                audit_id=str(data["audit_id"]),
                kind=EventKind(data["kind"]),
                payload=dict(data.get("payload") or {}),
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise ValidationError(f"malformed event: {exc}") from exc

    def canonical_bytes(self) -> bytes:
        """Deterministic bytes of the whole event: the basis of idempotency checks and hashes."""
        return canonical_json(self.to_dict())

    def digest(self) -> str:
        """SHA-256 of the canonical bytes, hex."""
        return hashlib.sha256(self.canonical_bytes()).hexdigest()


def canonical_json(value: Any) -> bytes:
    """JSON with sorted keys and no insignificant white space, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


class EventFactory:
    """Stamps new events for one device: fresh UUID, next per-device sequence, next clock tick."""

    def __init__(
        self,
        device_id: str,
        clock: HybridClock,
        next_seq: int = 1,
        new_id: Callable[[], str] = lambda: str(uuid.uuid4()),
    ):
        self.device_id = device_id
        self.clock = clock
        self._next_seq = next_seq
        self._new_id = new_id

    @property
    def next_seq(self) -> int:
        """The sequence number the next event will carry."""
        return self._next_seq

    def make(self, audit_id: str, kind: EventKind, payload: Mapping[str, Any]) -> DomainEvent:
        """A new event for this device."""
        event = DomainEvent(
            event_id=self._new_id(),
            device_id=self.device_id,
            seq=self._next_seq,
            hlc=self.clock.now(),
            audit_id=audit_id,
            kind=kind,
            payload=dict(payload),
        )
        self._next_seq += 1
        return event
