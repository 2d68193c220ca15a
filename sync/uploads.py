"""Blob uploads from the device: resumable, one request for a blob that fits a chunk, several blobs at once.

A blob never started goes straight to its chunks; one that may be partly stored (a cut, a restart) first
asks the store what it holds and sends only what is missing. The last chunk asks the store to accept the
blob, so a photo that fits one chunk costs one request. Several blobs upload in parallel (ADR 0045): the
store's per-blob work (hash, write, one fsync) overlaps instead of adding up.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Protocol

from sync.blobs import BlobStatus, chunk_count, chunk_range
from sync.errors import Refused, Stopped, SyncError, TransportError
from sync.progress import ProgressTracker
from sync.transport import HttpTransport

MAX_COMPLETE_ROUNDS = 3
COMPLETE_HEADER = "X-Blob-Complete"
"""Sent with the last chunk: accept the blob now if nothing is missing (saves the completion request)."""
BLOB_REFUSALS = frozenset({"bad_chunk", "blob_incomplete", "blob_hash_mismatch", "blob_conflict"})
"""Refusals about one blob, not about the device: the other blobs are still uploaded."""
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


def is_blob_refusal(exc: BaseException) -> bool:
    """A failure that concerns one blob only (the others go on); network and device failures do not."""
    if isinstance(exc, Refused):
        return exc.refusal_code in BLOB_REFUSALS
    return isinstance(exc, SyncError) and not isinstance(exc, TransportError | Stopped)


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

    def status(self, blob_id: str) -> BlobStatus:
        """What the store holds of a blob."""
        return BlobStatus.from_wire(self.transport.request("GET", blob_path(blob_id)).json())

    def upload(self, blobs: BlobSource, blob_id: str) -> BlobUpload:
        """Upload one blob from its first missing chunk on; the last chunk asks the store to accept it."""
        size = blobs.blob_size(blob_id)
        fresh = not blobs.upload_started(blob_id)
        sent = 0
        resumed_at = 0
        for round_ in range(MAX_COMPLETE_ROUNDS):
            chunk_size, missing = self.chunk_size, list(range(chunk_count(size, self.chunk_size)))
            if not (fresh and round_ == 0):
                status = self.status(blob_id)
                if status.state == "complete":
                    blobs.mark_uploaded(blob_id)
                    return BlobUpload(blob_id, sent, resumed_at, already_stored=sent == 0 and round_ == 0)
                if status.state == "partial" and status.size == size and status.chunk_size:
                    chunk_size, missing = status.chunk_size, status.missing()
                if round_ == 0 and missing:
                    resumed_at = missing[0]
            try:
                stored: BlobStatus | None = None
                for index in missing:
                    stored = self._put_chunk(blobs, blob_id, index, size, chunk_size, index == missing[-1])
                    sent += 1
                if stored is None or stored.state != "complete":
                    # A store that does not accept on the last chunk (or lost chunks): ask it to.
                    answer = self.transport.request("POST", blob_path(blob_id, "/complete"))
                    stored = BlobStatus.from_wire(answer.json())
            except Refused as refusal:
                # Chunks missing or sized otherwise at the store, or a damaged upload: look again, resend.
                if refusal.refusal_code in ("blob_incomplete", "blob_hash_mismatch", "bad_chunk"):
                    continue
                raise
            blobs.mark_uploaded(blob_id)
            return BlobUpload(blob_id, sent, resumed_at, already_stored=False)
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
        self.tracker.sent(blob_bytes=length)
        return BlobStatus.from_wire(answer.json())

    def upload_all(self, blobs: BlobSource) -> int:
        """Upload every pending blob, `parallel` at a time; returns how many the store now holds.

        A blob the store refuses (damaged on this device, say) does not hold back the others: they are
        uploaded, then the first such refusal is raised. A network failure or a refusal of the device
        itself stops the round: blobs not yet started wait for the next one.
        """
        pending = blobs.pending_blobs()
        outcomes: list[SyncError | None] = []
        if self.parallel == 1 or len(pending) <= 1:
            for blob_id in pending:
                outcomes.append(self._attempt(blobs, blob_id))
                if _fatal(outcomes[-1]):
                    break
        else:
            with ThreadPoolExecutor(self.parallel, thread_name_prefix="blob-upload") as pool:
                futures = [pool.submit(self._attempt, blobs, blob_id) for blob_id in pending]
                for future in as_completed(futures):
                    if _fatal(future.result()):
                        for other in futures:
                            other.cancel()  # not started yet: they wait for the next round
                        break
            outcomes = [future.result() for future in futures if not future.cancelled()]
        failures = [outcome for outcome in outcomes if outcome is not None]
        if failures:
            raise next((f for f in failures if _fatal(f)), failures[0])
        return len(outcomes)

    def _attempt(self, blobs: BlobSource, blob_id: str) -> SyncError | None:
        """Upload one blob; its failure, if any, as a value (so parallel uploads can be weighed). A blob
        taken out of the source while the round ran (its photo was refused) is skipped: nothing to send."""
        try:
            self.upload(blobs, blob_id)
        except SyncError as exc:
            return exc
        except FileNotFoundError:
            if blob_id in blobs.pending_blobs():
                raise
        return None


def _fatal(outcome: SyncError | None) -> bool:
    return outcome is not None and not is_blob_refusal(outcome)
