"""Opaque records and their binary batch framing: what an envelope carries, without knowing what it means."""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from sync.errors import Malformed

MAX_EVENT_ID_BYTES = 200
"""Longest event id accepted (UTF-8 bytes); a UUID is 36."""

_ID_LEN = struct.Struct(">H")
_SEQ_AND_BODY_LEN = struct.Struct(">QI")


class Record(NamedTuple):
    """One event as sync sees it: its id, its per-sender sequence number and its canonical JSON body."""

    event_id: str
    seq: int
    body: bytes


def record_digest(body: bytes) -> str:
    """SHA-256 hex of a record body: what the store keeps to tell a duplicate from a conflicting event."""
    return hashlib.sha256(body).hexdigest()


def validate_records(records: Sequence[Record]) -> None:
    """Refuse a batch the receiver could not accept: bad ids, sequence numbers, or an id twice."""
    seen: set[str] = set()
    for record in records:
        event_id, seq, body = record
        encoded = event_id.encode("utf-8")
        if not event_id or len(encoded) > MAX_EVENT_ID_BYTES:
            raise Malformed(f"event id {event_id!r} must be 1 to {MAX_EVENT_ID_BYTES} bytes")
        if not 0 <= seq < 2**63:
            raise Malformed(f"event {event_id}: sequence number {seq} is out of range")
        if not isinstance(body, bytes | bytearray):
            raise Malformed(f"event {event_id}: body must be bytes")
        if len(body) >= 2**32:
            raise Malformed(f"event {event_id}: body is too large")
        if event_id in seen:
            raise Malformed(f"event id {event_id} appears twice in one batch")
        seen.add(event_id)


def encode_batch(records: Iterable[Record]) -> bytes:
    """Frame records as id length, id, sequence number, body length, body; fast and unambiguous."""
    parts: list[bytes] = []
    for event_id, seq, body in records:
        encoded = event_id.encode("utf-8")
        parts.append(_ID_LEN.pack(len(encoded)))
        parts.append(encoded)
        parts.append(_SEQ_AND_BODY_LEN.pack(seq, len(body)))
        parts.append(bytes(body))
    return b"".join(parts)


def decode_batch(data: bytes) -> list[Record]:
    """Parse framed records; Malformed when the framing is cut short, overlong or not UTF-8."""
    records: list[Record] = []
    view = memoryview(data)
    offset = 0
    end = len(data)
    while offset < end:
        if offset + _ID_LEN.size > end:
            raise Malformed(f"batch is cut short at byte {offset}")
        (id_len,) = _ID_LEN.unpack_from(view, offset)
        offset += _ID_LEN.size
        if id_len == 0 or id_len > MAX_EVENT_ID_BYTES or offset + id_len + _SEQ_AND_BODY_LEN.size > end:
            raise Malformed(f"batch has an invalid event id at byte {offset}")
        try:
            event_id = bytes(view[offset : offset + id_len]).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise Malformed(f"batch has an event id that is not UTF-8 at byte {offset}") from exc
        offset += id_len
        seq, body_len = _SEQ_AND_BODY_LEN.unpack_from(view, offset)
        offset += _SEQ_AND_BODY_LEN.size
        if offset + body_len > end:
            raise Malformed(f"event {event_id}: body is cut short")
        records.append(Record(event_id, seq, bytes(view[offset : offset + body_len])))
        offset += body_len
    validate_records(records)
    return records
