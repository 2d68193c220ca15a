"""The pull feed (store -> devices): records addressed to one device, delivered sealed by its next pull.

Kinds: `finding_status`, `effectiveness_task`, `task_closed`, `prior_findings` (contracts: docs and
ADR 0052). Queue a record in the same transaction as the change it reports, so it exists exactly when
the change does.

A device's cursor is the id of the last record it was sent, so the records of one device must become
visible in id order (ADR 0096). SQLite has one writer at a time. On PostgreSQL two transactions can
queue for the same device at once, and the one that drew the lower id may commit last, behind a cursor
that already passed it. So queued records are written only when their transaction commits, after all
its other writes: under a transaction-scoped advisory lock per device, taken in sorted order (no
deadlock), held until the commit is visible. A writer therefore draws a device's ids only after every
earlier writer to that device has committed or rolled back.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import event, select, text
from sqlalchemy.orm import Session, SessionTransaction

from auditapp.central.auth import now
from auditapp.central.sync_tables import DeviceMessage
from auditapp.central.tables import Finding, StoredEvent

FINDING_STATUS = "finding_status"
"""Pull record kind: a finding's status changed on the store (triage, CAPA)."""
EFFECTIVENESS_TASK = "effectiveness_task"
"""Pull record kind: a field re-verification task of an effectiveness check whose window opened."""
PRIOR_FINDINGS = "prior_findings"
"""Pull record kind: earlier findings and open CAPAs of the site of an audit just planned."""
TASK_CLOSED = "task_closed"
"""Pull record kind: a re-verification task no longer needs doing (answered by a teammate, CAPA closed)."""


def devices_on_audit(session: Session, audit_id: str) -> list[str]:
    """Every device that sent events for an audit (a team audit has several)."""
    rows = session.scalars(select(StoredEvent.device_id).where(StoredEvent.audit_id == audit_id).distinct())
    return sorted(rows)


_QUEUED = "pull_feed.queued"
_LOCK_SPACE = 0x70756C6C  # "pull": the first key of the feed's advisory locks, the device's hash the second
_LOCK = text("SELECT pg_advisory_xact_lock(:space, :key)")

_Queued = list[tuple[SessionTransaction | None, DeviceMessage]]
"""Records waiting for their transaction's commit, each with the (sub)transaction that queued it."""


def queue_for_device(session: Session, device_id: str, kind: str, values: dict[str, Any]) -> None:
    """Address a record to one device; it is delivered, sealed to the device, by its next pull.

    This is the hook for everything a device pulls: call it in the same transaction as the change it
    reports, so the record exists exactly when the change does. The record is written when the
    transaction commits (see the module docstring), not at the next flush; a savepoint rolled back
    withdraws the records queued under it.
    """
    body = json.dumps({"kind": kind, **values}, sort_keys=True, separators=(",", ":"))
    message = DeviceMessage(device_id=device_id, kind=kind, body=body, created_at=now())
    _queued(session).append((session.get_nested_transaction() or session.get_transaction(), message))


def _queued(session: Session) -> _Queued:
    """The records the session's transaction queued so far; the first call arranges their writing."""
    queued: _Queued | None = session.info.get(_QUEUED)
    if queued is None:
        queued = session.info[_QUEUED] = []
        # On the session itself, so it runs after the factory's own hooks (metric counters) whatever
        # made the session; registered once per session.
        if not event.contains(session, "before_commit", _write_queued):
            event.listen(session, "before_commit", _write_queued)
            event.listen(session, "after_soft_rollback", _withdraw_queued)
            event.listen(session, "after_transaction_end", _forget_queued)
    return queued


def lock_key(device_id: str) -> int:
    """A device's advisory lock key: 32 bits of its id's SHA-256 (two devices sharing one only wait)."""
    return int.from_bytes(hashlib.sha256(device_id.encode("utf-8")).digest()[:4], "big", signed=True)


def _write_queued(session: Session) -> None:
    """Write the transaction's queued records last, each device's under its lock (PostgreSQL)."""
    if session.in_nested_transaction():
        return  # a savepoint released: its records go with the whole transaction
    queued: _Queued = session.info.pop(_QUEUED, [])
    if not queued:
        return
    # Every other write first, so a transaction holding a device's lock only inserts records and
    # commits: it never waits for a row another writer holds while that writer waits for the lock.
    session.flush()
    if session.get_bind().dialect.name == "postgresql":
        for key in sorted({lock_key(message.device_id) for _, message in queued}):
            session.execute(_LOCK, {"space": _LOCK_SPACE, "key": key})
    session.add_all(message for _, message in queued)  # in queue order: one transaction's ids ascend
    session.flush()


def _within(transaction: SessionTransaction | None, ended: SessionTransaction) -> bool:
    """Whether a (sub)transaction is the one that ended or nested inside it."""
    while transaction is not None:
        if transaction is ended:
            return True
        transaction = transaction.parent
    return False


def _withdraw_queued(session: Session, previous_transaction: SessionTransaction) -> None:
    """A rollback (of a savepoint, or of everything) withdraws the records queued under it."""
    queued: _Queued | None = session.info.get(_QUEUED)
    if queued:
        everything = previous_transaction.parent is None  # records queued before it began are its too
        queued[:] = [(tx, m) for tx, m in queued if not (everything or _within(tx, previous_transaction))]


def _forget_queued(session: Session, transaction: SessionTransaction) -> None:
    """When the whole transaction ends, nothing queued outlives it (a commit has written it already)."""
    if transaction.parent is None:
        session.info.pop(_QUEUED, None)


def finding_status_changed(session: Session, finding: Finding) -> None:
    """Tell every device that worked on the finding's audit its new status (call after changing it)."""
    values = {"finding_id": finding.id, "audit_id": finding.audit_id, "status": finding.status}
    for device_id in devices_on_audit(session, finding.audit_id):
        queue_for_device(session, device_id, FINDING_STATUS, values)


def pending_for(session: Session, device_id: str, after: int, limit: int) -> list[DeviceMessage]:
    """Records addressed to the device with an id after its cursor, oldest first.

    No record of the device with a lower id can commit after this read (see the module docstring), so
    the last id returned is a cursor that skips nothing.
    """
    query = (
        select(DeviceMessage)
        .where(DeviceMessage.device_id == device_id, DeviceMessage.id > after)
        .order_by(DeviceMessage.id)
        .limit(limit)
    )
    return list(session.scalars(query))
