"""Events for the contract suites: real EventFactory output from a fixed clock, several devices."""

from __future__ import annotations

from itertools import count

from auditapp.domain.clock import HybridClock
from auditapp.domain.events import DomainEvent, EventFactory, EventKind


def factory(device_id: str, start_ms: int = 1_790_000_000_000) -> EventFactory:
    """An EventFactory whose wall clock ticks one millisecond per event, so runs are repeatable."""
    ticks = count(start_ms)
    return EventFactory(device_id, HybridClock(device_id, wall=lambda: next(ticks)))


def notes(make: EventFactory, audit_id: str, n: int) -> list[DomainEvent]:
    """n NoteAdded events for one audit."""
    return [make.make(audit_id, EventKind.NOTE_ADDED, {"text": f"note {i} für Ω"}) for i in range(n)]
