"""Blobs: encrypted with their own key, addressed by hash, split into chunks that reassemble exactly."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.blobs import (
    BlobStatus,
    blob_id_of,
    chunk_count,
    chunk_range,
    decrypt_blob,
    encrypt_blob,
    iter_chunks,
)
from sync.errors import BadChunk, BlobHashMismatch, Malformed


@pytest.mark.req("SYN-020")
@settings(max_examples=250, deadline=None)
@given(data=st.binary(max_size=5000), chunk_size=st.integers(min_value=1, max_value=700))
def test_chunks_reassemble_to_the_same_bytes(data: bytes, chunk_size: int) -> None:
    chunks = list(iter_chunks(data, chunk_size))
    assert [index for index, _ in chunks] == list(range(chunk_count(len(data), chunk_size)))
    assert all(len(chunk) <= chunk_size for _, chunk in chunks)
    assert b"".join(chunk for _, chunk in chunks) == data


@pytest.mark.req("SYN-021")
@settings(max_examples=200, deadline=None)
@given(plaintext=st.binary(max_size=3000))
def test_encrypted_blob_is_addressed_by_its_ciphertext_and_decrypts_with_its_key(plaintext: bytes) -> None:
    blob = encrypt_blob(plaintext)
    assert blob.blob_id == blob_id_of(blob.ciphertext)
    assert decrypt_blob(blob.ciphertext, blob.key, blob_id=blob.blob_id) == plaintext


def test_two_encryptions_of_one_photo_use_different_keys_and_ids() -> None:
    first, second = encrypt_blob(b"photo of the cleanroom door"), encrypt_blob(b"photo of the cleanroom door")
    assert b"cleanroom" not in first.ciphertext
    assert first.key != second.key
    assert first.blob_id != second.blob_id


def test_blob_that_does_not_match_its_id_is_refused() -> None:
    blob = encrypt_blob(b"photo")
    damaged = bytes([blob.ciphertext[0] ^ 1]) + blob.ciphertext[1:]
    with pytest.raises(BlobHashMismatch, match=blob.blob_id):
        decrypt_blob(damaged, blob.key, blob_id=blob.blob_id)
    with pytest.raises(Malformed, match="does not decrypt"):
        decrypt_blob(damaged, blob.key)


def test_key_is_not_shown_in_repr() -> None:
    blob = encrypt_blob(b"photo")
    assert blob.key.hex() not in repr(blob)
    assert "key" not in repr(blob)


def test_chunk_outside_the_blob_is_refused() -> None:
    with pytest.raises(BadChunk, match="chunk 3 is outside a blob of 3 chunks"):
        chunk_range(3, 25, 10)
    with pytest.raises(BadChunk, match="chunk size 0"):
        chunk_count(25, 0)


def test_status_knows_the_first_missing_chunk() -> None:
    status = BlobStatus("a" * 64, "partial", size=25, chunk_size=10, received=(0, 2))
    assert status.next_missing == 1
    assert status.missing() == [1]
    assert BlobStatus.from_wire(status.to_wire()) == status
    assert BlobStatus("a" * 64, "complete", size=25).next_missing is None


def test_status_response_of_the_wrong_shape_is_malformed() -> None:
    with pytest.raises(Malformed, match="blob status"):
        BlobStatus.from_wire({"state": "weird"})
