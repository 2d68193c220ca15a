"""In-memory stand-ins for the field app's outbox, blob source and cursor store."""

from __future__ import annotations

from collections.abc import Iterable

from sync.batch import Record


class MemoryOutbox:
    """Pending records in sequence order; acknowledged ones are forgotten."""

    def __init__(self, records: Iterable[Record] = ()) -> None:
        self.records: dict[str, Record] = {record.event_id: record for record in records}

    def pending(self, limit: int) -> list[Record]:
        return sorted(self.records.values(), key=lambda record: record.seq)[:limit]

    def acknowledge(self, event_ids: Iterable[str]) -> None:
        for event_id in event_ids:
            self.records.pop(event_id, None)

    def pending_count(self) -> int:
        return len(self.records)


class MemoryBlobs:
    """Encrypted blobs held by the device, read in ranges."""

    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}
        self.uploaded: list[str] = []
        self.started: set[str] = set()

    def add(self, blob_id: str, ciphertext: bytes) -> None:
        self.blobs[blob_id] = ciphertext

    def pending_blobs(self) -> list[str]:
        return [blob_id for blob_id in self.blobs if blob_id not in self.uploaded]

    def blob_size(self, blob_id: str) -> int:
        return len(self.blobs[blob_id])

    def read_blob(self, blob_id: str, offset: int, length: int) -> bytes:
        return self.blobs[blob_id][offset : offset + length]

    def mark_uploaded(self, blob_id: str) -> None:
        self.uploaded.append(blob_id)

    def upload_started(self, blob_id: str) -> bool:
        started = blob_id in self.started
        self.started.add(blob_id)
        return started


class MemoryCursor:
    """The device's pull cursor, and everything pulled."""

    def __init__(self) -> None:
        self.cursor: str | None = None
        self.pulled: list[Record] = []

    def get_cursor(self) -> str | None:
        return self.cursor

    def put_cursor(self, cursor: str) -> None:
        self.cursor = cursor

    def store(self, records: list[Record]) -> None:
        self.pulled.extend(records)
