"""Photo files of the field store: one encrypted file per photo, addressed by the SHA-256 of its bytes."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
import time
from pathlib import Path

from cryptography.exceptions import InvalidTag

from auditapp.domain.errors import NotFoundError
from auditapp.store.atomic import fsync_folder, write_atomically
from auditapp.store.errors import StoreCorruptError, StoreError, photo_not_saved
from auditapp.store.keys import StoreKeys, open_sealed, seal

_DIGEST = re.compile(r"^[0-9a-f]{64}$")
log = logging.getLogger(__name__)


def _not_saved(folder: Path, exc: OSError) -> StoreError:
    """The error for a photo that could not be written to the store's folder."""
    return photo_not_saved(f"could not write a photo to {folder}", exc)


class EncryptedPhotoStore:
    """PhotoStore whose files are AES-256-GCM ciphertext under names that do not reveal the hash."""

    def __init__(self, folder: Path, keys: StoreKeys):
        self._folder = folder
        self._keys = keys
        folder.mkdir(mode=0o700, exist_ok=True)

    def _path(self, digest: str) -> Path:
        # The file name is keyed, so a thief cannot check whether a known picture is on the tablet.
        return self._folder / (self._keys.file_name("photo", digest) + ".photo")

    def put(self, data: bytes) -> str:
        """Store the bytes durably (fsync'd, atomic) and return their SHA-256 hex digest.

        A file already stored under the digest is kept when it reads back whole; a damaged one (a bad flash
        sector) is set aside under another name and written again, so attaching the photo again repairs it
        (STO-017). A write that fails (a full device) is a StoreError saying so, and leaves no temp file
        behind.
        """
        digest = hashlib.sha256(data).hexdigest()
        path = self._path(digest)
        damaged = False
        try:
            self._read(path, digest)
            return digest  # already stored and intact: one decryption, nothing written
        except NotFoundError:
            pass
        except StoreCorruptError as exc:
            log.warning("rewriting a damaged photo file: %s", exc)
            damaged = True
        try:
            if damaged:
                self._set_aside(path)
            write_atomically(path, seal(self._keys.photos, data, digest.encode("ascii")))
        except OSError as exc:
            # write_atomically removes its temp file when the write fails, not when the rename does; a
            # rename that did happen left a whole, sealed file, which is harmless and not half-written.
            with contextlib.suppress(OSError):
                path.with_name(path.name + ".tmp").unlink(missing_ok=True)
            raise _not_saved(self._folder, exc) from exc
        return digest

    def _set_aside(self, path: Path) -> None:
        """Keep a damaged file for inspection under another name; never delete what might be evidence."""
        stamp = time.strftime("%Y%m%dT%H%M%S")
        target = path.with_name(f"{path.name}.damaged-{stamp}")
        serial = 1
        while target.exists():  # damaged again within the same second: keep the earlier copy too
            target = path.with_name(f"{path.name}.damaged-{stamp}-{serial}")
            serial += 1
        path.rename(target)
        fsync_folder(path.parent)

    def get(self, digest: str) -> bytes:
        """The bytes stored under digest; NotFoundError if absent, StoreCorruptError if altered."""
        if not _DIGEST.match(digest):
            raise NotFoundError(f"no photo with SHA-256 {digest!r}: not a SHA-256 hex digest")
        return self._read(self._path(digest), digest)

    def _read(self, path: Path, digest: str) -> bytes:
        """The checked bytes of the file at path; NotFoundError if absent, StoreCorruptError if altered."""
        try:
            sealed = path.read_bytes()
        except FileNotFoundError:
            raise NotFoundError(f"no photo with SHA-256 {digest} in {self._folder}") from None
        except OSError as exc:
            raise StoreCorruptError(path, f"photo {digest} cannot be read ({exc.strerror or exc})") from None
        try:
            data = open_sealed(self._keys.photos, sealed, digest.encode("ascii"))
        except (InvalidTag, ValueError):  # ValueError: cut too short to hold even its nonce
            raise StoreCorruptError(path, f"photo {digest} fails its integrity check") from None
        if hashlib.sha256(data).hexdigest() != digest:
            raise StoreCorruptError(path, f"photo {digest} does not match its hash")
        return data

    def has(self, digest: str) -> bool:
        """Whether bytes with this digest are stored."""
        return bool(_DIGEST.match(digest)) and self._path(digest).exists()

    def count(self) -> int:
        """How many photos are stored (for status screens and tests)."""
        return sum(1 for _ in self._folder.glob("*.photo"))
