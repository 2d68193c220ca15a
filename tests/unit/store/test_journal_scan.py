"""Journal records read back from bytes: a torn tail is dropped, damage before the end is an error."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from auditapp.store.journal import HEADER, MAGIC, JournalDamage, encode_record, scan

KEY = AESGCM(bytes(range(32)))


def journal(records: Sequence[Mapping[str, Any]]) -> tuple[bytes, list[int]]:
    """Journal bytes holding the records, and each record's offset."""
    buffer = bytearray(MAGIC)
    offsets = []
    for record in records:
        offsets.append(len(buffer))
        buffer += encode_record(KEY, len(buffer), record)
    return bytes(buffer), offsets


RECORDS = [{"t": "s", "k": f"key{i}", "v": "x" * (i * 7)} for i in range(5)]


def test_a_whole_journal_reads_back_every_record() -> None:
    buffer, offsets = journal(RECORDS)
    result = scan(KEY, buffer)
    assert [r for _, r in result.records] == RECORDS
    assert [o for o, _ in result.records] == offsets
    assert result.valid_end == len(buffer)
    assert result.dropped_bytes == 0


@pytest.mark.req("STO-002")
def test_a_last_record_cut_anywhere_is_dropped_and_the_rest_kept() -> None:
    buffer, offsets = journal(RECORDS)
    for cut in range(offsets[-1] + 1, len(buffer)):
        result = scan(KEY, buffer[:cut])
        assert [r for _, r in result.records] == RECORDS[:-1], cut
        assert result.valid_end == offsets[-1]
        assert result.dropped_bytes == cut - offsets[-1]


@pytest.mark.req("STO-002")
@pytest.mark.parametrize("size", [1, 3, 8, 40, 333, 5000])
def test_garbage_after_the_last_record_is_dropped_not_parsed(size: int) -> None:
    buffer, _ = journal(RECORDS)
    result = scan(KEY, buffer + os.urandom(size))
    assert [r for _, r in result.records] == RECORDS
    assert result.valid_end == len(buffer)
    assert result.dropped_bytes == size


def test_zeros_after_the_last_record_are_dropped() -> None:
    buffer, _ = journal(RECORDS)
    result = scan(KEY, buffer + bytes(4096))
    assert len(result.records) == len(RECORDS)
    assert result.dropped_bytes == 4096


@pytest.mark.req("STO-002")
def test_a_damaged_record_in_the_middle_is_an_error_not_silent_loss() -> None:
    buffer, offsets = journal(RECORDS)
    damaged = bytearray(buffer)
    damaged[offsets[2] + 20] ^= 0x01
    with pytest.raises(JournalDamage, match=f"byte {offsets[2]}") as caught:
        scan(KEY, bytes(damaged))
    assert caught.value.offset == offsets[2]


def test_a_damaged_length_in_the_middle_is_an_error() -> None:
    buffer, offsets = journal(RECORDS)
    damaged = bytearray(buffer)
    damaged[offsets[1]] ^= 0x40
    with pytest.raises(JournalDamage, match="damaged header"):
        scan(KEY, bytes(damaged))


def test_the_same_record_copied_to_another_place_does_not_verify() -> None:
    buffer, offsets = journal(RECORDS[:2])
    moved = buffer + buffer[offsets[0] : offsets[1]]
    result = scan(KEY, moved)
    assert len(result.records) == 2
    assert result.dropped_bytes == offsets[1] - offsets[0]


def test_a_journal_read_with_another_key_is_an_error_and_never_cut() -> None:
    buffer, _ = journal(RECORDS)
    with pytest.raises(JournalDamage, match=f"byte {HEADER}"):
        scan(AESGCM(bytes(32)), buffer)


def test_a_complete_last_record_that_fails_its_tag_is_dropped() -> None:
    buffer, offsets = journal(RECORDS)
    damaged = bytearray(buffer)
    damaged[-1] ^= 0x80
    result = scan(KEY, bytes(damaged))
    assert [r for _, r in result.records] == RECORDS[:-1]
    assert result.valid_end == offsets[-1]


def test_a_file_that_is_not_a_journal_is_an_error() -> None:
    with pytest.raises(JournalDamage, match="header"):
        scan(KEY, b"{}" + bytes(20))


def test_scanning_from_a_checkpoint_returns_only_the_records_after_it() -> None:
    buffer, offsets = journal(RECORDS)
    result = scan(KEY, buffer, start=offsets[3])
    assert [r for _, r in result.records] == RECORDS[3:]
