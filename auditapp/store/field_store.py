"""The field store: the tablet's durable, encrypted home of domain events, outbox, settings and photos."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import threading
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from auditapp.domain.clock import Timestamp
from auditapp.domain.events import DomainEvent
from auditapp.store.atomic import fsync_folder
from auditapp.store.errors import (
    StoreCorruptError,
    StoreError,
    StoreExistsError,
    StoreLockedError,
    StoreMissingError,
)
from auditapp.store.journal import HEADER, Journal
from auditapp.store.keys import (
    KEY_FILE,
    StoreKeys,
    new_key_file,
    new_recovery_key,
    recover_data_key,
    recovery_key_made,
    unwrap_data_key,
    with_passphrase,
    with_recovery_key,
    write_key_file,
)
from auditapp.store.photos import EncryptedPhotoStore
from auditapp.store.views import AuditView, DeviceView

log = logging.getLogger(__name__)

JOURNAL_FILE = "journal.bin"
DEVICE_VIEW = "device.view"
LOCK_FILE = "lock"
# Views are rewritten every this many journal records: rare enough that a write stays an append,
# frequent enough that reopening replays little.
CHECKPOINT_EVERY = 1000


def _lock(folder: Path) -> int:
    fd = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise StoreLockedError(folder) from None
    return fd


def _unlock(fd: int) -> None:
    try:
        fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)  # releases the lock in any case


class FieldStore:
    """EventStore, Outbox and Settings over an encrypted journal and TinyDB views; `.photos` is a PhotoStore.

    One process owns a store at a time. Every write returns only once it is on disk.
    """

    def __init__(self, folder: Path, data_key: bytes, lock_fd: int, checkpoint_every: int):
        self.folder = folder
        self._lock_fd = lock_fd
        self._data_key = data_key  # kept for re-wrapping under a new recovery key, in memory only
        self._keys = StoreKeys.from_data_key(data_key)
        self._checkpoint_every = checkpoint_every
        self._mutex = threading.RLock()
        self._audits: dict[str, AuditView] = {}
        # View files found damaged and rebuilt from the journal while this store was open (each damaged
        # file is kept beside it as *.damaged-<time>); empty normally.
        self.rebuilt_views: list[str] = []
        try:
            self._device = DeviceView(folder / DEVICE_VIEW, self._keys.view)
        except StoreCorruptError:
            # Damage, not a foreign key file nor a missing journal (the only copy of what the view held).
            Journal.check_key(folder / JOURNAL_FILE, self._keys.journal)
            self._set_aside(folder / DEVICE_VIEW)
            self._device = DeviceView(folder / DEVICE_VIEW, self._keys.view)  # empty: replays everything
        self._known_audits = dict.fromkeys(self._device.audits)
        self._checkpointed_audits = set(self._device.audits)  # their view files must exist
        # Refused, nothing written, when the journal is missing, whatever the views hold (ADR 0078).
        self._journal, scanned = Journal.open(
            folder / JOURNAL_FILE, self._keys.journal, self._device.through or HEADER
        )
        self._since_checkpoint = 0
        # Bytes of a torn last write found and cut off while opening (0 after a clean shutdown).
        self.recovered_tail_bytes = scanned.dropped_bytes
        # The first journal record before the checkpoint that fails its checks, if any (STO-016): the views
        # still hold every audit, but a view damaged later could no longer be rebuilt from the journal.
        self.journal_damage = scanned.damage
        if scanned.damage:
            log.warning("the journal of the field store in %s is damaged: %s", folder, scanned.damage)
        try:
            (folder / "audits").mkdir(mode=0o700, exist_ok=True)
            self._remove_leftovers()
            for offset, record in scanned.records:
                self._apply(offset, record)
        except BaseException:
            self._journal.close()
            raise
        self.photos = EncryptedPhotoStore(folder / "photos", self._keys)

    # ------------------------------------------------------------------ lifecycle
    @staticmethod
    def exists(folder: Path) -> bool:
        """Whether `folder` holds a field store."""
        return (Path(folder) / KEY_FILE).exists()

    @classmethod
    def create(cls, folder: Path, passphrase: str, *, checkpoint_every: int = CHECKPOINT_EVERY) -> FieldStore:
        """A new, empty store in `folder` locked by `passphrase`; StoreExistsError if one is there."""
        folder = Path(folder)
        if cls.exists(folder):
            raise StoreExistsError(folder)
        if not passphrase:
            raise StoreError("a field store needs a non-empty passphrase")
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        lock_fd = _lock(folder)
        try:
            if cls.exists(folder):
                raise StoreExistsError(folder)
            journal = folder / JOURNAL_FILE
            if journal.exists():  # left by a create that crashed before its key file: holds nothing
                journal.unlink()
            Journal.create(journal)
            data_key = new_key_file(folder, passphrase)  # written last: its presence means "a store"
            return cls(folder, data_key, lock_fd, checkpoint_every)
        except BaseException:
            _unlock(lock_fd)
            raise

    @classmethod
    def open(cls, folder: Path, passphrase: str, *, checkpoint_every: int = CHECKPOINT_EVERY) -> FieldStore:
        """Unlock the store in `folder`; WrongPassphraseError (nothing touched) or StoreLockedError."""
        folder = Path(folder)
        if not cls.exists(folder):
            raise StoreMissingError(folder)
        lock_fd = _lock(folder)
        try:
            data_key = unwrap_data_key(folder, passphrase)
            return cls(folder, data_key, lock_fd, checkpoint_every)
        except BaseException:
            _unlock(lock_fd)
            raise

    @classmethod
    def recover(
        cls, folder: Path, recovery_key: str, passphrase: str, *, checkpoint_every: int = CHECKPOINT_EVERY
    ) -> FieldStore:
        """Open the store with its recovery key and give it a new passphrase (the old one stops working);
        WrongRecoveryKeyError or NoRecoveryKeyError change nothing. The recovery key stays valid."""
        folder = Path(folder)
        if not cls.exists(folder):
            raise StoreMissingError(folder)
        if not passphrase:
            raise StoreError("the new passphrase must not be empty")
        lock_fd = _lock(folder)
        try:
            data_key = recover_data_key(folder, recovery_key)
            store = cls(folder, data_key, lock_fd, checkpoint_every)  # opens: only then the new passphrase
        except BaseException:
            _unlock(lock_fd)
            raise
        try:
            write_key_file(folder, with_passphrase(folder, data_key, passphrase))
        except BaseException:
            store.close()
            raise
        return store

    def close(self) -> None:
        """Checkpoint the views and release the store for another process.

        The close always releases the store and drops its data key (STO-014). A final checkpoint the disk
        refuses (full, failing) changes nothing that matters: the journal already holds every record and
        the next open replays it. So that failure is only logged, with no key and no audit text.
        """
        with self._mutex:
            if self._lock_fd < 0:
                return
            lock_fd, self._lock_fd = self._lock_fd, -1  # closed from here on, whatever happens next
            try:
                self._checkpoint()
            except OSError as exc:
                log.warning(
                    "closing the field store in %s: could not write its views (%s); nothing is lost, "
                    "the journal holds every record and the next unlock reads them from it",
                    self.folder,
                    exc.strerror or exc,
                )
            finally:
                self._data_key = b""
                try:
                    self._journal.close()
                except OSError as exc:  # every record was fsynced as it was written: nothing is unsaved
                    log.warning("closing the journal of the field store in %s: %s", self.folder, exc)
                finally:
                    _unlock(lock_fd)

    def __enter__(self) -> FieldStore:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def change_passphrase(self, old: str, new: str) -> None:
        """Re-wrap the data key under a new passphrase; the data files are not rewritten."""
        with self._mutex:
            self._check_open()
            if not new:
                raise StoreError("the new passphrase must not be empty")
            data_key = unwrap_data_key(self.folder, old)
            write_key_file(self.folder, with_passphrase(self.folder, data_key, new))

    def new_recovery_key(self, passphrase: str) -> str:
        """Make a new recovery key for this store and return it to be shown once; an earlier one stops
        working. The passphrase is asked again (WrongPassphraseError), so that nobody who finds the tablet
        unlocked can plant a key of their own."""
        with self._mutex:
            self._check_open()
            unwrap_data_key(self.folder, passphrase)
            recovery_key = new_recovery_key()
            made_at = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
            write_key_file(self.folder, with_recovery_key(self.folder, self._data_key, recovery_key, made_at))
            return recovery_key

    def recovery_key_made(self) -> str | None:
        """When the recovery key was made (UTC, ISO 8601); None when the store has none."""
        return recovery_key_made(self.folder)

    def checkpoint(self) -> None:
        """Write every changed view atomically, audits first, so a reopen replays only the journal tail."""
        with self._mutex:
            self._check_open()
            self._checkpoint()

    def _checkpoint(self) -> None:
        """The checkpoint itself, for a caller that holds the mutex (close runs it once marked closed)."""
        through = self._journal.end
        if through == self._device.through and not any(v.dirty for v in self._audits.values()):
            return  # nothing written since the last checkpoint
        for view in self._audits.values():
            if view.dirty:
                view.save(through)
        self._device.save(through)
        self._since_checkpoint = 0

    # ------------------------------------------------------------------ EventStore
    def append(self, events: Sequence[DomainEvent]) -> None:
        """Make own events durable and queued for sync in one journal record; returns after fsync."""
        with self._mutex:
            fresh = self._fresh(events)
            if fresh:
                self._write({"t": "a", "ev": [e.to_dict() for e in fresh]})

    def merge_remote(self, events: Sequence[DomainEvent]) -> int:
        """Store other devices' events (not queued); returns how many were new."""
        with self._mutex:
            fresh = self._fresh(events)
            if fresh:
                self._write({"t": "m", "ev": [e.to_dict() for e in fresh]})
            return len(fresh)

    def events(self, audit_id: str) -> list[DomainEvent]:
        """Every event of one audit in stored order."""
        with self._mutex:
            if audit_id not in self._known_audits:
                return []
            return list(self._audit(audit_id).events)

    def audit_ids(self) -> list[str]:
        """Audits with at least one event, in order of first appearance."""
        with self._mutex:
            return list(self._known_audits)

    def last_seq(self, device_id: str) -> int:
        """Highest sequence stored for the device, 0 when none."""
        with self._mutex:
            return self._device.seqs.get(device_id, 0)

    def last_hlc(self) -> Timestamp | None:
        """Latest clock timestamp of any stored event."""
        with self._mutex:
            text = self._device.last_hlc
            return None if text is None else Timestamp.from_text(text)

    # ------------------------------------------------------------------ Outbox
    def pending(self, limit: int = 500) -> list[DomainEvent]:
        """The oldest unsent own events, in the order they were stored (per-device sequence order)."""
        with self._mutex:
            out: list[DomainEvent] = []
            for event_id, audit_id in self._device.outbox.items():
                if len(out) >= limit:
                    break
                out.append(self._audit(audit_id).by_id(event_id))
            return out

    def acknowledge(self, event_ids: Iterable[str]) -> None:
        """Drop confirmed events from the outbox, durably (an acknowledgement is a journal record)."""
        with self._mutex:
            ids = [i for i in dict.fromkeys(event_ids) if i in self._device.outbox]
            if ids:
                self._write({"t": "k", "ids": ids})

    def pending_count(self) -> int:
        """How many events wait to be pushed."""
        with self._mutex:
            return len(self._device.outbox)

    # ------------------------------------------------------------------ Settings
    def get(self, key: str, default: str | None = None) -> str | None:
        """The value stored under key, or default."""
        with self._mutex:
            return self._device.settings.get(key, default)

    def put(self, key: str, value: str) -> None:
        """Store a small value (device id, server URL, tokens, private keys) durably and encrypted."""
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError("settings keys and values are text")
        with self._mutex:
            if self._device.settings.get(key) != value:
                self._write({"t": "s", "k": key, "v": value})

    # ------------------------------------------------------------------ internals
    def _check_open(self) -> None:
        if self._lock_fd < 0:
            raise StoreError(
                f"the field store in {self.folder} is closed",
                on_screen="this workspace is locked; unlock it again",
            )

    def _fresh(self, events: Sequence[DomainEvent]) -> list[DomainEvent]:
        self._check_open()
        fresh: dict[str, DomainEvent] = {}
        for event in events:
            if event.event_id in fresh:
                continue
            if event.audit_id in self._known_audits and event.event_id in self._audit(event.audit_id).ids:
                continue
            fresh[event.event_id] = event
        return list(fresh.values())

    def _write(self, record: dict[str, Any]) -> None:
        offset = self._journal.append(record)
        self._apply(offset, record)
        if self._since_checkpoint >= self._checkpoint_every:
            # The record is already durable in the journal: a checkpoint that fails (disk full) must not
            # make the caller believe the write failed. It is retried at the next write and on close.
            with contextlib.suppress(OSError):
                self.checkpoint()

    def _apply(self, offset: int, record: dict[str, Any]) -> None:
        """Apply one journal record to the in-memory state (live writes and replay share this)."""
        self._since_checkpoint += 1
        kind = record.get("t")
        if kind in ("a", "m"):
            device = self._device
            for doc in record["ev"]:
                event = DomainEvent.from_dict(doc)
                view = self._audit(event.audit_id)
                if offset >= view.through:
                    view.add(event, doc)
                if kind == "a" and offset >= device.through:
                    device.outbox.setdefault(event.event_id, event.audit_id)
                device.seqs[event.device_id] = max(device.seqs.get(event.device_id, 0), event.seq)
                hlc = doc["hlc"]
                if device.last_hlc is None or hlc > device.last_hlc:
                    device.last_hlc = hlc
        elif kind == "k":
            for event_id in record["ids"]:
                self._device.outbox.pop(event_id, None)
        elif kind == "s":
            self._device.settings[record["k"]] = record["v"]
        else:
            raise StoreError(
                f"unknown record kind {kind!r} at byte {offset} of {self.folder / JOURNAL_FILE}",
                on_screen=f"the workspace's file {JOURNAL_FILE} holds a record this version cannot read "
                f"(kind {kind!r} at byte {offset}); update the app",
            )

    def _audit(self, audit_id: str) -> AuditView:
        view = self._audits.get(audit_id)
        if view is None:
            path = self.folder / "audits" / (self._keys.file_name("audit", audit_id) + ".view")
            try:
                if audit_id in self._checkpointed_audits and not path.exists():
                    raise StoreCorruptError(path, "the view of a checkpointed audit is missing")
                view = AuditView(path, self._keys.view, audit_id)
            except StoreCorruptError:
                view = self._rebuild_audit(path, audit_id)
            self._audits[audit_id] = view
            if audit_id not in self._known_audits:
                self._known_audits[audit_id] = None
                self._device.audits.append(audit_id)
        return view

    def _rebuild_audit(self, path: Path, audit_id: str) -> AuditView:
        """A damaged audit view, rebuilt from the journal (which holds every event) and kept dirty."""
        records = self._journal.records()  # read first: a journal that fails too must leave the view alone
        if path.exists():
            self._set_aside(path)
        else:
            self.rebuilt_views.append(path.name)
        view = AuditView(path, self._keys.view, audit_id)
        for _, record in records:
            if record.get("t") in ("a", "m"):
                for doc in record["ev"]:
                    if doc["audit_id"] == audit_id:
                        view.add(DomainEvent.from_dict(doc), doc)
        view.through = self._journal.end
        return view

    def _set_aside(self, path: Path) -> None:
        """Keep a damaged file for inspection under another name; never delete what might be evidence."""
        path.rename(path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%dT%H%M%S')}"))
        fsync_folder(path.parent)
        self.rebuilt_views.append(path.name)

    def _remove_leftovers(self) -> None:
        # A crash during a checkpoint or photo write leaves a *.tmp ciphertext file; it is never read.
        for pattern in ("*.tmp", "audits/*.tmp", "photos/*.tmp"):
            for path in self.folder.glob(pattern):
                with contextlib.suppress(OSError):
                    path.unlink()
