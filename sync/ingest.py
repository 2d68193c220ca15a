"""Store-side idempotency: which records of an opened envelope are new, duplicates, or refused conflicts.

Replay rule (ADR 0042): the store remembers the SHA-256 of every envelope it accepted, by (device, envelope
id). The identical bytes again are a resend after a lost acknowledgement and get the same acknowledgement back
without touching any data; the same envelope id with other bytes is `replayed_envelope`. Independently, every
record is checked by event id: same body is a duplicate (acknowledged, changes nothing), another body is
`conflicting_event` and refuses the whole envelope, so an envelope is applied all or nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from sync.batch import Record, record_digest
from sync.envelope import DEFAULT_MAX_ENVELOPE_BYTES, DeviceLookup, OpenedEnvelope, open_envelope
from sync.errors import ConflictingEvent, ReplayedEnvelope
from sync.keys import StoreKeys

KnownDigest = Callable[[str], str | None]
"""event id -> SHA-256 hex of the body the store holds for it, or None when the event is unknown."""
EnvelopeSeen = Callable[[str, str], str | None]
"""(device id, envelope id) -> SHA-256 hex of the envelope accepted under that id, or None."""
EventAtSeq = Callable[[str, int], str | None]
"""(device id, sequence number) -> the event id the store holds at that place, or None."""


@dataclass(frozen=True)
class IngestPlan:
    """What to do with an opened envelope: apply `new` (in one transaction with the envelope digest)."""

    envelope: OpenedEnvelope
    new: list[Record]
    duplicates: list[Record]
    resend: bool

    @property
    def device_id(self) -> str:
        """The sending device."""
        return self.envelope.header.sender

    @property
    def acknowledged(self) -> list[str]:
        """Every event id of the envelope: after this plan is committed the store holds all of them."""
        return [record.event_id for record in self.envelope.records]

    @property
    def must_write(self) -> bool:
        """Whether committing this plan writes anything (False for a resend: nothing changes)."""
        return not self.resend

    def new_digests(self) -> dict[str, str]:
        """event id -> body digest of the new records, for the store to keep next to each event."""
        return {record.event_id: record_digest(record.body) for record in self.new}

    def acknowledgement(self) -> dict[str, Any]:
        """The JSON body of the push response (docs/sync-protocol.md, "push")."""
        header = self.envelope.header
        return {
            "envelope_id": header.envelope_id,
            "device_id": header.sender,
            "acknowledged": self.acknowledged,
            "new": len(self.new),
            "duplicates": len(self.duplicates),
            "resend": self.resend,
            "last_seq": header.last_seq,
        }


class IngestGuard:
    """Classifies the records of an opened envelope against what the store already holds; reads only."""

    def __init__(
        self,
        *,
        known_digest: KnownDigest,
        envelope_seen: EnvelopeSeen,
        event_at_seq: EventAtSeq | None = None,
    ) -> None:
        self._known_digest = known_digest
        self._envelope_seen = envelope_seen
        self._event_at_seq = event_at_seq

    def classify(self, opened: OpenedEnvelope) -> IngestPlan:
        """Plan an envelope, or raise ReplayedEnvelope / ConflictingEvent (nothing may then be written)."""
        header = opened.header
        seen = self._envelope_seen(header.sender, header.envelope_id)
        if seen is not None:
            if seen != opened.digest:
                raise ReplayedEnvelope(
                    f"envelope {header.envelope_id} of device {header.sender} was already accepted "
                    "with different content",
                    details={"envelope_id": header.envelope_id},
                )
            return IngestPlan(envelope=opened, new=[], duplicates=list(opened.records), resend=True)
        new: list[Record] = []
        duplicates: list[Record] = []
        conflicts: list[str] = []
        for record in opened.records:
            held = self._known_digest(record.event_id)
            if held is None:
                if self._seq_taken(header.sender, record):
                    conflicts.append(record.event_id)
                else:
                    new.append(record)
            elif held == record_digest(record.body):
                duplicates.append(record)
            else:
                conflicts.append(record.event_id)
        if conflicts:
            raise ConflictingEvent(
                f"the store already holds different content for event {conflicts[0]}"
                + (f" and {len(conflicts) - 1} more" if len(conflicts) > 1 else ""),
                details={"event_ids": conflicts},
            )
        return IngestPlan(envelope=opened, new=new, duplicates=duplicates, resend=False)

    def _seq_taken(self, device_id: str, record: Record) -> bool:
        if self._event_at_seq is None:
            return False
        holder = self._event_at_seq(device_id, record.seq)
        return holder is not None and holder != record.event_id


def verify_push(
    data: bytes,
    *,
    recipient: StoreKeys | X25519PrivateKey,
    device_lookup: DeviceLookup,
    guard: IngestGuard,
    max_bytes: int = DEFAULT_MAX_ENVELOPE_BYTES,
) -> IngestPlan:
    """Everything the push endpoint does before writing: open and verify the envelope, then classify it."""
    return guard.classify(
        open_envelope(data, recipient=recipient, device_lookup=device_lookup, max_bytes=max_bytes)
    )
