"""Outbox contract: own events wait in order until acknowledged, never lost or duplicated."""

from __future__ import annotations

from typing import Any

import pytest

from tests.contract.event_samples import factory, notes


@pytest.mark.req("STO-007")
def test_every_appended_event_is_pending_in_stored_order(field_store: Any) -> None:
    make = factory("tablet-1")
    events = notes(make, "audit-a", 3) + notes(make, "audit-b", 2) + notes(make, "audit-a", 1)
    for event in events:
        field_store.append([event])
    assert field_store.pending() == events
    assert field_store.pending_count() == 6
    assert [e.seq for e in field_store.pending()] == [1, 2, 3, 4, 5, 6]


def test_pending_respects_the_limit_and_returns_the_oldest(field_store: Any) -> None:
    events = notes(factory("tablet-1"), "audit-a", 5)
    field_store.append(events)
    assert field_store.pending(limit=2) == events[:2]


@pytest.mark.req("STO-007")
def test_acknowledged_events_leave_the_outbox_and_stay_stored(field_store: Any) -> None:
    events = notes(factory("tablet-1"), "audit-a", 4)
    field_store.append(events)
    field_store.acknowledge([events[0].event_id, events[2].event_id])
    assert field_store.pending() == [events[1], events[3]]
    assert field_store.pending_count() == 2
    assert field_store.events("audit-a") == events


def test_acknowledging_unknown_or_repeated_ids_changes_nothing(field_store: Any) -> None:
    events = notes(factory("tablet-1"), "audit-a", 2)
    field_store.append(events)
    field_store.acknowledge([events[0].event_id])
    field_store.acknowledge([events[0].event_id, "not-an-event"])
    field_store.acknowledge([])
    assert field_store.pending() == [events[1]]


def test_an_event_appended_again_after_acknowledgement_is_not_requeued(field_store: Any) -> None:
    events = notes(factory("tablet-1"), "audit-a", 2)
    field_store.append(events)
    field_store.acknowledge([e.event_id for e in events])
    field_store.append(events)
    assert field_store.pending_count() == 0
