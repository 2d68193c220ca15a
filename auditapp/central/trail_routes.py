"""Reading the audit trail of one record: who changed what, when, with the old and new values.

The quality app shows it on a CAPA's and a finding's detail (21 CFR 11.10 e: the trail is available for
review). Any signed-in reader may read it; nobody may change it (the table refuses UPDATE and DELETE).
Values a role may not read elsewhere are hidden here too: users' e-mail addresses show only to the roles
that may read them (deps.Action.READ_EMAILS); the others see that an address was set, changed or removed.
"""

import json
from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel
from sqlalchemy import select

from auditapp.central.deps import Action, Db, Reader, allowed
from auditapp.central.paging import Page, PageQuery, SortKey, keyset_page
from auditapp.central.timestamps import UtcDateTime
from auditapp.central.trail_tables import TrailEntry

router = APIRouter()
Entity = Annotated[str, Path(min_length=1, max_length=40)]
EntityId = Annotated[str, Path(min_length=1, max_length=120)]


class TrailEntryOut(BaseModel):
    """One change: sequence number, UTC time, who, what, and each field's old and new value."""

    seq: int
    at: UtcDateTime
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


EMAIL_FIELDS = frozenset({"email"})
"""Fields of an entry that hold an e-mail address."""
HIDDEN = "(hidden)"
"""What replaces an address for a role that may not read addresses; null stays null (no address)."""


def _hide(value: Any) -> Any:
    return None if value is None else HIDDEN


def entry_out(row: TrailEntry, show_emails: bool = True) -> TrailEntryOut:
    """The reply form of a stored entry; with show_emails false, addresses are replaced by HIDDEN."""
    old, new = _values(row.old_values), _values(row.new_values)
    changes = {name: (old.get(name), new.get(name)) for name in dict.fromkeys([*old, *new])}
    if not show_emails:
        changes = {
            name: (_hide(before), _hide(after)) if name in EMAIL_FIELDS else (before, after)
            for name, (before, after) in changes.items()
        }
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
    entity: Entity, entity_id: EntityId, s: Db, reader: Reader, page: PageQuery
) -> Page[TrailEntryOut]:
    """The trail of one record (entity: capa, finding, user, device), oldest first, a page at a time;
    e-mail addresses show as "(hidden)" unless the caller may read them."""
    query = select(TrailEntry).where(TrailEntry.entity == entity, TrailEntry.entity_id == entity_id)
    show_emails = allowed(reader.role, Action.READ_EMAILS)
    return keyset_page(
        s, query, [SortKey(TrailEntry.seq)], page, lambda r: (r.seq,), lambda r: entry_out(r, show_emails)
    )
