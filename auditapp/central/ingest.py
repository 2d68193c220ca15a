"""Ingest: apply events from a device to the central store, exactly once, in one transaction.

The pull feed going the other way lives in `pull_feed` and is re-exported here (`queue_for_device`,
`finding_status_changed`, ...), the names other parts call it by.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from auditapp.central import capa_hooks
from auditapp.central.auth import now
from auditapp.central.errors import ApiError
from auditapp.central.projection import ReadTables
from auditapp.central.pull_feed import (
    EFFECTIVENESS_TASK,
    FINDING_STATUS,
    PRIOR_FINDINGS,
    TASK_CLOSED,
    devices_on_audit,
    finding_status_changed,
    pending_for,
    queue_for_device,
)
from auditapp.central.tables import Device, StoredEvent
from auditapp.domain.errors import ValidationError
from auditapp.domain.events import DomainEvent
from auditapp.domain.payloads import validate_payload
from sync.batch import Record


@dataclass
class IngestResult:
    """Which events were new and which the store already held (both are acknowledged)."""

    accepted: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)

    @property
    def acknowledged(self) -> list[str]:
        """Every event id the device may drop from its outbox."""
        return self.accepted + self.duplicates


def parse_events(raw: Sequence[dict[str, Any]]) -> list[DomainEvent]:
    """Events from their wire form; a malformed one refuses the whole batch, naming its position."""
    events = []
    for index, item in enumerate(raw):
        try:
            event = DomainEvent.from_dict(item)
            validate_payload(event.kind, event.payload)
            events.append(event)
        except ValidationError as exc:
            raise ApiError(422, "malformed_event", f"events[{index}]: {exc}") from exc
    return events


def parse_records(records: Sequence[Record], sender: str) -> list[DomainEvent]:
    """Events from an opened envelope's records; one that is malformed, not canonical or not the sender's
    refuses the whole envelope, naming its position and its field."""
    events = []
    seqs: set[int] = set()
    for index, record in enumerate(records):
        where = f"events[{index}]"
        if record.seq in seqs:
            raise ApiError(422, "malformed_event", f"{where}: sequence number {record.seq} appears twice")
        seqs.add(record.seq)
        try:
            raw = json.loads(record.body)
            if not isinstance(raw, dict):
                raise ValidationError("an event must be a JSON object")
            event = DomainEvent.from_dict(raw)
            validate_payload(event.kind, event.payload)
        except (ValueError, ValidationError) as exc:
            raise ApiError(422, "malformed_event", f"{where}: {exc}") from exc
        if (event.event_id, event.seq) != (record.event_id, record.seq):
            raise ApiError(422, "malformed_event", f"{where}: event id or sequence differs from its record")
        if event.device_id != sender:
            raise ApiError(403, "wrong_device", f"{where}: event {event.event_id} claims another device")
        if event.canonical_bytes() != record.body:
            raise ApiError(422, "malformed_event", f"{where}: event {event.event_id} is not canonical JSON")
        events.append(event)
    return events


def ingest(
    session: Session, device: Device, events: Sequence[DomainEvent], *, fresh: bool = False
) -> IngestResult:
    """Store and project the device's events; a known id with other content refuses the whole batch.

    `fresh` says the caller has checked that none of the events is stored yet (the push endpoint's ingest
    guard did); the primary key still refuses a concurrent duplicate. The read tables the batch touches
    are read in one query each and the events inserted in one statement, so an envelope of hundreds of
    events costs a handful of round trips.
    """
    result = IngestResult()
    for event in events:
        if event.device_id != device.id:
            raise ApiError(403, "wrong_device", f"event {event.event_id} claims another device")
    held: dict[str, str] = {}
    if not fresh and events:
        query = select(StoredEvent.event_id, StoredEvent.digest).where(
            StoredEvent.event_id.in_([e.event_id for e in events])
        )
        held = {event_id: digest for event_id, digest in session.execute(query)}
    rows: list[dict[str, Any]] = []
    received = now()
    with session.no_autoflush:
        tables = ReadTables(session, events)
        for event in events:
            canonical = event.canonical_bytes()
            digest = hashlib.sha256(canonical).hexdigest()
            if event.event_id in held:
                if held[event.event_id] != digest:
                    raise ApiError(
                        409, "conflicting_event", f"event {event.event_id} is known with different content"
                    )
                result.duplicates.append(event.event_id)
                continue
            held[event.event_id] = digest
            rows.append(
                {
                    "event_id": event.event_id,
                    "device_id": event.device_id,
                    "seq": event.seq,
                    "audit_id": event.audit_id,
                    "kind": event.kind.value,
                    "hlc": event.hlc.to_text(),
                    "digest": digest,
                    "body": canonical.decode("utf-8"),
                    "received_at": received,
                }
            )
            tables.project(event)
            result.accepted.append(event.event_id)
        tables.finish()
        tables.adopt_stored_edits()
    if rows:
        session.execute(insert(StoredEvent), rows)
    session.flush()
    capa_hooks.after_ingest(
        session, device, tables, [e for e in events if e.event_id in set(result.accepted)]
    )
    return result


__all__ = [
    "EFFECTIVENESS_TASK",
    "FINDING_STATUS",
    "PRIOR_FINDINGS",
    "TASK_CLOSED",
    "IngestResult",
    "devices_on_audit",
    "finding_status_changed",
    "ingest",
    "parse_events",
    "parse_records",
    "pending_for",
    "queue_for_device",
]
