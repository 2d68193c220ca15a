"""Ingest: apply events from a device to the central store, exactly once, in one transaction.

Also the pull feed going the other way: what the store queues for the devices that worked on an audit.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from auditapp.central.auth import now
from auditapp.central.errors import ApiError
from auditapp.central.sync_tables import DeviceMessage
from auditapp.central.tables import Audit, Device, Finding, Response, StoredEvent
from auditapp.domain.errors import ValidationError
from auditapp.domain.events import DomainEvent, EventKind
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
        tables = _ReadTables(session, events)
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
    if rows:
        session.execute(insert(StoredEvent), rows)
    session.flush()
    return result


_AUDIT_COLUMNS = ("title", "organisation", "site", "audit_type")
_FINDING_COLUMNS = ("item_id", "clause", "grade", "statement")


class _ReadTables:
    """The audit, response and finding rows one batch touches, read up front and updated in memory."""

    def __init__(self, session: Session, events: Sequence[DomainEvent]) -> None:
        self.session = session
        audit_ids = {e.audit_id for e in events}
        self.audits = {a.id: a for a in session.scalars(select(Audit).where(Audit.id.in_(audit_ids)))}
        keys = {
            (e.audit_id, str(e.payload.get("item_id")))
            for e in events
            if e.kind is EventKind.RESPONSE_RECORDED
        }
        self.responses: dict[tuple[str, str], Response] = {}
        if keys:
            query = select(Response).where(
                Response.audit_id.in_({a for a, _ in keys}), Response.item_id.in_({i for _, i in keys})
            )
            self.responses = {(r.audit_id, r.item_id): r for r in session.scalars(query)}
        finding_ids = {
            str(e.payload.get("finding_id"))
            for e in events
            if e.kind in (EventKind.FINDING_RAISED, EventKind.FINDING_EDITED)
        }
        self.findings: dict[str, Finding] = {}
        if finding_ids:
            query_f = select(Finding).where(Finding.id.in_(finding_ids))
            self.findings = {f.id: f for f in session.scalars(query_f)}

    def project(self, event: DomainEvent) -> None:
        """Update the read tables from one event (last writer wins per row or field by clock)."""
        payload = event.payload
        stamp = event.hlc.to_text()
        if event.kind is EventKind.AUDIT_PLANNED:
            self._audit_fields(event.audit_id, stamp, dict(payload.get("plan") or {}))
        elif event.kind is EventKind.AUDIT_PLAN_EDITED:
            self._audit_fields(event.audit_id, stamp, {str(payload["field"]): payload.get("value")})
        elif event.kind is EventKind.RESPONSE_RECORDED:
            self._response(event, stamp)
        elif event.kind is EventKind.FINDING_RAISED:
            finding_id = str(payload["finding_id"])
            if finding_id not in self.findings:
                finding = Finding(
                    id=finding_id,
                    audit_id=event.audit_id,
                    item_id=str(payload.get("item_id") or ""),
                    clause=str(payload["clause"]),
                    grade=str(payload["grade"]),
                    statement=str(payload["statement"]),
                    status="new",
                    hlc=stamp,
                    created_at=now(),
                )
                self.session.add(finding)
                self.findings[finding_id] = finding
        elif event.kind is EventKind.FINDING_EDITED:
            existing = self.findings.get(str(payload["finding_id"]))
            name = str(payload["field"])
            if existing is not None and name in _FINDING_COLUMNS and stamp > existing.hlc:
                setattr(existing, name, str(payload.get("value") or ""))
                existing.hlc = stamp

    def _response(self, event: DomainEvent, stamp: str) -> None:
        payload = event.payload
        key = (event.audit_id, str(payload["item_id"]))
        row = self.responses.get(key)
        if row is None:
            row = Response(
                audit_id=key[0],
                item_id=key[1],
                clause=str(payload["clause"]),
                answer=str(payload["answer"]),
                notes="",
                hlc=stamp,
                device_id=event.device_id,
            )
            self.session.add(row)
            self.responses[key] = row
        elif stamp > row.hlc:
            row.answer, row.hlc, row.device_id = str(payload["answer"]), stamp, event.device_id

    def _audit_fields(self, audit_id: str, stamp: str, values: dict[str, Any]) -> None:
        audit = self.audits.get(audit_id)
        if audit is None:
            audit = Audit(id=audit_id, hlc="")
            self.session.add(audit)
            self.audits[audit_id] = audit
        if stamp < audit.hlc:
            return
        for name in _AUDIT_COLUMNS:
            if name in values and values[name] is not None:
                setattr(audit, name, str(values[name]))
        audit.hlc = stamp


# ---------------------------------------------------------------- the pull feed (store -> devices)
FINDING_STATUS = "finding_status"
"""Pull record kind: a finding's status changed on the store (triage, CAPA)."""
EFFECTIVENESS_TASK = "effectiveness_task"
"""Pull record kind reserved for effectiveness re-verification tasks (the CAPA issue queues them)."""
PRIOR_FINDINGS = "prior_findings"
"""Pull record kind reserved for prior findings and open CAPAs of a planned audit (the CAPA issue)."""


def devices_on_audit(session: Session, audit_id: str) -> list[str]:
    """Every device that sent events for an audit (a team audit has several)."""
    rows = session.scalars(select(StoredEvent.device_id).where(StoredEvent.audit_id == audit_id).distinct())
    return sorted(rows)


def queue_for_device(session: Session, device_id: str, kind: str, values: dict[str, Any]) -> None:
    """Address a record to one device; it is delivered, sealed to the device, by its next pull.

    This is the hook for everything a device pulls: call it in the same transaction as the change it
    reports, so the record exists exactly when the change does.
    """
    body = json.dumps({"kind": kind, **values}, sort_keys=True, separators=(",", ":"))
    session.add(DeviceMessage(device_id=device_id, kind=kind, body=body, created_at=now()))


def finding_status_changed(session: Session, finding: Finding) -> None:
    """Tell every device that worked on the finding's audit its new status (call after changing it)."""
    values = {"finding_id": finding.id, "audit_id": finding.audit_id, "status": finding.status}
    for device_id in devices_on_audit(session, finding.audit_id):
        queue_for_device(session, device_id, FINDING_STATUS, values)


def pending_for(session: Session, device_id: str, after: int, limit: int) -> list[DeviceMessage]:
    """Records addressed to the device with an id after its cursor, oldest first."""
    query = (
        select(DeviceMessage)
        .where(DeviceMessage.device_id == device_id, DeviceMessage.id > after)
        .order_by(DeviceMessage.id)
        .limit(limit)
    )
    return list(session.scalars(query))
