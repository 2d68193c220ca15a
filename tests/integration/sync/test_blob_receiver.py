"""The store's blob folder: resumable chunk uploads, hash verified on completion, immutable once accepted."""

from __future__ import annotations

import random
import tempfile
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.blob_receiver import BlobReceiver
from sync.blobs import encrypt_blob, iter_chunks
from sync.errors import BadChunk, BlobConflict, BlobHashMismatch, BlobIncomplete, BlobNotFound


def upload(receiver: BlobReceiver, blob_id: str, data: bytes, chunk_size: int, order: list[int]) -> None:
    chunks = dict(iter_chunks(data, chunk_size))
    for index in order:
        receiver.write_chunk(blob_id, index, chunks[index], total_size=len(data), chunk_size=chunk_size)


@pytest.mark.req("SYN-022")
@settings(max_examples=40, deadline=None)
@given(
    plaintext=st.binary(max_size=4000),
    chunk_size=st.integers(min_value=16, max_value=1500),
    seed=st.integers(),
)
def test_chunks_in_any_order_reassemble_into_the_accepted_blob(
    plaintext: bytes, chunk_size: int, seed: int
) -> None:
    blob = encrypt_blob(plaintext)
    with tempfile.TemporaryDirectory() as folder:
        receiver = BlobReceiver(folder)
        order = [index for index, _ in iter_chunks(blob.ciphertext, chunk_size)]
        random.Random(seed).shuffle(order)
        upload(receiver, blob.blob_id, blob.ciphertext, chunk_size, order + order[:1])
        assert receiver.complete(blob.blob_id).state == "complete"
        with receiver.open_blob(blob.blob_id) as handle:
            assert handle.read() == blob.ciphertext


@pytest.mark.req("SYN-023")
def test_status_after_a_cut_points_at_the_first_missing_chunk(tmp_path: Path) -> None:
    blob = encrypt_blob(b"x" * 1000)
    receiver = BlobReceiver(tmp_path)
    upload(receiver, blob.blob_id, blob.ciphertext, 100, [0, 1, 2])
    # A new receiver on the same folder (the server restarted) still knows what it has.
    status = BlobReceiver(tmp_path).status(blob.blob_id)
    assert (status.state, status.received, status.next_missing) == ("partial", (0, 1, 2), 3)


@pytest.mark.req("SYN-024")
def test_completion_refuses_missing_chunks_and_names_the_first(tmp_path: Path) -> None:
    blob = encrypt_blob(b"x" * 1000)
    receiver = BlobReceiver(tmp_path)
    upload(receiver, blob.blob_id, blob.ciphertext, 100, [0, 2])
    with pytest.raises(BlobIncomplete, match="first 1") as caught:
        receiver.complete(blob.blob_id)
    assert caught.value.details["next_missing"] == 1


@pytest.mark.req("SYN-025")
def test_blob_whose_bytes_do_not_hash_to_its_id_is_refused_and_discarded(tmp_path: Path) -> None:
    blob = encrypt_blob(b"photo bytes" * 50)
    damaged = blob.ciphertext[:-1] + bytes([blob.ciphertext[-1] ^ 1])
    receiver = BlobReceiver(tmp_path)
    upload(receiver, blob.blob_id, damaged, 64, list(range(len(list(iter_chunks(damaged, 64))))))
    with pytest.raises(BlobHashMismatch, match="upload it again"):
        receiver.complete(blob.blob_id)
    assert receiver.status(blob.blob_id).state == "absent"
    assert not receiver.path(blob.blob_id).exists()


@pytest.mark.req("SYN-026")
def test_completed_blob_is_immutable_and_identical_reupload_is_a_no_op(tmp_path: Path) -> None:
    blob = encrypt_blob(b"photo" * 100)
    receiver = BlobReceiver(tmp_path)
    order = [index for index, _ in iter_chunks(blob.ciphertext, 128)]
    upload(receiver, blob.blob_id, blob.ciphertext, 128, order)
    receiver.complete(blob.blob_id)
    upload(receiver, blob.blob_id, blob.ciphertext, 128, order)
    assert receiver.complete(blob.blob_id).state == "complete"
    other = bytes(128)
    with pytest.raises(BlobConflict, match="stored blobs never change"):
        receiver.write_chunk(blob.blob_id, 0, other, total_size=len(blob.ciphertext), chunk_size=128)
    assert receiver.path(blob.blob_id).read_bytes() == blob.ciphertext


def test_chunk_of_the_wrong_length_or_layout_is_refused(tmp_path: Path) -> None:
    blob = encrypt_blob(b"x" * 300)
    receiver = BlobReceiver(tmp_path)
    total = len(blob.ciphertext)
    with pytest.raises(BadChunk, match="must be 100 bytes, got 99"):
        receiver.write_chunk(blob.blob_id, 0, blob.ciphertext[:99], total_size=total, chunk_size=100)
    receiver.write_chunk(blob.blob_id, 0, blob.ciphertext[:100], total_size=total, chunk_size=100)
    with pytest.raises(BadChunk, match="ask for its status") as caught:
        receiver.write_chunk(blob.blob_id, 1, blob.ciphertext[50:100], total_size=total, chunk_size=50)
    assert caught.value.details == {"size": total, "chunk_size": 100}


def test_blob_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    receiver = BlobReceiver(tmp_path, max_blob_bytes=1000)
    with pytest.raises(BadChunk, match="over the limit of 1000 bytes"):
        receiver.write_chunk("a" * 64, 0, b"x" * 10, total_size=2000, chunk_size=10)


def test_completing_an_unknown_blob_says_so(tmp_path: Path) -> None:
    with pytest.raises(BlobNotFound, match="no upload of blob"):
        BlobReceiver(tmp_path).complete("b" * 64)


def test_several_workers_writing_the_same_blob_at_once_end_with_one_whole_blob(tmp_path: Path) -> None:
    blob = encrypt_blob(bytes(range(256)) * 400)
    chunks = list(iter_chunks(blob.ciphertext, 1000))

    def worker(seed: int) -> None:
        receiver = BlobReceiver(tmp_path)  # each API worker has its own receiver on the shared folder
        order = list(chunks)
        random.Random(seed).shuffle(order)
        for index, data in order:
            receiver.write_chunk(blob.blob_id, index, data, total_size=len(blob.ciphertext), chunk_size=1000)
        receiver.complete(blob.blob_id)

    threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert BlobReceiver(tmp_path).path(blob.blob_id).read_bytes() == blob.ciphertext
    assert not list((tmp_path / "partial").glob("*.part"))


@pytest.mark.req("SYN-205")
def test_a_blob_in_one_chunk_is_accepted_in_the_same_call_and_damaged_bytes_are_not_kept(
    tmp_path: Path,
) -> None:
    blob = encrypt_blob(b"photo" * 3000)
    receiver = BlobReceiver(tmp_path)
    size = len(blob.ciphertext)
    damaged = bytearray(blob.ciphertext)
    damaged[-1] ^= 1
    with pytest.raises(BlobHashMismatch):
        receiver.write_chunk(blob.blob_id, 0, bytes(damaged), total_size=size, chunk_size=size, complete=True)
    assert receiver.status(blob.blob_id).state == "absent"
    assert list((tmp_path / "partial").iterdir()) == []  # nothing of the damaged upload is left

    accepted = receiver.write_chunk(
        blob.blob_id, 0, blob.ciphertext, total_size=size, chunk_size=size, complete=True
    )
    assert (accepted.state, accepted.size) == ("complete", size)
    again = receiver.write_chunk(
        blob.blob_id, 0, blob.ciphertext, total_size=size, chunk_size=size, complete=True
    )
    assert again.state == "complete"
    with receiver.open_blob(blob.blob_id) as handle:
        assert handle.read() == blob.ciphertext


@pytest.mark.req("SYN-205")
def test_the_last_chunk_completes_the_blob_only_when_nothing_is_missing(tmp_path: Path) -> None:
    blob = encrypt_blob(bytes(range(256)) * 40)
    receiver = BlobReceiver(tmp_path)
    chunks = dict(iter_chunks(blob.ciphertext, 1000))
    last = max(chunks)
    size = len(blob.ciphertext)
    for index in range(last - 1):
        receiver.write_chunk(blob.blob_id, index, chunks[index], total_size=size, chunk_size=1000)
    early = receiver.write_chunk(
        blob.blob_id, last, chunks[last], total_size=size, chunk_size=1000, complete=True
    )
    assert (early.state, early.next_missing) == ("partial", last - 1)
    done = receiver.write_chunk(
        blob.blob_id, last - 1, chunks[last - 1], total_size=size, chunk_size=1000, complete=True
    )
    assert done.state == "complete"
    with receiver.open_blob(blob.blob_id) as handle:
        assert handle.read() == blob.ciphertext


@pytest.mark.req("SYN-205")
@pytest.mark.parametrize("part_size", [1, 7, 4096])
def test_a_blob_received_in_many_parts_is_stored_exactly_as_sent(tmp_path: Path, part_size: int) -> None:
    # The store writes a blob in the parts it came off the connection in (no joined copy); however many
    # parts there are (more than one writev call takes, empty ones too), the stored bytes are the blob.
    blob = encrypt_blob(random.Random(part_size).randbytes(6000))
    data, size = blob.ciphertext, len(blob.ciphertext)
    parts = [data[i : i + part_size] for i in range(0, size, part_size)]
    parts.insert(1, b"")
    receiver = BlobReceiver(tmp_path)
    stored = receiver.write_chunk(blob.blob_id, 0, parts, total_size=size, chunk_size=size, complete=True)
    assert (stored.state, stored.size) == ("complete", size)
    with receiver.open_blob(blob.blob_id) as handle:
        assert handle.read() == data
    with pytest.raises(BlobConflict):  # a different blob's bytes under this id are still refused
        receiver.write_chunk(blob.blob_id, 0, [bytes(size)], total_size=size, chunk_size=size, complete=True)
