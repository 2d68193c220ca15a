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
from sync.blobs import DEFAULT_CHUNK_SIZE, BlobStatus, check_chunk_size
from sync.envelope import DEFAULT_MAX_ENVELOPE_BYTES, open_pull_response, seal
from sync.errors import (
    TOO_LARGE_CODES,
    Refused,
    Stopped,
    SyncError,
    TransportError,
    local_failure_words,
    plain_words,
)
from sync.keys import DeviceKeys, PublicKeys
from sync.progress import ProgressTracker, SyncProgress
from sync.request_auth import PullRequest
from sync.transport import HttpTransport
from sync.uploads import (
    DEFAULT_PARALLEL_UPLOADS,
    BlobSource,
    BlobUpload,
    BlobUploader,
    is_device_refusal,
)

log = logging.getLogger(__name__)

ENVELOPE_TYPE = "application/vnd.auditapp.envelope"
PUSH_PATH = "/sync/v1/push"
PULL_PATH = "/sync/v1/pull"
MAX_PULL_ROUNDS = 100


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

FailureWords = Callable[[BaseException], str]
"""The sentence a user reads for a round that failed on the device (the app knows its own errors)."""


@dataclass(frozen=True)
class PushResult:
    """What one push round did."""

    sent: int
    acknowledged: int
    new: int
    duplicates: int


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
        parallel_uploads: int = DEFAULT_PARALLEL_UPLOADS,
        clock: Callable[[], str] = _now,
        new_id: Callable[[], str] = lambda: str(uuid.uuid4()),
        failure_words: FailureWords = local_failure_words,
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
        self.tracker = ProgressTracker(clock)
        self.uploader = BlobUploader(
            transport, self.tracker, chunk_size=check_chunk_size(chunk_size), parallel=parallel_uploads
        )
        self.max_pull_bytes = max_pull_bytes
        self.max_push_bytes = max_push_bytes
        self._clock = clock
        self._new_id = new_id
        self._failure_words = failure_words
        self._lock = threading.Lock()
        previous = transport.on_retry
        transport.on_retry = self._on_retry if previous is None else previous

    # ------------------------------------------------------------------ progress
    def _on_retry(self, attempt: int, reason: str, delay: float) -> None:
        self.tracker.failed(plain_words("unavailable", reason))

    def progress(self) -> SyncProgress:
        """Events and bytes waiting, last success and last error in plain words, for the sync indicator.

        A photo partly at the store waits only for the bytes the store has not confirmed."""
        events = self.outbox.pending_count()
        bytes_waiting = 0
        if self.blobs is not None:
            for blob_id in self.blobs.pending_blobs():
                size = self.blobs.blob_size(blob_id)
                bytes_waiting += max(0, size - self.uploader.bytes_held(blob_id, size))
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
                # The store's too_large, or a proxy's 413 page: the same records in smaller batches.
                if refusal.refusal_code in TOO_LARGE_CODES and len(records) > 1:
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
    @property
    def chunk_size(self) -> int:
        """Bytes per chunk of a new blob upload (a partial one continues with the store's)."""
        return self.uploader.chunk_size

    @chunk_size.setter
    def chunk_size(self, value: int) -> None:
        self.uploader.chunk_size = check_chunk_size(value)

    def blob_status(self, blob_id: str) -> BlobStatus:
        """What the store holds of a blob."""
        return self.uploader.status(blob_id)

    def upload_blob(self, blob_id: str) -> BlobUpload:
        """Upload one blob, resuming where the store stands (sync.uploads.BlobUploader.upload)."""
        if self.blobs is None:
            raise SyncError("this client has no blob source")
        return self.uploader.upload(self.blobs, blob_id)

    def upload_pending_blobs(self) -> int:
        """Upload every pending blob, several at once; returns how many the store now holds."""
        return 0 if self.blobs is None else self.uploader.upload_all(self.blobs)

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

        Only a refusal of the device itself (revoked, unknown, no field role...) ends the round in the blob
        phase. Any other blob failure (a photo refused, a cut, a proxy's 413, a photo file unreadable here)
        does not hold back the events: they are pushed and pulled all the same, and the blob failure is
        raised at the end. Whatever ends a round, it ends as failed with its reason recorded, and the
        exception goes on to the caller (the runner backs off).
        """
        with self._lock:
            self.tracker.started()
            try:
                blob_failure: Exception | None = None
                try:
                    self.upload_pending_blobs()
                except Stopped:
                    raise
                except Exception as exc:
                    if is_device_refusal(exc):
                        raise
                    blob_failure = exc
                self.push_all()
                self.pull()
                if blob_failure is not None:
                    raise blob_failure
            except Stopped:
                self.tracker.stopped()
                raise
            except SyncError as exc:
                self.tracker.failed(plain_words(_code_of(exc), exc.message), refused=isinstance(exc, Refused))
                raise
            except BaseException as exc:  # the device's own failure (its disk, a photo file) or a bug
                self.tracker.failed(self._local_failure(exc), local=True)
                raise
            self.tracker.succeeded()

    def _local_failure(self, exc: BaseException) -> str:
        try:
            return self._failure_words(exc) or local_failure_words(exc)
        except Exception:  # the words must never hide the failure itself
            log.exception("could not word a failed sync round")
            return local_failure_words(exc)


def _code_of(exc: SyncError) -> str:
    if isinstance(exc, Refused):
        return exc.refusal_code
    if isinstance(exc, TransportError):
        return exc.answer_code or exc.code
    return exc.code
