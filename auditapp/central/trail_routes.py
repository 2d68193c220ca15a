"""Reading the audit trail of one record: who changed what, when, with the old and new values.

The quality app shows it on a CAPA's and a finding's detail (21 CFR 11.10 e: the trail is available for
review). Any signed-in reader may read it; nobody may change it (the table refuses UPDATE and DELETE).
"""

import json
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel
from sqlalchemy import select

from auditapp.central.deps import Db, Reader
from auditapp.central.paging import Page, PageQuery, SortKey, keyset_page
from auditapp.central.trail_tables import TrailEntry

router = APIRouter()
Entity = Annotated[str, Path(min_length=1, max_length=40)]
EntityId = Annotated[str, Path(min_length=1, max_length=120)]


class TrailEntryOut(BaseModel):
    """One change: sequence number, UTC time, who, what, and each field's old and new value."""

    seq: int
    at: datetime
    actor: str
    entity: str
    entity_id: str
    action: str
    changes: dict[str, tuple[Any, Any]]


def _values(text: str) -> dict[str, Any]:
    try:
        parsed = json.loads(text or "{}")
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def entry_out(row: TrailEntry) -> TrailEntryOut:
    """The reply form of a stored entry."""
    old, new = _values(row.old_values), _values(row.new_values)
    changes = {name: (old.get(name), new.get(name)) for name in dict.fromkeys([*old, *new])}
    return TrailEntryOut(
        seq=row.seq,
        at=row.at,
        actor=row.actor,
        entity=row.entity,
        entity_id=row.entity_id,
        action=row.action,
        changes=changes,
    )


@router.get("/api/trail/{entity}/{entity_id}")
def record_trail(
    entity: Entity, entity_id: EntityId, s: Db, _reader: Reader, page: PageQuery
) -> Page[TrailEntryOut]:
    """The trail of one record (entity: capa, finding, user, device), oldest first, a page at a time."""
    query = select(TrailEntry).where(TrailEntry.entity == entity, TrailEntry.entity_id == entity_id)
    return keyset_page(s, query, [SortKey(TrailEntry.seq)], page, lambda r: (r.seq,), entry_out)
