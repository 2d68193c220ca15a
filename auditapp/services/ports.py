"""The small interfaces the services are written against; the store and sync adapters implement them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol

from auditapp.domain.clock import Timestamp
from auditapp.domain.events import DomainEvent
from auditapp.services.catalog import ChecklistInfo


class EventStore(Protocol):
    """The device's durable log of domain events, with the sync outbox written in the same step."""

    def append(self, events: Sequence[DomainEvent]) -> None:
        """Make the events durable and queue them for sync, all or nothing; returns only once on disk."""

    def events(self, audit_id: str) -> list[DomainEvent]:
        """Every event of one audit (own and merged from other devices), in the order they were stored."""

    def audit_ids(self) -> list[str]:
        """Ids of every audit that has at least one event."""

    def merge_remote(self, events: Sequence[DomainEvent]) -> int:
        """Store events that came from other devices (not queued for sync); returns how many were new."""

    def last_seq(self, device_id: str) -> int:
        """Highest sequence number stored for a device (0 when none): where its next event continues."""

    def last_hlc(self) -> Timestamp | None:
        """Latest clock timestamp of any stored event, so a restarted clock never goes back."""


class Outbox(Protocol):
    """Events waiting to be pushed to the central store; survives restarts, never loses or duplicates."""

    def pending(self, limit: int = 500) -> list[DomainEvent]:
        """The oldest unsent events, in per-device sequence order."""

    def acknowledge(self, event_ids: Iterable[str]) -> None:
        """Drop events the central store has confirmed it holds."""

    def pending_count(self) -> int:
        """How many events are waiting."""


class Settings(Protocol):
    """Small device-local values: device id, sequence counter, server URL, enrollment state."""

    def get(self, key: str, default: str | None = None) -> str | None:
        """The value stored under key, or default."""

    def put(self, key: str, value: str) -> None:
        """Store a value durably."""


class PhotoStore(Protocol):
    """Where processed photo bytes live on the device (encrypted at rest), addressed by SHA-256."""

    def put(self, data: bytes) -> str:
        """Store bytes durably; returns their SHA-256 hex digest."""

    def get(self, digest: str) -> bytes:
        """The bytes stored under digest; NotFoundError if absent."""

    def has(self, digest: str) -> bool:
        """Whether bytes with this digest are stored."""


class ChecklistCatalog(Protocol):
    """The checklists this device knows (the adapter over the `checklists` package lives in bootstrap)."""

    def get(self, checklist_id: str, content_hash: str | None = None) -> ChecklistInfo:
        """The checklist with this id (the version with this content hash where the catalog holds it, else
        the current one); NotFoundError when the catalog has none."""


class ProcessedPhoto(Protocol):
    """A photo already through the media pipeline: display image and thumbnail bytes, EXIF stripped."""

    @property
    def image(self) -> bytes:
        """The display image as stored (JPEG, long edge at most 2048 px)."""

    @property
    def thumbnail(self) -> bytes:
        """The thumbnail as stored."""

    @property
    def width(self) -> int:
        """Width of the display image in pixels."""

    @property
    def height(self) -> int:
        """Height of the display image in pixels."""

    @property
    def captured_at(self) -> datetime | None:
        """When the photo was taken, from its EXIF data, if known."""

    @property
    def gps(self) -> tuple[float, float] | None:
        """(latitude, longitude) from its EXIF data, if known; stored only when the auditor opts in."""
