"""In-memory implementations of the store ports: for unit tests and the contract suite's reference."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from auditapp.domain.clock import Timestamp
from auditapp.domain.errors import NotFoundError
from auditapp.domain.events import DomainEvent


class MemoryEventStore:
    """EventStore and Outbox held in dictionaries; loses everything when the process ends."""

    def __init__(self) -> None:
        self._events: dict[str, DomainEvent] = {}
        self._order: list[str] = []
        self._outbox: list[str] = []
        self._settings: dict[str, str] = {}
        self.photos = MemoryPhotoStore()

    # EventStore
    def append(self, events: Sequence[DomainEvent]) -> None:
        """Store own events and queue them for sync."""
        for event in events:
            if event.event_id in self._events:
                continue
            self._events[event.event_id] = event
            self._order.append(event.event_id)
            self._outbox.append(event.event_id)

    def events(self, audit_id: str) -> list[DomainEvent]:
        """Events of one audit in stored order."""
        return [self._events[i] for i in self._order if self._events[i].audit_id == audit_id]

    def audit_ids(self) -> list[str]:
        """Every audit with events, in order of first appearance."""
        return list(dict.fromkeys(self._events[i].audit_id for i in self._order))

    def merge_remote(self, events: Sequence[DomainEvent]) -> int:
        """Store other devices' events without queueing them."""
        new = 0
        for event in events:
            if event.event_id not in self._events:
                self._events[event.event_id] = event
                self._order.append(event.event_id)
                new += 1
        return new

    def last_seq(self, device_id: str) -> int:
        """Highest sequence stored for the device."""
        return max((e.seq for e in self._events.values() if e.device_id == device_id), default=0)

    def last_hlc(self) -> Timestamp | None:
        """Latest timestamp stored."""
        return max((e.hlc for e in self._events.values()), default=None)

    # Outbox
    def pending(self, limit: int = 500) -> list[DomainEvent]:
        """Oldest unsent events."""
        return [self._events[i] for i in self._outbox[:limit]]

    def acknowledge(self, event_ids: Iterable[str]) -> None:
        """Forget confirmed events from the outbox."""
        done = set(event_ids)
        self._outbox = [i for i in self._outbox if i not in done]

    def pending_count(self) -> int:
        """How many are waiting."""
        return len(self._outbox)

    # Settings
    def get(self, key: str, default: str | None = None) -> str | None:
        """A stored setting."""
        return self._settings.get(key, default)

    def put(self, key: str, value: str) -> None:
        """Store a setting."""
        self._settings[key] = value


class MemoryPhotoStore:
    """PhotoStore in a dictionary."""

    def __init__(self) -> None:
        self._blobs: dict[str, bytes] = {}

    def put(self, data: bytes) -> str:
        """Keep the bytes; return their digest."""
        digest = hashlib.sha256(data).hexdigest()
        self._blobs[digest] = data
        return digest

    def get(self, digest: str) -> bytes:
        """The bytes under digest."""
        try:
            return self._blobs[digest]
        except KeyError:
            raise NotFoundError(f"no photo with SHA-256 {digest}") from None

    def has(self, digest: str) -> bool:
        """Whether the digest is stored."""
        return digest in self._blobs
