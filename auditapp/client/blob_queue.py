"""Photos waiting for upload: encrypted with their own key, kept as ciphertext files until the store has them.

The plaintext never leaves the encrypted field store; what is queued here is AES-256-GCM ciphertext under a
random key that the caller puts in the event referencing the photo (so it travels sealed). The list of
pending blob ids lives in the encrypted settings, so it survives restarts with the rest of the outbox.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from auditapp.services.ports import Settings
from sync.blobs import check_blob_id, encrypt_blob
from sync.keys import b64encode

PENDING_KEY = "sync.blobs_pending"


@dataclass(frozen=True)
class BlobRef:
    """What an event needs to reference an uploaded photo: its blob id and its key (base64, secret)."""

    blob_id: str
    key_b64: str


class BlobQueue:
    """sync.client.BlobSource over ciphertext files in a folder and a pending list in the settings."""

    def __init__(self, settings: Settings, folder: Path) -> None:
        self._settings = settings
        self.folder = folder
        self._lock = threading.Lock()

    def _path(self, blob_id: str) -> Path:
        return self.folder / f"{check_blob_id(blob_id)}.blob"

    def _pending(self) -> list[str]:
        raw = self._settings.get(PENDING_KEY)
        return list(json.loads(raw)) if raw else []

    def queue(self, plaintext: bytes) -> BlobRef:
        """Encrypt bytes under a fresh key, keep the ciphertext on disk and queue it for upload."""
        blob = encrypt_blob(plaintext)
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        target = self._path(blob.blob_id)
        temporary = target.with_suffix(".tmp")
        with temporary.open("wb") as handle:
            handle.write(blob.ciphertext)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
        with self._lock:
            pending = self._pending()
            if blob.blob_id not in pending:
                pending.append(blob.blob_id)
                self._settings.put(PENDING_KEY, json.dumps(pending))
        return BlobRef(blob.blob_id, b64encode(blob.key))

    # ------------------------------------------------------------------ BlobSource
    def pending_blobs(self) -> list[str]:
        """Ids of blobs the store has not confirmed yet, oldest first."""
        with self._lock:
            return self._pending()

    def blob_size(self, blob_id: str) -> int:
        """Size of the blob's ciphertext in bytes."""
        return self._path(blob_id).stat().st_size

    def read_blob(self, blob_id: str, offset: int, length: int) -> bytes:
        """A range of the ciphertext, read from disk (a photo is never loaded whole to upload it)."""
        with self._path(blob_id).open("rb") as handle:
            handle.seek(offset)
            return handle.read(length)

    def mark_uploaded(self, blob_id: str) -> None:
        """The store holds the whole blob: forget it here."""
        with self._lock:
            pending = [item for item in self._pending() if item != blob_id]
            self._settings.put(PENDING_KEY, json.dumps(pending))
        self._path(blob_id).unlink(missing_ok=True)
