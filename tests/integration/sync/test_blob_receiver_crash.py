"""The store's blob folder after a crash half-way through discarding an upload: the next upload succeeds."""

from __future__ import annotations

from pathlib import Path

import pytest

from sync.blob_receiver import BlobReceiver
from sync.blobs import BlobStatus, chunk_count, encrypt_blob, iter_chunks
from sync.errors import BlobHashMismatch

CHUNK = 1024


class Crash(BaseException):
    """The store process dying at this point (nothing after it runs, no handler catches it)."""


def upload_as_the_client_does(receiver: BlobReceiver, blob_id: str, data: bytes) -> BlobStatus:
    """One round of sync.uploads.BlobUploader: ask the status, send the missing chunks, the last completes."""
    status = receiver.status(blob_id)
    if status.state == "complete":
        return status
    chunk_size, missing = CHUNK, list(range(chunk_count(len(data), CHUNK)))
    if status.state == "partial" and status.size == len(data) and status.chunk_size:
        chunk_size, missing = status.chunk_size, status.missing()
    chunks = dict(iter_chunks(data, chunk_size))
    for index in missing:
        status = receiver.write_chunk(
            blob_id,
            index,
            chunks[index],
            total_size=len(data),
            chunk_size=chunk_size,
            complete=index == missing[-1],
        )
    if status.state != "complete":
        status = receiver.complete(blob_id)
    return status


@pytest.fixture
def crash_after_unlinks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Path.unlink works `budget[0]` times, then the process 'dies' (Crash) instead of unlinking."""
    budget = [10**9]
    real_unlink = Path.unlink

    def unlink(self: Path, missing_ok: bool = False) -> None:
        if budget[0] <= 0:
            raise Crash(f"killed before unlinking {self.name}")
        budget[0] -= 1
        real_unlink(self, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", unlink)
    return budget


@pytest.mark.req("SYN-025")
@pytest.mark.parametrize("unlinks_before_crash", [1, 2])
def test_store_killed_while_discarding_a_damaged_upload_accepts_the_next_upload_of_the_blob(
    tmp_path: Path, crash_after_unlinks: list[int], unlinks_before_crash: int
) -> None:
    blob = encrypt_blob(b"photo of the gowning room " * 200)  # several chunks of CHUNK bytes
    damaged = bytearray(blob.ciphertext)
    damaged[CHUNK + 7] ^= 0x10  # one bit of chunk 1 altered on the way
    receiver = BlobReceiver(tmp_path)
    with pytest.raises(BlobHashMismatch):
        upload_as_the_client_does(receiver, blob.blob_id, bytes(damaged))  # the discard completes
    assert receiver.status(blob.blob_id).state == "absent"

    # Same again, but the store dies in the middle of discarding the damaged upload.
    for index, chunk in iter_chunks(bytes(damaged), CHUNK):
        receiver.write_chunk(blob.blob_id, index, chunk, total_size=len(damaged), chunk_size=CHUNK)
    crash_after_unlinks[0] = unlinks_before_crash
    with pytest.raises(Crash):
        receiver.complete(blob.blob_id)
    crash_after_unlinks[0] = 10**9

    restarted = BlobReceiver(tmp_path)  # the store started again on the same folder
    assert restarted.status(blob.blob_id).state == "absent"  # nothing of the damaged upload is trusted
    assert upload_as_the_client_does(restarted, blob.blob_id, blob.ciphertext).state == "complete"
    with restarted.open_blob(blob.blob_id) as handle:
        assert handle.read() == blob.ciphertext


@pytest.mark.req("SYN-025")
@pytest.mark.parametrize("chunks_already_sent", [0, 1, 3])
def test_an_upload_whose_partial_file_is_gone_reads_as_absent_and_uploads_again_whole(
    tmp_path: Path, chunks_already_sent: int
) -> None:
    """The state an earlier version left when killed right after deleting `.part` (its meta still there)."""
    blob = encrypt_blob(b"photo of the autoclave log " * 200)
    receiver = BlobReceiver(tmp_path)
    chunks = dict(iter_chunks(blob.ciphertext, CHUNK))
    for index in range(max(chunks_already_sent, 1)):
        receiver.write_chunk(
            blob.blob_id, index, chunks[index], total_size=len(blob.ciphertext), chunk_size=CHUNK
        )
    (tmp_path / "partial" / f"{blob.blob_id}.part").unlink()
    if chunks_already_sent == 0:
        (tmp_path / "partial" / f"{blob.blob_id}.chunks").unlink()

    status = receiver.status(blob.blob_id)
    assert (status.state, status.next_missing) == ("absent", 0)  # the client sends every chunk again
    # A device that never asks (a stale status in hand) and sends a later chunk first is not stuck either.
    last = len(chunks) - 1
    assert receiver.write_chunk(
        blob.blob_id, last, chunks[last], total_size=len(blob.ciphertext), chunk_size=CHUNK
    ).received == (last,)
    assert upload_as_the_client_does(receiver, blob.blob_id, blob.ciphertext).state == "complete"
    with receiver.open_blob(blob.blob_id) as handle:
        assert handle.read() == blob.ciphertext
