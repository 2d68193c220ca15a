"""The audit trail: every change to findings, CAPAs, users and devices, append-only and hash-chained.

Each entry holds its sequence number, UTC time, actor, entity, entity id, action and the old and new values
as canonical JSON, plus the previous entry's hash; its own hash is SHA-256 over all of that (ADR 0070).
Appends take the single-row chain head with an UPDATE first, which locks it until the transaction ends on
PostgreSQL and takes the write lock on SQLite, so two transactions never append to the same head. Nothing is
ever deleted; the table refuses UPDATE and DELETE by trigger, and `verify` finds any row altered, removed or
inserted behind the application's back.
"""

from __future__ import annotations

import enum
import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from auditapp.central.trail_tables import GENESIS_HASH, TrailEntry, TrailHead

HEAD_ID = 1
SYSTEM_ACTOR = "system"
"""The actor of scheduled work (reminders, windows opening)."""
_LIMITS = {"actor": 120, "entity": 40, "entity_id": 120, "action": 60}


def _plain(value: object) -> object:
    """A JSON-ready form of a value, the same for equal values whichever database returned them."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else str(value)
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return _plain(value.value)
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((_plain(v) for v in value), key=canonical_json)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def canonical_json(value: object) -> str:
    """One text for one value: keys sorted, no spaces, UTF-8 kept, times as UTC ISO 8601 with microseconds."""
    return json.dumps(_plain(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _utc_text(at: datetime) -> str:
    aware = at if at.tzinfo else at.replace(tzinfo=UTC)  # SQLite returns stored UTC times naive
    return aware.astimezone(UTC).isoformat(timespec="microseconds")


def entry_hash(
    *,
    seq: int,
    at: datetime,
    actor: str,
    entity: str,
    entity_id: str,
    action: str,
    old_values: str,
    new_values: str,
    prev_hash: str,
) -> str:
    """SHA-256 (hex) over the canonical entry, previous hash included."""
    body = canonical_json(
        {
            "seq": seq,
            "at": _utc_text(at),
            "actor": actor,
            "entity": entity,
            "entity_id": entity_id,
            "action": action,
            "old": old_values,
            "new": new_values,
            "prev": prev_hash,
        }
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _checked(name: str, value: str) -> str:
    if not isinstance(value, str) or not value or len(value) > _LIMITS[name]:
        raise ValueError(f"trail {name} must be a non-empty string of at most {_LIMITS[name]} characters")
    return value


def record(
    session: Session,
    actor: str,
    entity: str,
    entity_id: str,
    action: str,
    changes: Mapping[str, tuple[object, object]],
) -> int:
    """Append one change (field -> (old, new)) in the caller's transaction; returns its number."""
    actor, entity = _checked("actor", actor), _checked("entity", entity)
    entity_id, action = _checked("entity_id", entity_id), _checked("action", action)
    old_values = canonical_json({field: pair[0] for field, pair in changes.items()})
    new_values = canonical_json({field: pair[1] for field, pair in changes.items()})
    # The UPDATE comes first: it locks the head row (PostgreSQL) or takes the write lock (SQLite) before
    # the previous hash is read, so a concurrent append waits and then sees this one's head.
    bumped = session.execute(
        update(TrailHead)
        .where(TrailHead.id == HEAD_ID)
        .values(seq=TrailHead.seq + 1)
        .returning(TrailHead.seq, TrailHead.hash)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    if bumped is None:
        raise RuntimeError("the audit trail has no chain head: migrate the schema (auditapp server does)")
    seq, prev_hash = int(bumped[0]), str(bumped[1])
    at = datetime.now(UTC)
    digest = entry_hash(
        seq=seq,
        at=at,
        actor=actor,
        entity=entity,
        entity_id=entity_id,
        action=action,
        old_values=old_values,
        new_values=new_values,
        prev_hash=prev_hash,
    )
    session.execute(
        insert(TrailEntry).values(
            seq=seq,
            at=at,
            actor=actor,
            entity=entity,
            entity_id=entity_id,
            action=action,
            old_values=old_values,
            new_values=new_values,
            prev_hash=prev_hash,
            hash=digest,
        )
    )
    session.execute(
        update(TrailHead)
        .where(TrailHead.id == HEAD_ID)
        .values(hash=digest)
        .execution_options(synchronize_session=False)
    )
    return seq


@dataclass(frozen=True)
class Verification:
    """What checking the chain found: how many entries, the head hash, and the first bad entry if any."""

    entries: int
    head_hash: str
    bad_seq: int | None = None
    problem: str = ""

    @property
    def intact(self) -> bool:
        """Whether every entry is as it was appended."""
        return self.bad_seq is None


def check_chain(rows: Iterable[TrailEntry], head_seq: int, head_hash: str) -> Verification:
    """Recompute the chain over rows in sequence order, then check the head; stop at the first fault."""
    expected_seq, prev, count = 1, GENESIS_HASH, 0
    for row in rows:
        if row.seq != expected_seq:
            if row.seq > expected_seq:
                what = f"entry {expected_seq} is missing (removed); the next entry present is {row.seq}"
                return Verification(count, prev, expected_seq, what)
            return Verification(count, prev, row.seq, f"entry {row.seq} is out of sequence (inserted)")
        recomputed = entry_hash(
            seq=row.seq,
            at=row.at,
            actor=row.actor,
            entity=row.entity,
            entity_id=row.entity_id,
            action=row.action,
            old_values=row.old_values,
            new_values=row.new_values,
            prev_hash=row.prev_hash,
        )
        if recomputed != row.hash:
            return Verification(count, prev, row.seq, f"entry {row.seq} was altered: its hash does not match")
        if row.prev_hash != prev:
            bad = row.seq - 1 if row.seq > 1 else row.seq
            what = (
                f"entry {row.seq} does not link to entry {row.seq - 1}: entry {row.seq - 1} was altered or "
                "replaced, or this entry was inserted"
                if row.seq > 1
                else "entry 1 does not start the chain (altered or inserted)"
            )
            return Verification(count, prev, bad, what)
        prev, expected_seq, count = row.hash, expected_seq + 1, count + 1
    if count != head_seq:
        if count < head_seq:
            what = f"entries {count + 1} to {head_seq} are missing (removed from the end)"
            return Verification(count, prev, count + 1, what)
        return Verification(count, prev, head_seq + 1, f"entry {head_seq + 1} was inserted after the head")
    if prev != head_hash:
        what = (
            f"entry {count} does not match the chain head (altered or replaced)"
            if count
            else ("the chain head was altered")
        )
        return Verification(count, prev, count, what)
    return Verification(count, prev)


def verify(session: Session) -> Verification:
    """Recompute the whole chain from the database, streaming its rows in sequence order."""
    head = session.get(TrailHead, HEAD_ID)
    if head is None:
        return Verification(0, GENESIS_HASH, 0, "the chain head is missing (removed)")
    rows = session.scalars(select(TrailEntry).order_by(TrailEntry.seq).execution_options(yield_per=2000))
    return check_chain(rows, head.seq, head.hash)


def history(session: Session, entity: str, entity_id: str) -> list[TrailEntry]:
    """Every entry about one thing, oldest first."""
    query = (
        select(TrailEntry)
        .where(TrailEntry.entity == entity, TrailEntry.entity_id == entity_id)
        .order_by(TrailEntry.seq)
    )
    return list(session.scalars(query))
