"""Writing an accepted photo to disk: exact bytes whatever the split, synced before it counts as stored."""

from __future__ import annotations

import errno
import itertools
import os
import random
from pathlib import Path

import pytest

from sync import durable_write
from sync.blob_receiver import BlobReceiver
from sync.blobs import encrypt_blob
from sync.durable_write import ALIGNMENT, MAX_BUFFER, write_new_file_durably

SIZES = [1, ALIGNMENT - 1, ALIGNMENT, ALIGNMENT + 1, 3 * ALIGNMENT, 1_500_000, MAX_BUFFER + 5]


def _parts(data: bytes, seed: int) -> list[bytes]:
    """The bytes cut at random places, empty parts included (as they can come off a connection)."""
    rng = random.Random(seed)
    cuts = sorted(rng.randrange(len(data) + 1) for _ in range(rng.randrange(1, 9)))
    cuts = sorted([*cuts, cuts[-1]])  # an empty part somewhere
    bounds = [0, *cuts, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(bounds)]


def _write(path: Path, parts: list[bytes]) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        write_new_file_durably(fd, parts)
    finally:
        os.close(fd)


@pytest.mark.req("SYN-205")
@pytest.mark.parametrize("size", SIZES)
def test_the_file_holds_exactly_the_bytes_sent_whatever_their_parts(tmp_path: Path, size: int) -> None:
    for seed in range(4):
        data = random.Random(size * 10 + seed).randbytes(size)
        path = tmp_path / f"{size}-{seed}"
        _write(path, _parts(data, seed))
        assert path.read_bytes() == data


@pytest.mark.req("SYN-205")
def test_a_filesystem_without_direct_writes_gets_the_same_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # tmpfs and some network filesystems refuse O_DIRECT: the bytes then go through the page cache.
    def refuse(*_args: object) -> int:
        raise OSError(errno.EINVAL, "Invalid argument")

    monkeypatch.setattr(durable_write.os, "pwrite", refuse)
    data = random.Random(7).randbytes(3 * ALIGNMENT + 123)
    _write(tmp_path / "photo", _parts(data, 1))
    assert (tmp_path / "photo").read_bytes() == data


@pytest.mark.req("SYN-205")
def test_the_file_is_synced_after_its_last_byte_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[int] = []
    real = os.fdatasync

    def record(fd: int) -> None:
        synced.append(os.fstat(fd).st_size)
        real(fd)

    monkeypatch.setattr(durable_write.os, "fdatasync", record)
    data = random.Random(3).randbytes(2 * ALIGNMENT + 5)
    _write(tmp_path / "photo", [data])
    assert synced == [len(data)]


@pytest.mark.req("SYN-205")
def test_an_accepted_photo_is_read_back_whole_from_another_receiver(tmp_path: Path) -> None:
    blob = encrypt_blob(random.Random(11).randbytes(1_500_000))
    size = len(blob.ciphertext)
    parts = [blob.ciphertext[i : i + 65536] for i in range(0, size, 65536)]
    stored = BlobReceiver(tmp_path).write_chunk(
        blob.blob_id, 0, parts, total_size=size, chunk_size=2 * 1024 * 1024, complete=True
    )
    assert (stored.state, stored.size) == ("complete", size)
    with BlobReceiver(tmp_path).open_blob(blob.blob_id) as handle:
        assert handle.read() == blob.ciphertext
    assert not list((tmp_path / "partial").iterdir())  # nothing half-written is left behind
