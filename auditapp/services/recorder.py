"""The Recorder: stamps this device's events and stores them durably, with their outbox entry, in one step."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence

from auditapp.domain.clock import HybridClock, Timestamp, wall_clock_ms
from auditapp.domain.drafts import Draft
from auditapp.domain.events import DomainEvent, EventFactory
from auditapp.domain.payloads import validate_payload
from auditapp.services.ports import EventStore, Settings

DEVICE_ID_KEY = "device_id"


class Recorder:
    """The one way capture reaches the store: device id, next sequence, next clock tick, then append.

    The sequence continues from what the store holds for this device and the clock starts after the
    latest timestamp stored, so a restarted app never reuses a sequence number or goes back in time.
    Both are re-read before every write, so another writer on the same store cannot make them collide.
    """

    def __init__(
        self,
        store: EventStore,
        settings: Settings,
        *,
        wall: Callable[[], int] = wall_clock_ms,
        new_id: Callable[[], str] = lambda: str(uuid.uuid4()),
    ):
        self._store = store
        self._settings = settings
        self._new_id = new_id
        self._clock = HybridClock(self.device_id, wall, last=store.last_hlc())

    @property
    def device_id(self) -> str:
        """This device's id, chosen once and kept in the settings."""
        device = self._settings.get(DEVICE_ID_KEY)
        if device is None:
            device = str(uuid.uuid4())
            self._settings.put(DEVICE_ID_KEY, device)
        return device

    @property
    def clock(self) -> HybridClock:
        """The device's hybrid logical clock."""
        return self._clock

    def record(self, audit_id: str, drafts: Sequence[Draft]) -> list[DomainEvent]:
        """Stamp the drafts and append them all or none; returns the stored events once durable."""
        if not drafts:
            return []
        for draft in drafts:
            validate_payload(draft.kind, draft.payload)
        latest = self._store.last_hlc()
        if latest is not None and latest > self._clock.last:
            self._clock.observe(latest)
        for draft in drafts:
            base = draft.payload.get("base")
            if isinstance(base, str):
                # An edit must sort after the value it replaces, even if that came from a faster clock.
                seen = Timestamp.from_text(base)
                if seen >= self._clock.last:
                    self._clock.observe(seen)
        device = self.device_id
        factory = EventFactory(device, self._clock, self._store.last_seq(device) + 1, self._new_id)
        events = [factory.make(audit_id, draft.kind, draft.payload) for draft in drafts]
        self._store.append(events)
        return events
