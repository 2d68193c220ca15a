"""What ingest hands to the CAPA side after projecting a batch: field results, repeats, planned audits."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditapp.central import capa_feed
from auditapp.central.projection import ReadTables
from auditapp.central.tables import Device, Finding
from auditapp.domain.events import DomainEvent, EventKind


def after_ingest(
    session: Session, device: Device, tables: ReadTables, accepted: Sequence[DomainEvent]
) -> None:
    """Run the CAPA consequences of a batch of newly accepted events, in the ingest transaction."""
    for event in accepted:
        if event.kind is EventKind.EFFECTIVENESS_RECORDED:
            capa_feed.apply_result(session, event)
    fresh = list(tables.new_findings)
    if tables.sites_changed:
        known = {f.id for f in fresh}
        query = select(Finding).where(
            Finding.audit_id.in_(tables.sites_changed), Finding.status == "new", Finding.repeat.is_(False)
        )
        fresh += [f for f in session.scalars(query) if f.id not in known]
    capa_feed.detect_repeats(session, fresh)
    for event in tables.planned:
        site = str((event.payload.get("plan") or {}).get("site") or "")
        capa_feed.send_prior_findings(session, device.id, event.audit_id, site)
