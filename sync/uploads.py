"""Blob uploads from the device: resumable, one request for a blob that fits a chunk, several blobs at once.

A blob never started goes straight to its chunks; one that may be partly stored (a cut, a restart) first
asks the store what it holds and sends only what is missing. The last chunk asks the store to accept the
blob, so a photo that fits one chunk costs one request. Several blobs upload in parallel (ADR 0045): the
store's per-blob work (hash, write, one fsync) overlaps instead of adding up.

A chunk refused as too large (HTTP 413, most often a proxy's body size limit in front of the store) is sent
again in chunks half the size, down to MIN_SHRUNK_CHUNK_SIZE, and later blobs of the round start at the
smaller size. The store fixes a blob's chunk size with its first chunk, so only a blob it holds nothing of
can change size: one it holds part of continues at the store's chunk size, or fails with the 413.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Protocol

from sync.blobs import BlobStatus, chunk_count, chunk_range
from sync.errors import TOO_LARGE_CODES, Refused, Stopped, SyncError, TransportError
from sync.progress import ProgressTracker
from sync.transport import HttpTransport

log = logging.getLogger(__name__)

MAX_COMPLETE_ROUNDS = 3
COMPLETE_HEADER = "X-Blob-Complete"
"""Sent with the last chunk: accept the blob now if nothing is missing (saves the completion request)."""
MIN_SHRUNK_CHUNK_SIZE = 64 * 1024
"""The smallest chunk a 413 makes the uploader try: a proxy refusing 64 KiB bodies must be configured."""
BLOB_REFUSALS = frozenset(
    {"bad_chunk", "blob_incomplete", "blob_hash_mismatch", "blob_conflict", *TOO_LARGE_CODES}
)
"""Refusals about one blob, not about the device: the other blobs are still uploaded."""
DEVICE_REFUSALS = frozenset(
    {"revoked_device", "unknown_device", "bad_signature", "role_not_in_field", "store_keys_replaced"}
)
"""Refusals of the device itself (sync.request_auth, auditapp.central.enrollment): nothing it sends can
succeed now, so a round that meets one ends there, without pushing."""
DEFAULT_PARALLEL_UPLOADS = 4


def blob_path(blob_id: str, suffix: str = "") -> str:
    """Path of a blob endpoint (docs/sync-protocol.md)."""
    return f"/sync/v1/blobs/{blob_id}{suffix}"


class BlobSource(Protocol):
    """Encrypted blobs (photos) waiting to be uploaded, read in ranges so they are never loaded whole."""

    def pending_blobs(self) -> list[str]:
        """Ids of blobs not yet confirmed by the store, oldest first."""
        ...

    def blob_size(self, blob_id: str) -> int:
        """Size in bytes of the blob's ciphertext."""
        ...

    def read_blob(self, blob_id: str, offset: int, length: int) -> bytes:
        """`length` bytes of the ciphertext from `offset`."""
        ...

    def mark_uploaded(self, blob_id: str) -> None:
        """Record that the store holds the whole blob."""
        ...

    def upload_started(self, blob_id: str) -> bool:
        """Whether an upload of the blob was started before (so the store may hold part of it); from now
        on it has been. Kept across restarts, so only an upload that may resume asks the store first."""
        ...


@dataclass(frozen=True)
class BlobUpload:
    """What one blob upload did: chunks sent and where it resumed (0 for a fresh upload)."""

    blob_id: str
    chunks_sent: int
    resumed_at: int
    already_stored: bool


def is_device_refusal(exc: BaseException) -> bool:
    """A refusal of the device itself (revoked, unknown, not verified, no field role, store keys being
    replaced): the round ends at once. Any other failure of the blob phase still lets the changes go."""
    if isinstance(exc, Refused):
        return exc.refusal_code in DEVICE_REFUSALS
    if isinstance(exc, TransportError):
        return exc.answer_code in DEVICE_REFUSALS
    return False


def concerns_one_blob(exc: BaseException) -> bool:
    """A failure of one blob only, so the other blobs go on: the store refused that blob, or the device
    could not read it. Network failures, stops and refusals of the device or the request do not."""
    if isinstance(exc, Refused):
        return exc.refusal_code in BLOB_REFUSALS
    if not isinstance(exc, SyncError):
        return True  # reading the blob on the device (an unreadable photo file, a full disk)
    return not isinstance(exc, TransportError | Stopped)


@dataclass(frozen=True)
class _Held:
    """What the store last said it holds of a blob of `size` bytes: all of it, or chunks of a size."""

    size: int
    complete: bool = False
    chunk_size: int = 0
    received: frozenset[int] = frozenset()

    def holds(self, index: int, chunk_size: int) -> bool:
        return self.complete or (self.chunk_size == chunk_size and index in self.received)

    def byte_count(self) -> int:
        if self.complete:
            return self.size
        if not self.received:
            return 0
        count = chunk_count(self.size, self.chunk_size)
        return sum(chunk_range(i, self.size, self.chunk_size)[1] for i in self.received if 0 <= i < count)


class BlobUploader:
    """Uploads blobs of a BlobSource over a transport, reporting bytes sent to a progress tracker."""

    def __init__(
        self,
        transport: HttpTransport,
        tracker: ProgressTracker,
        *,
        chunk_size: int,
        parallel: int = DEFAULT_PARALLEL_UPLOADS,
    ) -> None:
        self.transport = transport
        self.tracker = tracker
        self.chunk_size = chunk_size
        self.parallel = max(1, parallel)
        self._lock = threading.Lock()
        self._shrunk: int | None = None  # the chunk size a 413 brought this round down to
        self._held: dict[str, _Held] = {}

    # ------------------------------------------------------------------ what the store holds
    def status(self, blob_id: str) -> BlobStatus:
        """What the store holds of a blob."""
        return BlobStatus.from_wire(self.transport.request("GET", blob_path(blob_id)).json())

    def bytes_held(self, blob_id: str, size: int) -> int:
        """Bytes of a blob of `size` bytes the store confirmed holding (its last status or chunk answer)."""
        with self._lock:
            held = self._held.get(blob_id)
        return held.byte_count() if held is not None and held.size == size else 0

    def _note(self, blob_id: str, size: int, status: BlobStatus) -> None:
        if status.state == "complete":
            held = _Held(size, complete=True)
        elif status.state == "partial" and status.size == size and status.chunk_size:
            held = _Held(size, chunk_size=status.chunk_size, received=frozenset(status.received))
        else:
            held = _Held(size)  # absent, or a partial upload of another size: nothing of this blob
        with self._lock:
            self._held[blob_id] = held

    def _holds(self, blob_id: str, index: int, chunk_size: int) -> bool:
        with self._lock:
            held = self._held.get(blob_id)
        return held is not None and held.holds(index, chunk_size)

    def _uploaded(self, blobs: BlobSource, blob_id: str) -> None:
        blobs.mark_uploaded(blob_id)
        with self._lock:
            self._held.pop(blob_id, None)

    # ------------------------------------------------------------------ chunk size
    def round_chunk_size(self) -> int:
        """Bytes per chunk of a blob started now: the configured size, or less after a 413 this round."""
        with self._lock:
            shrunk = self._shrunk
        return self.chunk_size if shrunk is None else min(self.chunk_size, shrunk)

    def _shrink(self, refused_size: int) -> None:
        smaller = max(MIN_SHRUNK_CHUNK_SIZE, refused_size // 2)
        with self._lock:
            self._shrunk = smaller if self._shrunk is None else min(self._shrunk, smaller)

    # ------------------------------------------------------------------ upload
    def upload(self, blobs: BlobSource, blob_id: str) -> BlobUpload:
        """Upload one blob from its first missing chunk on; the last chunk asks the store to accept it."""
        size = blobs.blob_size(blob_id)
        ask = blobs.upload_started(blob_id)  # the store may hold part of it: look first
        sent = 0
        resumed_at: int | None = None  # None until the store was asked what it holds
        rounds = 0
        while rounds < MAX_COMPLETE_ROUNDS:
            chunk_size = self.round_chunk_size()
            missing = list(range(chunk_count(size, chunk_size)))
            pinned = False  # the store fixed the chunk size with the first chunk it holds
            if ask:
                status = self.status(blob_id)
                self._note(blob_id, size, status)
                if status.state == "complete":
                    self._uploaded(blobs, blob_id)
                    stored_before = sent == 0 and resumed_at is None
                    return BlobUpload(blob_id, sent, resumed_at or 0, already_stored=stored_before)
                if status.state == "partial" and status.size == size and status.chunk_size:
                    chunk_size, missing, pinned = status.chunk_size, status.missing(), True
                if resumed_at is None:
                    resumed_at = missing[0] if missing else 0
            try:
                stored: BlobStatus | None = None
                for index in missing:
                    stored = self._put_chunk(blobs, blob_id, index, size, chunk_size, index == missing[-1])
                    sent += 1
                if stored is None or stored.state != "complete":
                    # A store that does not accept on the last chunk (or lost chunks): ask it to.
                    answer = self.transport.request("POST", blob_path(blob_id, "/complete"))
                    stored = BlobStatus.from_wire(answer.json())
                    self._note(blob_id, size, stored)
            except Refused as refusal:
                code = refusal.refusal_code
                if code in TOO_LARGE_CODES and not pinned and chunk_size > MIN_SHRUNK_CHUNK_SIZE:
                    # Nothing of this size reached the store: the same blob again, in smaller chunks.
                    self._shrink(chunk_size)
                    continue
                if code in TOO_LARGE_CODES and pinned:
                    log.warning(
                        "blob %s is partly stored in chunks of %d bytes, which are refused as too large; "
                        "the store keeps that chunk size, so it waits until the limit is raised",
                        blob_id,
                        chunk_size,
                    )
                if code in ("blob_incomplete", "blob_hash_mismatch", "bad_chunk"):
                    # Chunks missing or sized otherwise at the store, or a damaged upload: look again.
                    rounds += 1
                    ask = True
                    continue
                raise
            self._uploaded(blobs, blob_id)
            return BlobUpload(blob_id, sent, resumed_at or 0, already_stored=False)
        raise SyncError(f"blob {blob_id} could not be completed after {MAX_COMPLETE_ROUNDS} attempts")

    def _put_chunk(
        self, blobs: BlobSource, blob_id: str, index: int, size: int, chunk_size: int, last: bool
    ) -> BlobStatus:
        offset, length = chunk_range(index, size, chunk_size)
        headers = {
            "Content-Type": "application/octet-stream",
            "X-Blob-Size": str(size),
            "X-Chunk-Size": str(chunk_size),
        }
        if last:
            headers[COMPLETE_HEADER] = "1"
        answer = self.transport.request(
            "PUT",
            blob_path(blob_id, f"/chunks/{index}"),
            body=blobs.read_blob(blob_id, offset, length),
            headers=headers,
            # A blob in one chunk: its id is the SHA-256 of the body, no need to hash it again to sign.
            body_sha256=blob_id if length == size else None,
        )
        stored = BlobStatus.from_wire(answer.json())
        # Counted once: a chunk the store already held (sent again after a lost answer) is not progress.
        counted = self._holds(blob_id, index, chunk_size)
        self._note(blob_id, size, stored)
        if not counted and self._holds(blob_id, index, chunk_size):
            self.tracker.sent(blob_bytes=length)
        return stored

    def upload_all(self, blobs: BlobSource) -> int:
        """Upload every pending blob, `parallel` at a time; returns how many the store now holds.

        A blob that fails on its own (the store refuses it, or it cannot be read on this device) does not
        hold back the others: they are uploaded, then the first such failure is raised. A network failure
        or a refusal of the device itself stops the blobs: those not yet started wait for the next round.
        A new round starts again at the configured chunk size.
        """
        with self._lock:
            self._shrunk = None
        pending = blobs.pending_blobs()
        outcomes: list[Exception | None] = []
        if self.parallel == 1 or len(pending) <= 1:
            for blob_id in pending:
                outcomes.append(self._attempt(blobs, blob_id))
                if _stops_the_others(outcomes[-1]):
                    break
        else:
            with ThreadPoolExecutor(self.parallel, thread_name_prefix="blob-upload") as pool:
                futures = [pool.submit(self._attempt, blobs, blob_id) for blob_id in pending]
                for future in as_completed(futures):
                    if _stops_the_others(future.result()):
                        for other in futures:
                            other.cancel()  # not started yet: they wait for the next round
                        break
            outcomes = [future.result() for future in futures if not future.cancelled()]
        failures = [outcome for outcome in outcomes if outcome is not None]
        if failures:
            raise next((f for f in failures if _stops_the_others(f)), failures[0])
        return len(outcomes)

    def _attempt(self, blobs: BlobSource, blob_id: str) -> Exception | None:
        """Upload one blob; its failure, if any, as a value (so parallel uploads can be weighed). A blob
        taken out of the source while the round ran (its photo was refused) is skipped: nothing to send."""
        try:
            self.upload(blobs, blob_id)
        except FileNotFoundError as exc:
            if blob_id in blobs.pending_blobs():
                return exc
        except Exception as exc:  # a refusal, a cut, or the photo file unreadable on this device
            return exc
        return None


def _stops_the_others(outcome: Exception | None) -> bool:
    return outcome is not None and not concerns_one_blob(outcome)
