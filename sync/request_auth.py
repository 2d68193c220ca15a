"""Signed requests: a device proves who it is on pull and blob requests with its Ed25519 key.

Push envelopes carry their own signature; every other request carries three headers (ADR 0041):
X-Device-Id, X-Sync-Timestamp (unix seconds) and X-Sync-Signature, an Ed25519 signature over
"auditapp-sync/v1 request\\n" METHOD "\\n" PATH "\\n" TIMESTAMP "\\n" SHA-256-HEX(BODY).
"""

from __future__ import annotations

import functools
import hashlib
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from sync.envelope import DeviceLookup
from sync.errors import BadSignature, Malformed, RevokedDevice, UnknownDevice
from sync.keys import KeyPair, b64decode, b64encode

DEVICE_HEADER = "X-Device-Id"
TIMESTAMP_HEADER = "X-Sync-Timestamp"
SIGNATURE_HEADER = "X-Sync-Signature"
REQUEST_CONTEXT = b"auditapp-sync/v1 request\n"
MAX_PULL_LIMIT = 1000


def _message(method: str, path: str, timestamp: str, body_sha256: str) -> bytes:
    return REQUEST_CONTEXT + "\n".join((method.upper(), path, timestamp, body_sha256)).encode("utf-8")


def sign_request(
    keys: KeyPair,
    *,
    device_id: str,
    method: str,
    path: str,
    body: bytes,
    timestamp: int | None = None,
    body_sha256: str | None = None,
) -> dict[str, str]:
    """The three authentication headers for one request of a device.

    `body_sha256` is the body's SHA-256 hex when the caller already knows it (a whole blob's id), so a
    large body is not hashed twice.
    """
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = body_sha256 if body_sha256 is not None else hashlib.sha256(body).hexdigest()
    signature = keys.signing.sign(_message(method, path, stamp, digest))
    return {DEVICE_HEADER: device_id, TIMESTAMP_HEADER: stamp, SIGNATURE_HEADER: b64encode(signature)}


@functools.lru_cache(maxsize=1024)
def _public_key(raw: bytes) -> Ed25519PublicKey:
    """A device's parsed signing key (keys never change, so parsing once per key is enough)."""
    return Ed25519PublicKey.from_public_bytes(raw)


def _header(headers: Mapping[str, str], name: str) -> str:
    lowered = {key.lower(): value for key, value in headers.items()}
    value = lowered.get(name.lower())
    if not value:
        raise Malformed(f"request header {name} is missing")
    return value


def verify_request(
    headers: Mapping[str, str],
    *,
    method: str,
    path: str,
    body: bytes,
    device_lookup: DeviceLookup,
    max_skew_seconds: float | None = None,
    now: float | None = None,
    body_sha256: str | None = None,
) -> str:
    """Check a device-signed request and return the device id; raises the same codes as envelopes.

    `path` is the request path from "/sync/v1" on, without query string. Skew is not checked by default:
    tablets can be offline for days with a drifting clock, and a replayed pull or chunk changes nothing.
    `body_sha256` is the body's SHA-256 hex when the caller computed it already (it is reused for the
    blob's own check), so a chunk is hashed once.
    """
    device_id = _header(headers, DEVICE_HEADER)
    stamp = _header(headers, TIMESTAMP_HEADER)
    signature = b64decode(_header(headers, SIGNATURE_HEADER), what=SIGNATURE_HEADER, size=64)
    if not stamp.isdigit():
        raise Malformed(f"request header {TIMESTAMP_HEADER} must be unix seconds")
    device = device_lookup(device_id)
    if device is None:
        raise UnknownDevice(f"device {device_id} is not enrolled", details={"device_id": device_id})
    try:
        _public_key(device.signing_public).verify(
            signature, _message(method, path, stamp, body_sha256 or hashlib.sha256(body).hexdigest())
        )
    except (InvalidSignature, ValueError) as exc:
        raise BadSignature("request signature does not verify with the device's registered key") from exc
    if device.status != "active":
        raise RevokedDevice(f"device {device_id} was revoked", details={"device_id": device_id})
    if max_skew_seconds is not None:
        current = time.time() if now is None else now
        if abs(current - int(stamp)) > max_skew_seconds:
            raise Malformed(f"request timestamp is more than {max_skew_seconds:.0f} seconds off")
    return device_id


@dataclass(frozen=True)
class PullRequest:
    """A device's pull request: where it is (its cursor, None at first) and how many records it takes."""

    device_id: str
    cursor: str | None
    limit: int

    def to_body(self) -> bytes:
        """The JSON request body."""
        value = {"device_id": self.device_id, "cursor": self.cursor, "limit": self.limit}
        return json.dumps(value, sort_keys=True, separators=(",", ":")).encode("utf-8")


def parse_pull_request(body: bytes, *, authenticated_device: str) -> PullRequest:
    """Parse a pull request body; Malformed when its shape is wrong or it names another device."""
    try:
        value: Any = json.loads(body)
        device_id, cursor, limit = value["device_id"], value["cursor"], value["limit"]
    except (ValueError, KeyError, TypeError, RecursionError) as exc:
        raise Malformed("pull request body must be JSON with device_id, cursor and limit") from exc
    if device_id != authenticated_device:
        raise Malformed(f"pull request names device {device_id!r} but is signed by {authenticated_device}")
    if cursor is not None and (not isinstance(cursor, str) or not 0 < len(cursor) <= 200):
        raise Malformed("pull cursor must be null or a text of 1 to 200 characters")
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_PULL_LIMIT:
        raise Malformed(f"pull limit must be an integer from 1 to {MAX_PULL_LIMIT}")
    return PullRequest(device_id=device_id, cursor=cursor, limit=limit)
