"""Ingest: apply events from a device to the central store, exactly once, in one transaction.

Also the pull feed going the other way: what the store queues for the devices that worked on an audit.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
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
    for index, record in enumerate(records):
        where = f"events[{index}]"
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


def ingest(session: Session, device: Device, events: Sequence[DomainEvent]) -> IngestResult:
    """Store and project the device's events; a known id with other content refuses the whole batch."""
    result = IngestResult()
    for event in events:
        if event.device_id != device.id:
            raise ApiError(403, "wrong_device", f"event {event.event_id} claims another device")
        known = session.get(StoredEvent, event.event_id)
        digest = event.digest()
        if known is not None:
            if known.digest != digest:
                raise ApiError(
                    409, "conflicting_event", f"event {event.event_id} is known with different content"
                )
            result.duplicates.append(event.event_id)
            continue
        session.add(
            StoredEvent(
                event_id=event.event_id,
                device_id=event.device_id,
                seq=event.seq,
                audit_id=event.audit_id,
                kind=event.kind.value,
                hlc=event.hlc.to_text(),
                digest=digest,
                body=json.dumps(event.to_dict(), sort_keys=True),
                received_at=now(),
            )
        )
        _project(session, event)
        result.accepted.append(event.event_id)
    session.flush()
    return result


def _project(session: Session, event: DomainEvent) -> None:
    """Update the read tables from one event (last writer wins per row or field by clock)."""
    payload = event.payload
    stamp = event.hlc.to_text()
    if event.kind is EventKind.AUDIT_PLANNED:
        _apply_audit_fields(session, event.audit_id, stamp, dict(payload.get("plan") or {}))
    elif event.kind is EventKind.AUDIT_PLAN_EDITED:
        _apply_audit_fields(session, event.audit_id, stamp, {str(payload["field"]): payload.get("value")})
    elif event.kind is EventKind.RESPONSE_RECORDED:
        key = (event.audit_id, str(payload["item_id"]))
        row = session.get(Response, key)
        if row is None:
            session.add(
                Response(
                    audit_id=key[0],
                    item_id=key[1],
                    clause=str(payload["clause"]),
                    answer=str(payload["answer"]),
                    notes="",
                    hlc=stamp,
                    device_id=event.device_id,
                )
            )
        elif stamp > row.hlc:
            row.answer, row.hlc, row.device_id = str(payload["answer"]), stamp, event.device_id
    elif event.kind is EventKind.FINDING_RAISED:
        finding_id = str(payload["finding_id"])
        if session.get(Finding, finding_id) is None:
            session.add(
                Finding(
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
            )
    elif event.kind is EventKind.FINDING_EDITED:
        finding = session.get(Finding, str(payload["finding_id"]))
        name = str(payload["field"])
        if finding is not None and name in _FINDING_COLUMNS and stamp > finding.hlc:
            setattr(finding, name, str(payload.get("value") or ""))
            finding.hlc = stamp


_AUDIT_COLUMNS = ("title", "organisation", "site", "audit_type")
_FINDING_COLUMNS = ("item_id", "clause", "grade", "statement")


def _apply_audit_fields(session: Session, audit_id: str, stamp: str, values: dict[str, Any]) -> None:
    audit = session.get(Audit, audit_id)
    if audit is None:
        audit = Audit(id=audit_id, hlc="")
        session.add(audit)
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
