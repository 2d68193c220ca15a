"""Photos waiting for upload: encrypted with their own key, kept as ciphertext files until the store has them.

The plaintext never leaves the encrypted field store; what is queued here is AES-256-GCM ciphertext under a
random key that the caller puts in the event referencing the photo (so it travels sealed, and the key is
kept only in the encrypted journal). The folder itself is the queue, so it survives restarts and several
queue objects over one folder (the capture side and the sync agent) never lose each other's updates:

    <blob id>.blob      ciphertext waiting for upload, written and fsync'd before the event is recorded
    <blob id>.started   an upload of it was started: after a cut or a restart, ask the store what it holds

A blob is queued before the event that refers to it is recorded. A crash between the two leaves a blob no
event refers to, whose key was never kept: the first sync round after the workspace is opened again takes
such blobs out of the queue (`withdraw_orphans`), so that unreadable ciphertext is never uploaded.
"""

from __future__ import annotations

import contextlib
import logging
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

from auditapp.domain.payloads import photo_blob_ids
from auditapp.services.ports import PhotoStore
from auditapp.services.workspace import WorkspaceStore
from auditapp.store.errors import StoreError, photo_not_saved
from sync.blobs import check_blob_id, encrypt_blob
from sync.keys import b64encode

BLOB_SUFFIX = ".blob"
STARTED_SUFFIX = ".started"
QUEUE_FOLDER = "sync-blobs"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BlobRef:
    """What an event needs to reference an uploaded photo: its blob id and its key (base64, secret)."""

    blob_id: str
    key_b64: str


def blob_queue_for(store: object) -> BlobQueue | None:
    """The upload queue of a workspace store (a folder beside its files); None for a store without one."""
    folder = getattr(store, "folder", None)
    return BlobQueue(Path(folder) / QUEUE_FOLDER) if folder is not None else None


def _not_queued(folder: Path, exc: OSError) -> StoreError:
    """The error for a photo that could not be queued for upload."""
    return photo_not_saved(f"could not queue a photo for upload in {folder}", exc)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class BlobQueue:
    """sync.client.BlobSource over ciphertext files in a folder of the workspace."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, blob_id: str, suffix: str = BLOB_SUFFIX) -> Path:
        return self.folder / f"{check_blob_id(blob_id)}{suffix}"

    def queue(self, plaintext: bytes) -> BlobRef:
        """Encrypt bytes under a fresh key, keep the ciphertext on disk (durably) and queue it for upload.

        A write that fails (a full tablet) is a StoreError in plain words and leaves no file of this call
        behind: neither its half-written temp file nor a blob no event will ever refer to.
        """
        blob = encrypt_blob(plaintext)
        target = self._path(blob.blob_id)
        temporary = self.folder / f".{uuid.uuid4().hex}.tmp"
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            with temporary.open("wb") as handle:
                handle.write(blob.ciphertext)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, target)
            _fsync_dir(self.folder)
        except OSError as exc:
            # The blob id comes from a fresh random key, so `target` is this call's own file.
            for leftover in (temporary, target):
                with contextlib.suppress(OSError):
                    leftover.unlink(missing_ok=True)
            raise _not_queued(self.folder, exc) from exc
        return BlobRef(blob.blob_id, b64encode(blob.key))

    def withdraw(self, blob_id: str) -> None:
        """Take back a queued blob that no event refers to (its photo was refused part-way), so that it is
        never uploaded; durable, so that a power cut does not bring it back."""
        self._path(blob_id).unlink(missing_ok=True)
        self._path(blob_id, STARTED_SUFFIX).unlink(missing_ok=True)
        _fsync_dir(self.folder)

    def remove_leftovers(self) -> None:
        """Delete half-written files of a queue call that a crash interrupted, and the upload marks of blobs
        withdrawn while an upload was starting (nothing refers to either)."""
        for leftover in self.folder.glob(".*.tmp"):
            leftover.unlink(missing_ok=True)
        for marker in self.folder.glob(f"*{STARTED_SUFFIX}"):
            if not marker.with_suffix(BLOB_SUFFIX).exists():
                marker.unlink(missing_ok=True)

    # ------------------------------------------------------------------ BlobSource
    def pending_blobs(self) -> list[str]:
        """Ids of blobs the store has not confirmed yet, oldest first."""
        found: list[tuple[int, str]] = []
        with contextlib.suppress(FileNotFoundError):
            for entry in os.scandir(self.folder):
                if entry.name.endswith(BLOB_SUFFIX):
                    with contextlib.suppress(FileNotFoundError):
                        found.append((entry.stat().st_mtime_ns, entry.name[: -len(BLOB_SUFFIX)]))
        return [blob_id for _, blob_id in sorted(found)]

    def blob_size(self, blob_id: str) -> int:
        """Size of the blob's ciphertext in bytes (0 when it was uploaded meanwhile)."""
        try:
            return self._path(blob_id).stat().st_size
        except FileNotFoundError:
            return 0

    def bytes_waiting(self) -> int:
        """Bytes of ciphertext still to upload, for the sync panel."""
        return sum(self.blob_size(blob_id) for blob_id in self.pending_blobs())

    def read_blob(self, blob_id: str, offset: int, length: int) -> bytes:
        """A range of the ciphertext, read from disk (a photo is never loaded whole to upload it)."""
        with self._path(blob_id).open("rb") as handle:
            handle.seek(offset)
            return handle.read(length)

    def upload_started(self, blob_id: str) -> bool:
        """Whether an upload of this blob was started before; marks it started from now on."""
        marker = self._path(blob_id, STARTED_SUFFIX)
        if marker.exists():
            return True
        # Not fsync'd: if a power cut loses the marker, the next upload starts from the first chunk
        # without asking, and the store answers chunks it holds as no-ops.
        marker.touch()
        return False

    def mark_uploaded(self, blob_id: str) -> None:
        """The store holds the whole blob: forget it here."""
        self._path(blob_id).unlink(missing_ok=True)
        self._path(blob_id, STARTED_SUFFIX).unlink(missing_ok=True)


class UploadingPhotos:
    """The workspace's PhotoStore that also queues an encrypted copy of each photo for upload.

    Implements the services' PhotoStore, PhotoUploads and UploadWithdrawal: capture keeps the photo in the
    encrypted store as before, gets the blob id and key to record in the photo's event, and takes the blobs
    back when that event is not recorded.
    """

    def __init__(self, photos: PhotoStore, queue: BlobQueue) -> None:
        self.photos = photos
        self.queue = queue
        # Blobs already queued when the store was opened: no capture of this session can be writing their
        # event, so each one that no stored event refers to was left by a crash (see withdraw_orphans).
        self.queued_at_open = frozenset(queue.pending_blobs())

    def put(self, data: bytes) -> str:
        """Keep the bytes in the encrypted photo store; returns their SHA-256 hex."""
        return self.photos.put(data)

    def get(self, digest: str) -> bytes:
        """The bytes stored under the digest."""
        return self.photos.get(digest)

    def has(self, digest: str) -> bool:
        """Whether bytes with this digest are kept."""
        return self.photos.has(digest)

    def queue_upload(self, data: bytes) -> tuple[str, str]:
        """Queue an encrypted copy for upload; returns (blob id, base64 key) for the photo's event."""
        ref = self.queue.queue(data)
        return ref.blob_id, ref.key_b64

    def withdraw_upload(self, blob_id: str) -> None:
        """Forget a queued blob that no event refers to (the photo was not recorded): never uploaded."""
        self.queue.withdraw(blob_id)

    def __getattr__(self, name: str) -> object:
        # Anything else the store's photo folder offers (a count for status screens) passes through.
        return getattr(self.photos, name)


def with_photo_uploads(store: object) -> None:
    """Make a workspace store's `photos` queue uploads too (composition root; no-op without a folder)."""
    photos = getattr(store, "photos", None)
    queue = blob_queue_for(store)
    if photos is None or queue is None or isinstance(photos, UploadingPhotos):
        return
    queue.remove_leftovers()
    store.photos = UploadingPhotos(photos, queue)  # type: ignore[attr-defined]


def withdraw_orphans(store: WorkspaceStore) -> list[str]:
    """Take out of the upload queue the blobs queued before the store was opened that no stored event
    refers to (a crash between queueing a photo and recording it); returns their ids, once per opening.

    Only blobs found at opening are candidates: a photo captured since may be queued and not recorded
    yet. In doubt (the store cannot be read) every blob stays: an unreadable upload is better than a lost
    photo.
    """
    photos = getattr(store, "photos", None)
    if not isinstance(photos, UploadingPhotos) or not photos.queued_at_open:
        return []
    candidates, photos.queued_at_open = photos.queued_at_open, frozenset()
    candidates &= set(photos.queue.pending_blobs())
    if not candidates:
        return []
    try:
        referenced = {
            blob_id
            for audit_id in store.audit_ids()
            for event in store.events(audit_id)
            for blob_id in photo_blob_ids(event.kind, event.payload)
        }
        orphans = sorted(candidates - referenced)
        for blob_id in orphans:
            photos.queue.withdraw(blob_id)
    except Exception as exc:  # sync goes on; the next opening looks again
        log.warning("could not look for photo uploads that no event refers to: %s", exc)
        return []
    if orphans:
        log.warning(
            "withdrew %d queued photo upload(s) that no event refers to (left by a crash)", len(orphans)
        )
    return orphans
