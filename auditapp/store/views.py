"""The materialised view: TinyDB documents per audit plus one for device state, checkpointed atomically.

TinyDB rewrites its whole file on every change, so the store never writes a view per event: the journal
makes each event durable, and the views are written only at checkpoints (every N records and on close),
through an encrypting TinyDB storage that replaces the file atomically. Each view records the journal offset
it includes, so reopening replays only the journal records after it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from tinydb import TinyDB
from tinydb.storages import Storage

from auditapp.domain.clock import Timestamp
from auditapp.domain.events import DomainEvent, EventKind
from auditapp.store.atomic import write_atomically
from auditapp.store.errors import StoreCorruptError
from auditapp.store.keys import open_sealed, seal


class EncryptedStorage(Storage):
    """TinyDB storage kept in memory and written, encrypted and atomically, only when flushed."""

    def __init__(self, path: str, key: AESGCM) -> None:
        self._path = Path(path)
        self._key = key
        self._aad = b"auditapp view " + self._path.name.encode()
        self._data: dict[str, dict[str, Any]] | None = None
        self._dirty = False

    def read(self) -> dict[str, dict[str, Any]] | None:
        """The whole database, decrypted from the file once and then served from memory."""
        if self._data is None and self._path.exists():
            try:
                plain = open_sealed(self._key, self._path.read_bytes(), self._aad)
                self._data = json.loads(plain)
            except (InvalidTag, ValueError) as exc:
                raise StoreCorruptError(self._path, "the view file fails its integrity check") from exc
        return self._data

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        """Keep the new state in memory; `flush` makes it durable (the journal already is)."""
        self._data = data
        self._dirty = True

    @property
    def dirty(self) -> bool:
        """Whether the in-memory state has changes the file lacks (also after a failed flush)."""
        return self._dirty

    def flush(self) -> None:
        """Encrypt and atomically replace the file; the plaintext never reaches the disk."""
        if self._dirty and self._data is not None:
            plain = json.dumps(self._data, separators=(",", ":")).encode("utf-8")
            write_atomically(self._path, seal(self._key, plain, self._aad))
            self._dirty = False

    def close(self) -> None:
        """Nothing to release: flushing is the checkpoint's decision, not close's."""


def _trusted_event(doc: dict[str, Any]) -> DomainEvent:
    """An event from a view: validated when it was appended and authenticated by GCM since, so decoded
    without `DomainEvent.from_dict`'s checks (three times faster on a large audit)."""
    hlc = doc["hlc"]
    return DomainEvent(
        event_id=doc["event_id"],
        device_id=doc["device_id"],
        seq=doc["seq"],
        hlc=Timestamp(int(hlc[:15]), int(hlc[16:22]), hlc[23:]),
        audit_id=doc["audit_id"],
        kind=EventKind(doc["kind"]),
        payload=doc["payload"],
    )


def _open(path: Path, key: AESGCM) -> tuple[TinyDB, EncryptedStorage]:
    db = TinyDB(str(path), key=key, storage=EncryptedStorage)
    storage = db.storage
    assert isinstance(storage, EncryptedStorage)
    return db, storage


class AuditView:
    """One audit's events in stored order, with the ids already held (for idempotent merges)."""

    def __init__(self, path: Path, key: AESGCM, audit_id: str):
        self.audit_id = audit_id
        self._db, self._storage = _open(path, key)
        self.events: list[DomainEvent] = []
        self.ids: dict[str, DomainEvent] = {}
        self.through = 0
        self._unsaved: list[dict[str, Any]] = []
        state = self._db.table("state").all()
        if state:
            self.through = int(state[0]["through"])
            if state[0]["audit_id"] != audit_id:
                raise StoreCorruptError(path, "the view belongs to another audit")
        # Read the raw table rather than `table.all()`: opening a 20,000-event audit is on the UI's path.
        raw = (self._storage.read() or {}).get("events", {})
        try:
            for doc in raw.values():
                event = _trusted_event(doc)
                self.events.append(event)
                self.ids[event.event_id] = event
        except (KeyError, ValueError, TypeError) as exc:
            raise StoreCorruptError(path, f"malformed event in the view ({exc})") from exc

    def add(self, event: DomainEvent, doc: dict[str, Any]) -> bool:
        """Take an event into the view (in memory); False when it was already there."""
        if event.event_id in self.ids:
            return False
        self.events.append(event)
        self.ids[event.event_id] = event
        self._unsaved.append(doc)
        return True

    def by_id(self, event_id: str) -> DomainEvent:
        """The stored event with this id (the outbox holds ids only)."""
        return self.ids[event_id]

    @property
    def dirty(self) -> bool:
        """Whether the view holds events its file does not (including after a failed checkpoint)."""
        return bool(self._unsaved) or self._storage.dirty

    def save(self, through: int) -> None:
        """Checkpoint: write the file with every event of the journal before `through`."""
        if self._unsaved:
            self._db.table("events").insert_multiple(self._unsaved)
            self._unsaved = []
        state = self._db.table("state")
        state.truncate()
        state.insert({"audit_id": self.audit_id, "through": through})
        self._storage.flush()
        self.through = through


class DeviceView:
    """Everything that is not an audit's events: settings, outbox queue, per-device sequence, clock."""

    def __init__(self, path: Path, key: AESGCM):
        self._db, self._storage = _open(path, key)
        # Raw tables rather than `table.all()`: the outbox of a long offline day holds thousands of ids.
        tables = self._storage.read() or {}

        def rows(name: str) -> list[dict[str, Any]]:
            return list(tables.get(name, {}).values())

        try:
            state = rows("state")
            self.through = int(state[0]["through"]) if state else 0
            self.last_hlc: str | None = state[0].get("last_hlc") if state else None
            self.settings: dict[str, str] = {d["k"]: d["v"] for d in rows("settings")}
            # event id -> audit id, in queue order (dicts keep insertion order)
            self.outbox: dict[str, str] = {d["id"]: d["audit"] for d in rows("outbox")}
            self.seqs: dict[str, int] = {d["device"]: int(d["seq"]) for d in rows("devices")}
            self.audits: list[str] = [d["audit_id"] for d in rows("audits")]
        except (KeyError, ValueError, TypeError, AttributeError) as exc:
            raise StoreCorruptError(path, f"malformed device state in the view ({exc})") from exc

    def save(self, through: int) -> None:
        """Checkpoint: rewrite the small device state with everything before `through`."""
        self._db.drop_tables()
        self._db.table("state").insert({"through": through, "last_hlc": self.last_hlc})
        self._insert("settings", ({"k": k, "v": v} for k, v in self.settings.items()))
        self._insert("outbox", ({"id": i, "audit": a} for i, a in self.outbox.items()))
        self._insert("devices", ({"device": d, "seq": s} for d, s in self.seqs.items()))
        self._insert("audits", ({"audit_id": a} for a in self.audits))
        self._storage.flush()
        self.through = through

    def _insert(self, table: str, docs: Iterable[dict[str, Any]]) -> None:
        rows = list(docs)
        if rows:
            self._db.table(table).insert_multiple(rows)
