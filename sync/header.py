"""The envelope header: the plaintext, signed and authenticated description of what an envelope holds."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from sync.errors import Malformed
from sync.keys import KEY_SIZE, b64decode, b64encode

Kind = Literal["push", "pull"]
STORE = "store"
"""The sender or recipient name of the central store in envelope headers."""

_INT_FIELDS = ("first_seq", "last_seq", "count", "plain_size", "compressed_size", "cipher_size")
_FIELDS = frozenset(
    {"v", "kind", "envelope_id", "sender", "recipient", "epk", "nonce", "created_at", "cursor", "more"}
    | set(_INT_FIELDS)
)
MAX_TEXT = 200


@dataclass(frozen=True)
class EnvelopeHeader:
    """Who sent what to whom: ids, the ephemeral key and nonce, the sequence range and the sizes."""

    version: int
    kind: Kind
    envelope_id: str
    sender: str
    recipient: str
    ephemeral_public: bytes
    nonce: bytes
    first_seq: int
    last_seq: int
    count: int
    created_at: str
    plain_size: int
    compressed_size: int
    cipher_size: int
    cursor: str | None = None
    more: bool = False

    def to_bytes(self) -> bytes:
        """Canonical JSON (sorted keys, no spaces): the exact bytes that are authenticated and signed."""
        value: dict[str, Any] = {
            "v": self.version,
            "kind": self.kind,
            "envelope_id": self.envelope_id,
            "sender": self.sender,
            "recipient": self.recipient,
            "epk": b64encode(self.ephemeral_public),
            "nonce": b64encode(self.nonce),
            "first_seq": self.first_seq,
            "last_seq": self.last_seq,
            "count": self.count,
            "created_at": self.created_at,
            "plain_size": self.plain_size,
            "compressed_size": self.compressed_size,
            "cipher_size": self.cipher_size,
            "cursor": self.cursor,
            "more": self.more,
        }
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def _text(value: dict[str, Any], name: str, *, optional: bool = False) -> str | None:
    item = value[name]
    if item is None and optional:
        return None
    if not isinstance(item, str) or not item or len(item) > MAX_TEXT:
        raise Malformed(f"envelope header field {name} must be a text of 1 to {MAX_TEXT} characters")
    return item


def parse_header(data: bytes) -> EnvelopeHeader:
    """Parse and check header bytes strictly; Malformed names the first field that is wrong."""
    try:
        value = json.loads(data.decode("ascii"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise Malformed("envelope header is not valid JSON") from exc
    if not isinstance(value, dict) or set(value) != _FIELDS:
        raise Malformed("envelope header does not have exactly the fields of version 1")
    if value["v"] != 1 or isinstance(value["v"], bool):
        raise Malformed(f"envelope version {value['v']!r} is not supported (expected 1)")
    kind = value["kind"]
    if kind not in ("push", "pull"):
        raise Malformed(f"envelope kind {kind!r} is not push or pull")
    for name in _INT_FIELDS:
        item = value[name]
        if not isinstance(item, int) or isinstance(item, bool) or not 0 <= item < 2**63:
            raise Malformed(f"envelope header field {name} must be a non-negative integer")
    if not isinstance(value["more"], bool):
        raise Malformed("envelope header field more must be true or false")
    if not isinstance(value["epk"], str) or not isinstance(value["nonce"], str):
        raise Malformed("envelope header fields epk and nonce must be base64 texts")
    return EnvelopeHeader(
        version=1,
        kind=kind,
        envelope_id=str(_text(value, "envelope_id")),
        sender=str(_text(value, "sender")),
        recipient=str(_text(value, "recipient")),
        ephemeral_public=b64decode(value["epk"], what="envelope ephemeral key", size=KEY_SIZE),
        nonce=b64decode(value["nonce"], what="envelope nonce", size=12),
        first_seq=value["first_seq"],
        last_seq=value["last_seq"],
        count=value["count"],
        created_at=str(_text(value, "created_at")),
        plain_size=value["plain_size"],
        compressed_size=value["compressed_size"],
        cipher_size=value["cipher_size"],
        cursor=_text(value, "cursor", optional=True),
        more=value["more"],
    )
