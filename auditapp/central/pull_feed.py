"""The pull feed (store -> devices): records addressed to one device, delivered sealed by its next pull.

Kinds: `finding_status`, `effectiveness_task`, `task_closed`, `prior_findings` (contracts: docs and
ADR 0052). Queue a record in the same transaction as the change it reports, so it exists exactly when
the change does.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

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


def devices_at_site(session: Session, site: str) -> list[str]:
    """Active devices of the auditors of a site: those that sent events for an audit at that site."""
    from auditapp.central.tables import Audit, Device

    if not site.strip():
        return []
    query = (
        select(StoredEvent.device_id)
        .join(Audit, Audit.id == StoredEvent.audit_id)
        .join(Device, Device.id == StoredEvent.device_id)
        .where(Audit.site == site, Device.status == "active")
        .distinct()
    )
    return sorted(session.scalars(query))
