"""What ingest hands to the CAPA side after projecting a batch: field results, repeats, planned audits."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditapp.central import capa_feed
from auditapp.central.finding_models import FindingStatus
from auditapp.central.projection import ReadTables
from auditapp.central.pull_feed import devices_on_audit
from auditapp.central.sync_tables import AuditDevice
from auditapp.central.tables import Device, Finding
from auditapp.domain.events import DomainEvent, EventKind

_DISMISSED = (FindingStatus.DUPLICATE.value, FindingStatus.REJECTED.value)
"""Statuses of findings triaged away: no longer findings, so never repeats."""


def after_ingest(
    session: Session, device: Device, tables: ReadTables, accepted: Sequence[DomainEvent]
) -> None:
    """Run the CAPA consequences of a batch of newly accepted events, in the ingest transaction."""
    for event in accepted:
        if event.kind is EventKind.EFFECTIVENESS_RECORDED:
            capa_feed.apply_result(session, event)
    capa_feed.detect_repeats(session, repeat_candidates(session, tables))
    planned = set()
    for event in tables.planned:
        # The audit's site after the whole batch: a site corrected in the same push counts, not the plan's.
        capa_feed.send_prior_findings(
            session,
            device.id,
            event.audit_id,
            tables.site_of(event.audit_id),
            tables.organisation_of(event.audit_id),
        )
        planned.add(event.audit_id)
    for audit_id in sorted(tables.sites_changed):
        # A plan edit moved the audit to another site (or to another organisation's site of the same name):
        # every device on the audit gets that site's history (teammates who join later get it when they
        # join, sync_team.join_team).
        receivers = team_devices(session, audit_id) | {device.id}
        if audit_id in planned:
            receivers.discard(device.id)  # the planning device got it just above
        for device_id in sorted(receivers):
            capa_feed.send_prior_findings(
                session, device_id, audit_id, tables.site_of(audit_id), tables.organisation_of(audit_id)
            )


def repeat_candidates(session: Session, tables: ReadTables) -> list[Finding]:
    """The findings this batch created, or whose grade, clause, site or organisation it changed, that are not
    repeats yet nor triaged away: an observation regraded to a nonconformity, or a clause corrected to the
    watched one, after it synced is a repeat as much as a new finding is (CAP-015)."""
    touched = {f.id: f for f in tables.new_findings}
    for finding in tables.regraded.values():
        touched.setdefault(finding.id, finding)
    if tables.sites_changed:
        query = select(Finding).where(Finding.audit_id.in_(tables.sites_changed), Finding.repeat.is_(False))
        for finding in session.scalars(query):
            touched.setdefault(finding.id, finding)
    return [f for f in touched.values() if not f.repeat and f.status not in _DISMISSED]


def team_devices(session: Session, audit_id: str) -> set[str]:
    """The devices on an audit: its team members and every device that sent events for it."""
    members = session.scalars(select(AuditDevice.device_id).where(AuditDevice.audit_id == audit_id))
    return set(members) | set(devices_on_audit(session, audit_id))
