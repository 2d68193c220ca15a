"""The device side of sync: push the outbox, upload blobs resumably, pull what is addressed to the device.

Capture never waits for this: the client reads the outbox and blob source through small protocols that the
field app implements over its local store, and acknowledges only what the store confirmed.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from sync.batch import Record
from sync.blobs import DEFAULT_CHUNK_SIZE, BlobStatus, check_chunk_size, chunk_count, chunk_range
from sync.envelope import DEFAULT_MAX_ENVELOPE_BYTES, open_pull_response, seal
from sync.errors import Refused, Stopped, SyncError, TransportError, plain_words
from sync.keys import DeviceKeys, PublicKeys
from sync.progress import ProgressTracker, SyncProgress
from sync.request_auth import PullRequest
from sync.transport import HttpTransport

log = logging.getLogger(__name__)

ENVELOPE_TYPE = "application/vnd.auditapp.envelope"
PUSH_PATH = "/sync/v1/push"
PULL_PATH = "/sync/v1/pull"
MAX_PULL_ROUNDS = 100
MAX_COMPLETE_ROUNDS = 3
BLOB_REFUSALS = frozenset({"bad_chunk", "blob_incomplete", "blob_hash_mismatch", "blob_conflict"})
"""Refusals about one blob, not about the device: the other blobs are still uploaded."""
COMPLETE_HEADER = "X-Blob-Complete"
"""Sent with the last chunk: accept the blob now if nothing is missing (saves the completion request)."""


def blob_path(blob_id: str, suffix: str = "") -> str:
    """Path of a blob endpoint (docs/sync-protocol.md)."""
    return f"/sync/v1/blobs/{blob_id}{suffix}"


class RecordOutbox(Protocol):
    """Events waiting to be pushed, as opaque records; survives restarts."""

    def pending(self, limit: int) -> Sequence[tuple[str, int, bytes]]:
        """The oldest unacknowledged records (event id, sequence number, body), in sequence order."""
        ...

    def acknowledge(self, event_ids: Iterable[str]) -> None:
        """Forget records the store confirmed it holds."""
        ...

    def pending_count(self) -> int:
        """How many records are waiting."""
        ...


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


class CursorStore(Protocol):
    """Where the device keeps its pull cursor (an opaque text from the store)."""

    def get_cursor(self) -> str | None:
        """The last cursor stored, None before the first pull."""
        ...

    def put_cursor(self, cursor: str) -> None:
        """Store the cursor durably, after the pulled records are stored."""
        ...


PulledHandler = Callable[[list[Record]], None]
"""Receives pulled records; must store them durably before returning (the cursor advances afterwards)."""


@dataclass(frozen=True)
class PushResult:
    """What one push round did."""

    sent: int
    acknowledged: int
    new: int
    duplicates: int


@dataclass(frozen=True)
class BlobUpload:
    """What one blob upload did: chunks sent and where it resumed (0 for a fresh upload)."""

    blob_id: str
    chunks_sent: int
    resumed_at: int
    already_stored: bool


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class SyncClient:
    """Pushes a device's records and blobs to the central store and pulls what is addressed to it."""

    def __init__(
        self,
        transport: HttpTransport,
        *,
        keys: DeviceKeys,
        device_id: str,
        store_public: PublicKeys,
        outbox: RecordOutbox,
        blobs: BlobSource | None = None,
        cursor: CursorStore | None = None,
        on_pulled: PulledHandler | None = None,
        batch_size: int = 500,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        max_pull_bytes: int = DEFAULT_MAX_ENVELOPE_BYTES,
        max_push_bytes: int = DEFAULT_MAX_ENVELOPE_BYTES,
        clock: Callable[[], str] = _now,
        new_id: Callable[[], str] = lambda: str(uuid.uuid4()),
    ) -> None:
        self.transport = transport
        self.keys = keys
        self.device_id = device_id
        self.store_public = store_public
        self.outbox = outbox
        self.blobs = blobs
        self.cursor = cursor
        self.on_pulled = on_pulled
        self.batch_size = batch_size
        self.chunk_size = check_chunk_size(chunk_size)
        self.max_pull_bytes = max_pull_bytes
        self.max_push_bytes = max_push_bytes
        self._clock = clock
        self._new_id = new_id
        self.tracker = ProgressTracker(clock)
        self._lock = threading.Lock()
        previous = transport.on_retry
        transport.on_retry = self._on_retry if previous is None else previous

    # ------------------------------------------------------------------ progress
    def _on_retry(self, attempt: int, reason: str, delay: float) -> None:
        self.tracker.failed(plain_words("unavailable", reason))

    def progress(self) -> SyncProgress:
        """Events and bytes waiting, last success and last error in plain words, for the sync indicator."""
        events = self.outbox.pending_count()
        bytes_waiting = 0
        if self.blobs is not None:
            bytes_waiting = sum(self.blobs.blob_size(blob_id) for blob_id in self.blobs.pending_blobs())
        return self.tracker.snapshot(events_waiting=events, bytes_waiting=bytes_waiting)

    # ------------------------------------------------------------------ push
    def push_once(self) -> PushResult:
        """Seal and send up to batch_size pending records; acknowledge what the store confirmed."""
        records = [Record(*item) for item in self.outbox.pending(self.batch_size)]
        if not records:
            return PushResult(0, 0, 0, 0)
        while True:
            envelope = seal(
                records,
                sender=self.keys,
                device_id=self.device_id,
                recipient_x25519_public=self.store_public.receiving,
                envelope_id=self._new_id(),
                created_at=self._clock(),
            )
            if len(envelope) > self.max_push_bytes and len(records) > 1:
                records = self._halve(records)
                continue
            try:
                answer = self.transport.request(
                    "POST", PUSH_PATH, body=envelope, headers={"Content-Type": ENVELOPE_TYPE}
                ).json()
                break
            except Refused as refusal:
                if refusal.refusal_code == "too_large" and len(records) > 1:
                    records = self._halve(records)
                    continue
                raise
        sent_ids = {record.event_id for record in records}
        acknowledged = [eid for eid in answer.get("acknowledged", []) if eid in sent_ids]
        self.outbox.acknowledge(acknowledged)
        self.tracker.sent(events=len(acknowledged))
        return PushResult(
            sent=len(records),
            acknowledged=len(acknowledged),
            new=int(answer.get("new", 0)),
            duplicates=int(answer.get("duplicates", 0)),
        )

    def _halve(self, records: list[Record]) -> list[Record]:
        # Send the older half now; the rest stays pending for the next round, in smaller batches.
        half = records[: len(records) // 2]
        self.batch_size = max(1, len(half))
        return half

    def push_all(self) -> int:
        """Push until the outbox is empty (or nothing more is acknowledged); returns records acknowledged."""
        total = 0
        while True:
            result = self.push_once()
            total += result.acknowledged
            if result.sent == 0 or result.acknowledged == 0:
                return total

    # ------------------------------------------------------------------ blobs
    def blob_status(self, blob_id: str) -> BlobStatus:
        """What the store holds of a blob."""
        return BlobStatus.from_wire(self.transport.request("GET", blob_path(blob_id)).json())

    def upload_blob(self, blob_id: str) -> BlobUpload:
        """Upload a blob from its first missing chunk on; the last chunk asks the store to accept it.

        A blob never started goes straight to its chunks (a photo that fits one chunk is one request);
        one that may be partly stored (a cut, a restart) first asks the store what it holds.
        """
        if self.blobs is None:
            raise SyncError("this client has no blob source")
        size = self.blobs.blob_size(blob_id)
        fresh = not self.blobs.upload_started(blob_id)
        sent = 0
        resumed_at = 0
        for round_ in range(MAX_COMPLETE_ROUNDS):
            if fresh and round_ == 0:
                chunk_size, missing = self.chunk_size, list(range(chunk_count(size, self.chunk_size)))
            else:
                status = self.blob_status(blob_id)
                if status.state == "complete":
                    self.blobs.mark_uploaded(blob_id)
                    return BlobUpload(blob_id, sent, resumed_at, already_stored=sent == 0 and round_ == 0)
                if status.state == "partial" and status.size == size and status.chunk_size:
                    chunk_size, missing = status.chunk_size, status.missing()
                else:
                    chunk_size, missing = self.chunk_size, list(range(chunk_count(size, self.chunk_size)))
                if round_ == 0 and missing:
                    resumed_at = missing[0]
            try:
                stored: BlobStatus | None = None
                for index in missing:
                    stored = self._put_chunk(blob_id, index, size, chunk_size, last=index == missing[-1])
                    sent += 1
                if stored is None or stored.state != "complete":
                    # A store that does not accept on the last chunk (or chunks it lost): ask it to.
                    stored = BlobStatus.from_wire(
                        self.transport.request("POST", blob_path(blob_id, "/complete")).json()
                    )
            except Refused as refusal:
                # Chunks missing or sized otherwise at the store, or a damaged upload: look again, resend.
                if refusal.refusal_code in ("blob_incomplete", "blob_hash_mismatch", "bad_chunk"):
                    continue
                raise
            self.blobs.mark_uploaded(blob_id)
            return BlobUpload(blob_id, sent, resumed_at, already_stored=False)
        raise SyncError(f"blob {blob_id} could not be completed after {MAX_COMPLETE_ROUNDS} attempts")

    def _put_chunk(self, blob_id: str, index: int, size: int, chunk_size: int, *, last: bool) -> BlobStatus:
        assert self.blobs is not None
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
            body=self.blobs.read_blob(blob_id, offset, length),
            headers=headers,
            # A blob in one chunk: its id is the SHA-256 of the body, no need to hash it again to sign.
            body_sha256=blob_id if length == size else None,
        )
        self.tracker.sent(blob_bytes=length)
        return BlobStatus.from_wire(answer.json())

    def upload_pending_blobs(self) -> int:
        """Upload every pending blob; returns how many the store now holds.

        A blob the store refuses (damaged on this device, say) does not hold back the others: they are
        uploaded, then the first such refusal is raised. Network failures and refusals of the device
        itself stop the round at once.
        """
        if self.blobs is None:
            return 0
        done = 0
        failed: SyncError | None = None
        for blob_id in self.blobs.pending_blobs():
            try:
                self.upload_blob(blob_id)
            except Refused as refusal:
                if refusal.refusal_code not in BLOB_REFUSALS:
                    raise
                failed = failed or refusal
                continue
            except (TransportError, Stopped):
                raise
            except SyncError as exc:
                failed = failed or exc
                continue
            done += 1
        if failed is not None:
            raise failed
        return done

    # ------------------------------------------------------------------ pull
    def pull(self, limit: int = 500) -> int:
        """Fetch everything addressed to this device since its cursor; returns how many records came."""
        if self.cursor is None or self.on_pulled is None:
            return 0
        received = 0
        for _ in range(MAX_PULL_ROUNDS):
            request = PullRequest(self.device_id, self.cursor.get_cursor(), limit)
            response = self.transport.request(
                "POST", PULL_PATH, body=request.to_body(), headers={"Content-Type": "application/json"}
            )
            opened = open_pull_response(
                response.body,
                device=self.keys,
                device_id=self.device_id,
                store_signing_public=self.store_public.signing,
                max_bytes=self.max_pull_bytes,
            )
            if opened.records:
                self.on_pulled(opened.records)
                received += len(opened.records)
            assert opened.header.cursor is not None  # checked by open_pull_response
            self.cursor.put_cursor(opened.header.cursor)
            if not opened.header.more:
                break
        return received

    # ------------------------------------------------------------------ all
    def sync_once(self) -> None:
        """Blobs first (so the store has the photos findings refer to), then events, then pull.

        A blob the store refuses does not hold back the events: they are pushed and pulled all the same,
        and the blob's refusal is reported at the end of the round.
        """
        with self._lock:
            self.tracker.started()
            try:
                deferred: SyncError | None = None
                try:
                    self.upload_pending_blobs()
                except (TransportError, Stopped):
                    raise
                except Refused as refusal:
                    if refusal.refusal_code not in BLOB_REFUSALS:
                        raise
                    deferred = refusal
                except SyncError as exc:
                    deferred = exc
                self.push_all()
                self.pull()
                if deferred is not None:
                    raise deferred
            except Stopped:
                self.tracker.stopped()
                raise
            except SyncError as exc:
                code = exc.refusal_code if isinstance(exc, Refused) else exc.code
                self.tracker.failed(plain_words(code, exc.message), refused=isinstance(exc, Refused))
                raise
            self.tracker.succeeded()
