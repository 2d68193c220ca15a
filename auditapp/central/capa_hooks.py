"""What ingest hands to the CAPA side after projecting a batch: repeats, field results, planned audits."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from auditapp.central.projection import ReadTables
from auditapp.central.tables import Device
from auditapp.domain.events import DomainEvent


def after_ingest(
    session: Session, device: Device, tables: ReadTables, accepted: Sequence[DomainEvent]
) -> None:
    """Run the CAPA consequences of a batch of newly accepted events, in the ingest transaction."""
