"""The audit trail's canonical form and chain check, without a database."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from auditapp.central.trail import canonical_json, check_chain, entry_hash
from auditapp.central.trail_tables import GENESIS_HASH

T0 = datetime(2026, 3, 1, 9, 30, 0, 123456, tzinfo=UTC)


@dataclass(frozen=True)
class Row:
    """Stands in for a TrailEntry row."""

    seq: int
    at: datetime
    actor: str
    entity: str
    entity_id: str
    action: str
    old_values: str
    new_values: str
    prev_hash: str
    hash: str


def chain(n: int) -> list[Row]:
    rows: list[Row] = []
    prev = GENESIS_HASH
    for seq in range(1, n + 1):
        fields = dict(
            seq=seq,
            at=T0 + timedelta(seconds=seq),
            actor="ada",
            entity="user",
            entity_id=f"u{seq}",
            action="create",
            old_values=canonical_json({"role": None}),
            new_values=canonical_json({"role": "viewer"}),
            prev_hash=prev,
        )
        digest = entry_hash(**fields)  # type: ignore[arg-type]
        rows.append(Row(**fields, hash=digest))  # type: ignore[arg-type]
        prev = digest
    return rows


def test_canonical_json_is_one_text_per_value() -> None:
    a = {"b": [1, 2], "a": datetime(2026, 1, 1, 12, tzinfo=timezone(timedelta(hours=2)))}
    b = {"a": datetime(2026, 1, 1, 10, tzinfo=UTC), "b": (1, 2)}
    assert canonical_json(a) == canonical_json(b)
    assert canonical_json(a) == '{"a":"2026-01-01T10:00:00.000000+00:00","b":[1,2]}'
    assert canonical_json({"x": "é"}) == '{"x":"é"}'


def test_naive_times_from_sqlite_hash_like_aware_utc() -> None:
    fields = dict(chain(1)[0].__dict__)
    fields.pop("hash")
    naive = dict(fields, at=fields["at"].replace(tzinfo=None))
    assert entry_hash(**fields) == entry_hash(**naive)


def test_an_intact_chain_verifies() -> None:
    rows = chain(5)
    result = check_chain(rows, 5, rows[-1].hash)
    assert result.intact
    assert result.entries == 5
    assert result.head_hash == rows[-1].hash


@pytest.mark.parametrize(
    ("damage", "bad"),
    [
        (lambda r: [*r[:2], replace(r[2], new_values='{"role":"admin"}'), *r[3:]], 3),
        (lambda r: [*r[:2], *r[3:]], 3),
        (lambda r: [r[0], replace(r[1], actor="mallory"), *r[2:]], 2),
    ],
)
def test_the_first_bad_entry_is_named(damage, bad) -> None:  # type: ignore[no-untyped-def]
    rows = chain(5)
    result = check_chain(damage(rows), 5, rows[-1].hash)
    assert not result.intact
    assert result.bad_seq == bad
    assert str(bad) in result.problem


def test_a_rehashed_alteration_is_caught_by_the_next_link() -> None:
    rows = chain(4)
    forged = replace(rows[1], new_values='{"role":"admin"}')
    fields = {k: v for k, v in forged.__dict__.items() if k != "hash"}
    forged = replace(forged, hash=entry_hash(**fields))
    result = check_chain([rows[0], forged, *rows[2:]], 4, rows[-1].hash)
    assert result.bad_seq == 2


def test_removed_tail_entries_are_caught_by_the_head() -> None:
    rows = chain(4)
    result = check_chain(rows[:3], 4, rows[-1].hash)
    assert result.bad_seq == 4
