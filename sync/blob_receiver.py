"""Store-side blob upload: chunks stream to a partial file; completion verifies the hash, moves it in place.

Layout under the folder (files, never database rows; no more than one chunk is ever held in memory):

    complete/ab/abcdef...        accepted blobs, immutable, named by their id
    partial/abcdef....part       the blob being uploaded, written at each chunk's offset
    partial/abcdef....meta       {"size": total, "chunk_size": n} fixed by the first chunk
    partial/abcdef....chunks     one received chunk index per line, appended after the chunk is on disk
    partial/abcdef....lock       flock taken around every change, so several API workers can share a folder
    partial/abcdef....<r>.whole  a blob sent in one piece, being written before it is linked into place

Chunks are not fsync'd one by one: a chunked blob is fsync'd once, when it is complete and its hash checked
(ADR 0045).

An upload exists only while both its `.meta` and its `.part` are there. Discarding removes `.meta` first, so
a store killed half-way through a discard leaves an upload that reads as absent; any other leftover (a
`.meta` without its `.part`, as an older version could leave, or stray `.chunks`) also reads as absent and
is replaced by the next chunk, which starts the upload afresh.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from sync.blobs import BlobStatus, check_blob_id, check_chunk_size, chunk_range
from sync.durable_write import write_new_file_durably
from sync.errors import BadChunk, BlobConflict, BlobHashMismatch, BlobIncomplete, BlobNotFound

DEFAULT_MAX_BLOB_BYTES = 1024 * 1024 * 1024
_READ_SIZE = 1024 * 1024


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sha256_hex(parts: Sequence[bytes]) -> str:
    """SHA-256 hex of the parts in order, as if joined (without joining them)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part)
    return digest.hexdigest()


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

    def _upload(self, blob_id: str) -> tuple[int, int] | None:
        """(size, chunk size) of the upload in progress; None if none or only a half-discarded one."""
        meta = self._meta(blob_id)
        if meta is None or not self._part(blob_id, "part").exists():
            return None
        return meta

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
        meta = self._upload(blob_id)
        if meta is None:
            if final.exists():  # completed by a worker (its `.part` moved into place) since the first look
                return BlobStatus(blob_id, "complete", size=final.stat().st_size)
            return BlobStatus(blob_id, "absent")
        return BlobStatus(
            blob_id, "partial", size=meta[0], chunk_size=meta[1], received=self._received(blob_id)
        )

    def write_chunk(
        self,
        blob_id: str,
        index: int,
        data: bytes | Sequence[bytes],
        *,
        total_size: int,
        chunk_size: int,
        complete: bool = False,
        data_sha256: str | None = None,
    ) -> BlobStatus:
        """Store one chunk at its offset; a chunk already received or a complete identical blob is a no-op.

        `data` is the chunk's bytes, or its parts in order as they came off the connection (they are
        written as they are, never joined into one copy). With `complete`, the blob is verified and
        accepted in the same call once no chunk is missing (the client's last chunk then costs no extra
        round trip); while chunks are missing the answer is the partial status. `data_sha256` is the
        chunk's SHA-256 hex if the caller computed it already.
        """
        check_chunk_size(chunk_size)
        if not 0 <= total_size <= self.max_blob_bytes:
            raise BadChunk(f"blob size {total_size} is over the limit of {self.max_blob_bytes} bytes")
        offset, length = chunk_range(index, total_size, chunk_size)
        parts = [data] if isinstance(data, bytes) else list(data)
        received = sum(len(part) for part in parts)
        if received != length:
            raise BadChunk(f"chunk {index} of blob {blob_id} must be {length} bytes, got {received}")
        final = self.path(blob_id)
        if final.exists():
            return self._compare_with_complete(final, blob_id, index, b"".join(parts), total_size, offset)
        if complete and length == total_size and self._upload(blob_id) is None:
            return self._accept_whole(blob_id, parts, data_sha256)
        data = b"".join(parts)  # a piece of a larger blob: written at its offset
        with self._locked(blob_id):
            if final.exists():  # completed by another worker while this one waited for the lock
                return self._compare_with_complete(final, blob_id, index, data, total_size, offset)
            meta = self._upload(blob_id)
            if meta is None:  # never started, or a leftover of a discard cut short: start afresh
                self._start(blob_id, total_size, chunk_size)
            elif meta != (total_size, chunk_size):
                raise BadChunk(
                    f"blob {blob_id} is being uploaded as {meta[0]} bytes in chunks of {meta[1]}, "
                    f"not {total_size} in chunks of {chunk_size}; ask for its status and continue",
                    details={"size": meta[0], "chunk_size": meta[1]},
                )
            if index not in self._received(blob_id):
                # No fsync per chunk: the whole file is synced once on completion, after its hash is
                # checked; a power cut before that at worst fails the hash and the blob is sent again.
                self._write_at(blob_id, offset, data)
                with self._part(blob_id, "chunks").open("a", encoding="ascii") as log:
                    log.write(f"{index}\n")
            status = self.status(blob_id)
        if complete and not status.missing():
            return self.complete(blob_id)
        return status

    def _accept_whole(self, blob_id: str, parts: list[bytes], data_sha256: str | None) -> BlobStatus:
        """A blob sent in one piece: checked from memory, written once, linked into place, never replaced."""
        digest = data_sha256 if data_sha256 is not None else sha256_hex(parts)
        if digest != blob_id:
            raise BlobHashMismatch(
                f"blob {blob_id} does not hash to its id; nothing was kept, upload it again"
            )
        final = self.path(blob_id)
        final.parent.mkdir(parents=True, exist_ok=True)
        temporary = self._partial / f"{blob_id}.{uuid.uuid4().hex}.whole"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            write_new_file_durably(fd, parts)  # data and size; the name is made durable by the dir fsync
        finally:
            os.close(fd)
        try:
            os.link(temporary, final)  # fails if another worker accepted it first: same bytes, keep theirs
        except FileExistsError:
            pass
        else:
            _fsync_dir(final.parent)
        finally:
            temporary.unlink(missing_ok=True)
        return BlobStatus(blob_id, "complete", size=sum(len(part) for part in parts))

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
        # Any leftover of an earlier upload goes first (its `.meta` before anything else, as in _discard),
        # so a crash in here never leaves a `.meta` that describes stale chunks or a missing `.part`.
        self._part(blob_id, "meta").unlink(missing_ok=True)
        self._part(blob_id, "chunks").unlink(missing_ok=True)
        with self._part(blob_id, "part").open("wb") as handle:
            handle.truncate(total_size)
        meta = self._part(blob_id, "meta.tmp")
        meta.write_text(json.dumps({"size": total_size, "chunk_size": chunk_size}), "utf-8")
        os.replace(meta, self._part(blob_id, "meta"))

    def _write_at(self, blob_id: str, offset: int, data: bytes) -> None:
        fd = os.open(self._part(blob_id, "part"), os.O_WRONLY)
        try:
            written = os.pwrite(fd, data, offset)
            while written < len(data):
                written += os.pwrite(fd, data[written:], offset + written)
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
            with part.open("rb+") as handle:
                os.fdatasync(handle.fileno())  # the one fsync of a chunked upload, before it is accepted
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
        # `.meta` first: once it is gone the upload reads as absent, so a crash after this line leaves
        # nothing a later chunk could trip over (the next chunk starts the upload afresh). The lock file
        # stays: another worker may be waiting on it.
        for suffix in ("meta", "part", "chunks"):
            self._part(blob_id, suffix).unlink(missing_ok=True)
