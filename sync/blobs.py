"""Photos as blobs: encrypted with their own random key, addressed by the SHA-256 of the ciphertext, chunked.

The key travels inside the sealed event that references the blob, so the store (and anyone on the way)
only ever sees ciphertext, yet can verify a blob is whole by its id. See ADR 0043 for the chunk size.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sync.errors import BadChunk, BlobHashMismatch, Malformed

BLOB_AAD = b"auditapp-blob/v1"
"""Associated data of every blob encryption: a blob cannot be passed off as another kind of ciphertext."""
NONCE_SIZE = 12
KEY_SIZE = 32
DEFAULT_CHUNK_SIZE = 2 * 1024 * 1024
"""2 MiB: a processed photo (display JPEG, at most 2048 px) fits one chunk, so it is one request; a cut
costs at most this much resent (ADR 0045)."""
MIN_CHUNK_SIZE = 1
MAX_CHUNK_SIZE = 16 * 1024 * 1024

_BLOB_ID = re.compile(r"[0-9a-f]{64}")

BlobState = Literal["absent", "partial", "complete"]


@dataclass(frozen=True)
class EncryptedBlob:
    """A blob ready to upload: its id (SHA-256 hex of the ciphertext), the ciphertext and its secret key."""

    blob_id: str
    ciphertext: bytes
    key: bytes = field(repr=False)


def blob_id_of(ciphertext: bytes) -> str:
    """The id of a blob: SHA-256 hex of its ciphertext (what the store verifies on completion)."""
    return hashlib.sha256(ciphertext).hexdigest()


def check_blob_id(blob_id: str) -> str:
    """Return the id if it is 64 lowercase hex characters; Malformed otherwise (it names a file)."""
    if not isinstance(blob_id, str) or not _BLOB_ID.fullmatch(blob_id):
        raise Malformed(f"blob id {blob_id!r} is not a SHA-256 hex digest")
    return blob_id


def encrypt_blob(plaintext: bytes, key: bytes | None = None) -> EncryptedBlob:
    """Encrypt bytes with AES-256-GCM under a fresh random key (or the given one); the nonce is prefixed."""
    key = key if key is not None else AESGCM.generate_key(bit_length=256)
    nonce = os.urandom(NONCE_SIZE)
    ciphertext = nonce + AESGCM(key).encrypt(nonce, plaintext, BLOB_AAD)
    return EncryptedBlob(blob_id=blob_id_of(ciphertext), ciphertext=ciphertext, key=key)


def decrypt_blob(ciphertext: bytes, key: bytes, *, blob_id: str | None = None) -> bytes:
    """Decrypt a blob, first checking it against its id when given; BlobHashMismatch or Malformed if bad."""
    if blob_id is not None and blob_id_of(ciphertext) != blob_id:
        raise BlobHashMismatch(f"blob {blob_id} does not match its id")
    if len(key) != KEY_SIZE or len(ciphertext) < NONCE_SIZE + 16:
        raise Malformed("blob or blob key has the wrong size")
    try:
        return AESGCM(key).decrypt(ciphertext[:NONCE_SIZE], ciphertext[NONCE_SIZE:], BLOB_AAD)
    except InvalidTag as exc:
        raise Malformed("blob does not decrypt with its key") from exc


def check_chunk_size(chunk_size: int) -> int:
    """Return the chunk size if it is within 1 byte .. 16 MiB; BadChunk otherwise."""
    if not MIN_CHUNK_SIZE <= chunk_size <= MAX_CHUNK_SIZE:
        raise BadChunk(f"chunk size {chunk_size} is not between {MIN_CHUNK_SIZE} and {MAX_CHUNK_SIZE}")
    return chunk_size


def chunk_count(total_size: int, chunk_size: int) -> int:
    """Number of chunks of a blob; an empty blob is one empty chunk so every blob has a last chunk."""
    check_chunk_size(chunk_size)
    return max(1, -(-total_size // chunk_size))


def chunk_range(index: int, total_size: int, chunk_size: int) -> tuple[int, int]:
    """(offset, length) of chunk `index`; BadChunk when the index is outside the blob."""
    count = chunk_count(total_size, chunk_size)
    if not 0 <= index < count:
        raise BadChunk(f"chunk {index} is outside a blob of {count} chunks")
    offset = index * chunk_size
    return offset, min(chunk_size, total_size - offset)


def iter_chunks(data: bytes, chunk_size: int) -> Iterator[tuple[int, bytes]]:
    """(index, bytes) of every chunk of data, in order."""
    for index in range(chunk_count(len(data), chunk_size)):
        offset, length = chunk_range(index, len(data), chunk_size)
        yield index, data[offset : offset + length]


@dataclass(frozen=True)
class BlobStatus:
    """What the store holds of a blob: absent, partial (with received chunks) or complete."""

    blob_id: str
    state: BlobState
    size: int | None = None
    chunk_size: int | None = None
    received: tuple[int, ...] = ()

    @property
    def next_missing(self) -> int | None:
        """First chunk index not yet received (None when complete, or when nothing is known yet)."""
        if self.state == "complete":
            return None
        if self.size is None or self.chunk_size is None:
            return 0
        have = set(self.received)
        return next((i for i in range(chunk_count(self.size, self.chunk_size)) if i not in have), None)

    def missing(self) -> list[int]:
        """Every chunk index not yet received, in order (empty when complete)."""
        if self.state == "complete" or self.size is None or self.chunk_size is None:
            return []
        have = set(self.received)
        return [i for i in range(chunk_count(self.size, self.chunk_size)) if i not in have]

    def to_wire(self) -> dict[str, Any]:
        """JSON body of the blob status response (docs/sync-protocol.md, "blobs")."""
        return {
            "blob_id": self.blob_id,
            "state": self.state,
            "size": self.size,
            "chunk_size": self.chunk_size,
            "received": list(self.received),
            "next_missing": self.next_missing,
        }

    @classmethod
    def from_wire(cls, value: Any) -> BlobStatus:
        """Parse a blob status response; Malformed when it does not have the documented shape."""
        try:
            state = value["state"]
            if state not in ("absent", "partial", "complete"):
                raise ValueError(state)
            size, chunk_size = value["size"], value["chunk_size"]
            if (size is not None and not isinstance(size, int)) or (
                chunk_size is not None and not isinstance(chunk_size, int)
            ):
                raise ValueError("sizes")
            return cls(
                blob_id=check_blob_id(value["blob_id"]),
                state=state,
                size=size,
                chunk_size=chunk_size,
                received=tuple(int(i) for i in value["received"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise Malformed("blob status response does not have the documented fields") from exc
