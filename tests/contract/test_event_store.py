"""EventStore contract: every implementation stores, lists and merges events the same way."""

from __future__ import annotations

from typing import Any

import pytest

from auditapp.domain.events import EventKind
from tests.contract.event_samples import factory, notes


@pytest.mark.req("STO-009")
def test_appended_events_come_back_per_audit_in_stored_order(field_store: Any) -> None:
    make = factory("tablet-1")
    first = notes(make, "audit-a", 3)
    other = notes(make, "audit-b", 2)
    later = notes(make, "audit-a", 2)
    field_store.append(first)
    field_store.append(other)
    field_store.append(later)
    assert field_store.events("audit-a") == first + later
    assert field_store.events("audit-b") == other
    assert field_store.events("no-such-audit") == []
    assert field_store.audit_ids() == ["audit-a", "audit-b"]


@pytest.mark.req("STO-009")
def test_payload_survives_exactly(field_store: Any) -> None:
    make = factory("tablet-1")
    payload = {
        "item": "7.5.6",
        "status": "nonconforming",
        "notes": "Line 3: \u00e9t\u00e9, 10\u00b5m",
        "n": [1, 2.5],
    }
    event = make.make("audit-a", EventKind.RESPONSE_RECORDED, payload)
    field_store.append([event])
    (stored,) = field_store.events("audit-a")
    assert stored == event
    assert stored.digest() == event.digest()


def test_appending_the_same_event_twice_stores_it_once(field_store: Any) -> None:
    make = factory("tablet-1")
    events = notes(make, "audit-a", 2)
    field_store.append(events)
    field_store.append(events[1:])
    field_store.append([])
    assert field_store.events("audit-a") == events
    assert field_store.pending_count() == 2


@pytest.mark.req("STO-008")
def test_merged_remote_events_are_stored_but_not_queued(field_store: Any) -> None:
    mine = notes(factory("tablet-1"), "audit-a", 2)
    theirs = notes(factory("tablet-2"), "audit-a", 3)
    field_store.append(mine)
    assert field_store.merge_remote(theirs) == 3
    assert field_store.merge_remote(theirs) == 0
    assert (
        field_store.merge_remote([*theirs[:1], *notes(factory("tablet-2", 1_800_000_000_000), "b", 1)]) == 1
    )
    assert field_store.events("audit-a") == mine + theirs
    assert [e.event_id for e in field_store.pending()] == [e.event_id for e in mine]


def test_last_seq_is_per_device_and_zero_when_unknown(field_store: Any) -> None:
    assert field_store.last_seq("tablet-1") == 0
    field_store.append(notes(factory("tablet-1"), "audit-a", 4))
    field_store.merge_remote(notes(factory("tablet-2"), "audit-a", 7))
    assert field_store.last_seq("tablet-1") == 4
    assert field_store.last_seq("tablet-2") == 7
    assert field_store.last_seq("tablet-3") == 0


def test_last_hlc_is_the_latest_of_any_stored_event(field_store: Any) -> None:
    assert field_store.last_hlc() is None
    mine = notes(factory("tablet-1", 1_000), "audit-a", 2)
    theirs = notes(factory("tablet-2", 5_000), "audit-a", 2)
    field_store.merge_remote(theirs)
    field_store.append(mine)
    assert field_store.last_hlc() == theirs[-1].hlc
