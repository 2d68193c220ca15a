"""The append-only, encrypted, fsync'd journal: the store's source of truth.

File layout: an 8-byte magic header, then records. A record is a 4-byte big-endian length L, a CRC-32 of
those 4 bytes, and L bytes of `nonce + AES-256-GCM(ciphertext + tag)` whose associated data is the record's
offset, so records cannot be moved, replayed or cut and stay valid. A record that fails its checks is a torn
last write when no valid record follows it (dropped and cut off), and damage otherwise (a clear error).
"""

from __future__ import annotations

import contextlib
import json
import os
import struct
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from auditapp.store.atomic import fsync_folder
from auditapp.store.errors import FULL_DEVICE, StoreCorruptError, StoreError
from auditapp.store.keys import NONCE_BYTES, open_sealed, seal

MAGIC = b"AAJRNL\x00\x01"
HEADER = len(MAGIC)
_PREFIX = struct.Struct(">II")  # length, crc32(length bytes)
_MIN_BODY = NONCE_BYTES + 16  # nonce + GCM tag of an empty plaintext
_MAX_BODY = 256 * 1024 * 1024


UNSURE_ON_SCREEN = (
    "Nothing more can be saved until you lock this workspace and unlock it again: that shows what was saved"
)


class JournalDamage(Exception):
    """A record in the middle of the journal fails its checks (internal; surfaced as StoreCorruptError)."""

    def __init__(self, offset: int, reason: str):
        super().__init__(f"record at byte {offset} {reason}")
        self.offset = offset


class JournalMissingError(StoreCorruptError):
    """The store's journal file is not in its folder (a copy or restore left it out): the store is refused
    until the file is put back; nothing is written in its place."""

    def __init__(self, path: Path):
        # A StoreCorruptError for whoever catches those, in words of its own: the file is not damaged.
        StoreError.__init__(
            self,
            f"the field store file {path} is missing (a copy or restore of the folder may have left it out); "
            "the store cannot be opened until that file is put back; nothing was changed",
            on_screen=f"the workspace's file {path.name} is missing from its folder (a copy or restore may "
            "have left it out); this workspace cannot be opened until that file is put back; nothing was "
            "changed",
        )
        self.path = path


@dataclass
class ScanResult:
    """Records read from a journal buffer and where the valid part ends."""

    records: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    valid_end: int = HEADER
    dropped_bytes: int = 0
    damage: str | None = None
    """The first record before the checkpoint that fails its checks (the views hold what it held), if any."""


def _aad(offset: int) -> bytes:
    return MAGIC + offset.to_bytes(8, "big")


def encode_record(key: AESGCM, offset: int, record: Mapping[str, Any]) -> bytes:
    """The bytes of one record that will start at `offset`."""
    body = seal(key, json.dumps(record, separators=(",", ":")).encode("utf-8"), _aad(offset))
    length = len(body).to_bytes(4, "big")
    return _PREFIX.pack(len(body), zlib.crc32(length)) + body


@dataclass(frozen=True)
class _Window:
    """Journal bytes from file offset `base` on, addressed by file offset."""

    data: bytes
    base: int = 0

    @property
    def end(self) -> int:
        return self.base + len(self.data)

    def prefix(self, offset: int) -> tuple[int, int]:
        length, crc = _PREFIX.unpack_from(self.data, offset - self.base)
        return int(length), int(crc)

    def slice(self, start: int, stop: int) -> bytes:
        return self.data[start - self.base : stop - self.base]


def _header_ok(length: int, crc: int) -> bool:
    return zlib.crc32(length.to_bytes(4, "big")) == crc and _MIN_BODY <= length <= _MAX_BODY


def _try_record(key: AESGCM, window: _Window, offset: int) -> tuple[int, dict[str, Any]] | str:
    """(end offset, record) when a valid record starts at offset, else why not."""
    if window.end - offset < _PREFIX.size:
        return "is cut short in its header"
    length, crc = window.prefix(offset)
    if not _header_ok(length, crc):
        return "has a damaged header"
    end = offset + _PREFIX.size + length
    if end > window.end:
        return "is cut short"
    try:
        plain = open_sealed(key, window.slice(offset + _PREFIX.size, end), _aad(offset))
    except InvalidTag:
        return "fails its authentication tag"
    try:
        record = json.loads(plain)
    except ValueError:
        return "decrypts to malformed data"
    return end, record


def _valid_record_after(key: AESGCM, window: _Window, start: int) -> int | None:
    """Offset of the first valid record after `start`, if any (only run when something failed)."""
    for candidate in range(start + 1, window.end - _PREFIX.size - _MIN_BODY + 1):
        if zlib.crc32(window.slice(candidate, candidate + 4)) != window.prefix(candidate)[1]:
            continue
        if not isinstance(_try_record(key, window, candidate), str):
            return candidate
    return None


def _check_torn(key: AESGCM, window: _Window, offset: int, reason: str) -> None:
    """Raise JournalDamage unless the failed record at `offset` can be the torn last write."""
    if window.end - offset >= _PREFIX.size:
        length, crc = window.prefix(offset)
        if _header_ok(length, crc) and offset + _PREFIX.size + length < window.end:
            # A whole record with more data after it was not the last write: damage, or a key that
            # does not belong to this journal. Never cut such a journal.
            raise JournalDamage(offset, f"{reason} and is not the last record")
    following = _valid_record_after(key, window, offset)
    if following is not None:
        raise JournalDamage(offset, f"{reason} while a valid record follows at byte {following}")


def _scan(key: AESGCM, window: _Window, start: int) -> ScanResult:
    result = ScanResult(valid_end=start)
    offset = start
    while offset < window.end:
        outcome = _try_record(key, window, offset)
        if isinstance(outcome, str):
            _check_torn(key, window, offset, outcome)
            result.dropped_bytes = window.end - offset
            break
        end, record = outcome
        result.records.append((offset, record))
        offset = end
        result.valid_end = end
    return result


def _first_damage(key: AESGCM, window: _Window, stop: int) -> str | None:
    """Check every record from the window's start up to `stop` (a checkpoint, which is always a record's
    end): header, length and authentication tag, without decoding what it holds. What is wrong with the
    first record that fails, or None when all hold."""
    offset = window.base
    while offset < stop:
        if stop - offset < _PREFIX.size:
            return f"record at byte {offset} is cut short in its header"
        length, crc = window.prefix(offset)
        if not _header_ok(length, crc):
            return f"record at byte {offset} has a damaged header"
        end = offset + _PREFIX.size + length
        if end > stop:
            return f"record at byte {offset} runs past the checkpoint at byte {stop}"
        try:
            open_sealed(key, window.slice(offset + _PREFIX.size, end), _aad(offset))
        except InvalidTag:
            return f"record at byte {offset} fails its authentication tag"
        offset = end
    return None


def scan(key: AESGCM, buffer: bytes, start: int = HEADER) -> ScanResult:
    """Read every record of a whole journal from `start`; drop a torn tail, raise JournalDamage for damage
    before the end."""
    if buffer[:HEADER] != MAGIC:
        raise JournalDamage(0, "is not a field store journal header")
    return _scan(key, _Window(buffer), start)


class Journal:
    """An open journal file: appends return only once the record is on disk (fsync)."""

    def __init__(self, path: Path, key: AESGCM, fd: int, end: int):
        self.path = path
        self._key = key
        self._fd = fd
        self.end = end
        # Set when a failed write could not be undone: what is on disk after `end` is unknown until the
        # journal is read again (reopening replays the record or cuts it off as a torn tail).
        self._unsure = False

    @classmethod
    def create(cls, path: Path) -> None:
        """Write an empty journal (just the header) durably."""
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, MAGIC)
            os.fsync(fd)
        finally:
            os.close(fd)
        fsync_folder(path.parent)

    @classmethod
    def open(cls, path: Path, key: AESGCM, start: int) -> tuple[Journal, ScanResult]:
        """Open for appending after reading the records from `start`; a torn tail is cut off durably. The
        records before `start` are checked too: `damage` in the result names the first one that fails.

        A missing journal is refused (JournalMissingError), never created here: `FieldStore.create` writes
        it before the key file, so a store without one lost it, and an empty journal in its place would
        show every audit as gone and fork from the original once that is put back (ADR 0078).
        """
        try:
            fd = os.open(path, os.O_RDWR)
        except FileNotFoundError:
            raise JournalMissingError(path) from None
        try:
            size = os.fstat(fd).st_size
            if os.pread(fd, HEADER, 0) != MAGIC:
                raise StoreCorruptError(path, "it does not start with a field store journal header")
            if start > size:
                raise StoreCorruptError(path, f"it ends at byte {size} before its checkpoint {start}")
            # The whole journal is read: the records after the checkpoint are replayed, and those before it
            # are checked, so damage to what only the views hold now is found while they still hold it.
            window = _Window(_read_from(fd, HEADER), HEADER)
            try:
                result = _scan(key, window, start)
            except JournalDamage as damage:
                raise StoreCorruptError(path, str(damage)) from None
            result.damage = _first_damage(key, window, start)
            if result.dropped_bytes:
                os.ftruncate(fd, result.valid_end)
                os.fsync(fd)
        except BaseException:
            os.close(fd)
            raise
        return cls(path, key, fd, result.valid_end), result

    @staticmethod
    def check_key(path: Path, key: AESGCM) -> None:
        """StoreCorruptError unless the journal is there and its first record (if any) opens with this key."""
        try:
            head = path.read_bytes()[: HEADER + _PREFIX.size + _MAX_BODY]
        except FileNotFoundError:
            raise JournalMissingError(path) from None
        window = _Window(head)
        if head[:HEADER] != MAGIC:
            raise StoreCorruptError(path, "it does not start with a field store journal header")
        if window.end > HEADER and _try_record(key, window, HEADER) == "fails its authentication tag":
            raise StoreCorruptError(path, "its first record does not open with this store's key file")

    def records(self, start: int = HEADER) -> list[tuple[int, dict[str, Any]]]:
        """Every record from `start` up to the last append (to rebuild a damaged view from the journal)."""
        data = bytearray()
        while len(data) < self.end - start:
            chunk = os.pread(self._fd, min(1 << 20, self.end - start - len(data)), start + len(data))
            if not chunk:
                break
            data += chunk
        try:
            return _scan(self._key, _Window(bytes(data), start), start).records
        except JournalDamage as damage:
            raise StoreCorruptError(self.path, str(damage)) from None

    def append(self, record: dict[str, Any]) -> int:
        """Write one record and fsync; returns its offset. On failure the journal is cut back to before it;
        when that fails too, every later write is refused until the workspace is opened again."""
        if self._unsure:
            raise StoreError(
                f"{self.path} is not written to after a write that could not be undone: close and open the "
                "store again",
                on_screen=UNSURE_ON_SCREEN,
            )
        offset = self.end
        data = encode_record(self._key, offset, record)
        try:
            os.lseek(self._fd, offset, os.SEEK_SET)
            view = memoryview(data)
            while view:
                view = view[os.write(self._fd, view) :]
            os.fsync(self._fd)
        except OSError as exc:
            try:
                os.ftruncate(self._fd, offset)
                cut_back = True
            except OSError:
                cut_back = False  # the record may be whole on disk and come back at the next unlock
            with contextlib.suppress(OSError):  # the cut made durable when the disk allows it
                os.fsync(self._fd)
            why = exc.strerror or str(exc)
            if not cut_back:
                self._unsure = True  # a later record would be written over this one
                raise StoreError(
                    f"could not write to {self.path}: {why}; it may have been saved (the write could not be "
                    "undone); close and open the store again",
                    on_screen=f"could not save on this device ({why}); it may have been saved. "
                    + UNSURE_ON_SCREEN,
                    may_be_saved=True,
                ) from exc
            said = f"could not save on this device ({why}); nothing was saved: try again"
            if exc.errno in FULL_DEVICE:  # in the words the photo store uses for the same cause
                said = "the tablet is full: free some space on it, then try again; nothing was saved"
            raise StoreError(
                f"could not write to {self.path}: {why}; nothing was saved", on_screen=said
            ) from exc
        self.end = offset + len(data)
        return offset

    def close(self) -> None:
        """Release the file descriptor."""
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def _read_from(fd: int, start: int) -> bytes:
    """The file's bytes from `start` to its end."""
    os.lseek(fd, start, os.SEEK_SET)
    chunks = []
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
    return b"".join(chunks)
