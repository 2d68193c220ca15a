"""Store-side blob upload: chunks stream to a partial file; completion verifies the hash, moves it in place.

Layout under the folder (files, never database rows; a blob is never held whole in memory):

    complete/ab/abcdef...        accepted blobs, immutable, named by their id
    partial/abcdef....part       the blob being uploaded, written at each chunk's offset
    partial/abcdef....meta       {"size": total, "chunk_size": n} fixed by the first chunk
    partial/abcdef....chunks     one received chunk index per line, appended after the chunk is on disk
    partial/abcdef....lock       flock taken around every change, so several API workers can share a folder
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from sync.blobs import BlobStatus, check_blob_id, check_chunk_size, chunk_range
from sync.errors import BadChunk, BlobConflict, BlobHashMismatch, BlobIncomplete, BlobNotFound

DEFAULT_MAX_BLOB_BYTES = 1024 * 1024 * 1024
_READ_SIZE = 1024 * 1024


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class BlobReceiver:
    """Receives chunked blob uploads into a folder and accepts a blob only when its SHA-256 is its id."""

    def __init__(self, folder: Path | str, *, max_blob_bytes: int = DEFAULT_MAX_BLOB_BYTES) -> None:
        self.folder = Path(folder)
        self.max_blob_bytes = max_blob_bytes
        self._complete = self.folder / "complete"
        self._partial = self.folder / "partial"
        self._complete.mkdir(parents=True, exist_ok=True)
        self._partial.mkdir(parents=True, exist_ok=True)

    def path(self, blob_id: str) -> Path:
        """Where the accepted blob lives (whether or not it exists yet)."""
        check_blob_id(blob_id)
        return self._complete / blob_id[:2] / blob_id

    def open_blob(self, blob_id: str) -> BinaryIO:
        """Open an accepted blob for reading (to serve it); BlobNotFound if it is not complete."""
        try:
            return self.path(blob_id).open("rb")
        except FileNotFoundError as exc:
            raise BlobNotFound(f"blob {blob_id} is not stored") from exc

    def _part(self, blob_id: str, suffix: str) -> Path:
        return self._partial / f"{blob_id}.{suffix}"

    @contextlib.contextmanager
    def _locked(self, blob_id: str) -> Iterator[None]:
        with self._part(blob_id, "lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _meta(self, blob_id: str) -> tuple[int, int] | None:
        try:
            value = json.loads(self._part(blob_id, "meta").read_text("utf-8"))
        except FileNotFoundError:
            return None
        return int(value["size"]), int(value["chunk_size"])

    def _received(self, blob_id: str) -> tuple[int, ...]:
        try:
            text = self._part(blob_id, "chunks").read_text("ascii")
        except FileNotFoundError:
            return ()
        # Only lines with their newline count: a line being appended right now is not yet complete.
        return tuple(sorted({int(line) for line in text.split("\n")[:-1] if line}))

    def status(self, blob_id: str) -> BlobStatus:
        """What is stored of a blob: complete (with its size), partial (received chunks) or absent."""
        final = self.path(blob_id)
        if final.exists():
            return BlobStatus(blob_id, "complete", size=final.stat().st_size)
        meta = self._meta(blob_id)
        if meta is None:
            return BlobStatus(blob_id, "absent")
        return BlobStatus(
            blob_id, "partial", size=meta[0], chunk_size=meta[1], received=self._received(blob_id)
        )

    def write_chunk(
        self, blob_id: str, index: int, data: bytes, *, total_size: int, chunk_size: int
    ) -> BlobStatus:
        """Store one chunk at its offset; a chunk already received or a complete identical blob is a no-op."""
        check_chunk_size(chunk_size)
        if not 0 <= total_size <= self.max_blob_bytes:
            raise BadChunk(f"blob size {total_size} is over the limit of {self.max_blob_bytes} bytes")
        offset, length = chunk_range(index, total_size, chunk_size)
        if len(data) != length:
            raise BadChunk(f"chunk {index} of blob {blob_id} must be {length} bytes, got {len(data)}")
        final = self.path(blob_id)
        if final.exists():
            return self._compare_with_complete(final, blob_id, index, data, total_size, offset)
        with self._locked(blob_id):
            if final.exists():  # completed by another worker while this one waited for the lock
                return self._compare_with_complete(final, blob_id, index, data, total_size, offset)
            meta = self._meta(blob_id)
            if meta is None:
                self._start(blob_id, total_size, chunk_size)
            elif meta != (total_size, chunk_size):
                raise BadChunk(
                    f"blob {blob_id} is being uploaded as {meta[0]} bytes in chunks of {meta[1]}, "
                    f"not {total_size} in chunks of {chunk_size}; ask for its status and continue",
                    details={"size": meta[0], "chunk_size": meta[1]},
                )
            if index not in self._received(blob_id):
                self._write_at(blob_id, offset, data)
                with self._part(blob_id, "chunks").open("a", encoding="ascii") as log:
                    log.write(f"{index}\n")
                    log.flush()
                    os.fsync(log.fileno())
        return self.status(blob_id)

    def _compare_with_complete(
        self, final: Path, blob_id: str, index: int, data: bytes, total_size: int, offset: int
    ) -> BlobStatus:
        with final.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            handle.seek(offset)
            same = size == total_size and handle.read(len(data)) == data
        if not same:
            raise BlobConflict(
                f"blob {blob_id} is already stored with different content; stored blobs never change",
                details={"index": index},
            )
        return BlobStatus(blob_id, "complete", size=size)

    def _start(self, blob_id: str, total_size: int, chunk_size: int) -> None:
        with self._part(blob_id, "part").open("wb") as handle:
            handle.truncate(total_size)
        self._part(blob_id, "chunks").unlink(missing_ok=True)
        meta = self._part(blob_id, "meta.tmp")
        meta.write_text(json.dumps({"size": total_size, "chunk_size": chunk_size}), "utf-8")
        os.replace(meta, self._part(blob_id, "meta"))

    def _write_at(self, blob_id: str, offset: int, data: bytes) -> None:
        fd = os.open(self._part(blob_id, "part"), os.O_WRONLY)
        try:
            written = os.pwrite(fd, data, offset)
            while written < len(data):
                written += os.pwrite(fd, data[written:], offset + written)
            os.fsync(fd)
        finally:
            os.close(fd)

    def complete(self, blob_id: str) -> BlobStatus:
        """Verify the whole blob's SHA-256 against its id and move it into place; idempotent once complete."""
        final = self.path(blob_id)
        if final.exists():
            return self.status(blob_id)
        with self._locked(blob_id):
            if final.exists():
                return self.status(blob_id)
            status = self.status(blob_id)
            if status.state == "absent":
                raise BlobNotFound(f"no upload of blob {blob_id} was started")
            missing = status.missing()
            if missing:
                raise BlobIncomplete(
                    f"blob {blob_id} still misses {len(missing)} chunk(s), first {missing[0]}",
                    details={"next_missing": missing[0], "missing": missing[:100]},
                )
            part = self._part(blob_id, "part")
            if self._sha256(part) != blob_id:
                self._discard(blob_id)
                raise BlobHashMismatch(
                    f"blob {blob_id} does not hash to its id; the partial upload was discarded, "
                    "upload it again"
                )
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(part, final)
            _fsync_dir(final.parent)
            self._discard(blob_id)
        return self.status(blob_id)

    @staticmethod
    def _sha256(path: Path) -> str:
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            while block := handle.read(_READ_SIZE):
                digest.update(block)
        return digest.hexdigest()

    def _discard(self, blob_id: str) -> None:
        # The lock file stays: another worker may be waiting on it.
        for suffix in ("part", "meta", "chunks"):
            self._part(blob_id, suffix).unlink(missing_ok=True)
