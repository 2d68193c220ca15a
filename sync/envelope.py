"""Sealed, signed envelopes: a batch of records compressed, encrypted to the recipient, signed by the sender.

Wire layout (all integers big-endian), see docs/sync-protocol.md and ADR 0040/0041:

    magic "AXE1" (4) | header length (4) | header (canonical JSON) | ciphertext | Ed25519 signature (64)

Opening checks in this order so that nothing expensive or state-touching happens before the signature is
verified: size limit (before parsing), framing and header, sender lookup, signature, sender status,
addressing, decryption, decompression (bounded), records.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from sync.batch import Record, decode_batch, encode_batch, validate_records
from sync.errors import BadSignature, Malformed, RevokedDevice, Tampered, TooLarge, UnknownDevice
from sync.header import STORE, EnvelopeHeader, Kind, parse_header
from sync.keys import KeyPair, StoreKeys, raw_public

MAGIC = b"AXE1"
VERSION = 1
SIGNATURE_SIZE = 64
NONCE_SIZE = 12
MAX_HEADER_BYTES = 4096
DEFAULT_MAX_ENVELOPE_BYTES = 8 * 1024 * 1024
"""Default size limit of one sealed envelope (push or pull)."""
DEFAULT_MAX_PLAIN_BYTES = 64 * 1024 * 1024
"""Largest decompressed batch accepted: a guard against compression bombs."""

SIGNATURE_CONTEXT = b"auditapp-sync/v1 envelope signature\x00"
"""Prefix of the signed message, so an envelope signature can never be mistaken for another signature."""
HKDF_INFO_PREFIX = b"auditapp-sync/v1 envelope key "
"""HKDF info = this prefix + kind ("push" / "pull"); the salt binds both public keys (ADR 0040)."""

_PREFIX = struct.Struct(">4sI")


DeviceStatus = Literal["active", "revoked"]


@dataclass(frozen=True)
class DeviceRecord:
    """What the store knows about an enrolled device: whether it may send, and its signing key."""

    status: DeviceStatus
    signing_public: bytes


DeviceLookup = Callable[[str], DeviceRecord | None]
"""device id -> the device's record, or None when it is not enrolled."""


@dataclass(frozen=True)
class OpenedEnvelope:
    """A verified, decrypted envelope: its header, its records and the SHA-256 of its sealed bytes."""

    header: EnvelopeHeader
    records: list[Record]
    digest: str


def envelope_digest(data: bytes) -> str:
    """SHA-256 hex of sealed envelope bytes: how the store recognises an identical resend."""
    return hashlib.sha256(data).hexdigest()


def _derive_key(kind: Kind, ephemeral_public: bytes, recipient_public: bytes, shared: bytes) -> bytes:
    hkdf = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=ephemeral_public + recipient_public,
        info=HKDF_INFO_PREFIX + kind.encode("ascii"),
    )
    return hkdf.derive(shared)


def _seal(
    records: Sequence[Record],
    *,
    kind: Kind,
    signing_key: Ed25519PrivateKey,
    sender: str,
    recipient: str,
    recipient_x25519_public: bytes,
    envelope_id: str,
    created_at: str,
    cursor: str | None = None,
    more: bool = False,
) -> bytes:
    validate_records(records)
    plain = encode_batch(records)
    compressed = zlib.compress(plain, 6)
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = raw_public(ephemeral.public_key())
    try:
        shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient_x25519_public))
    except ValueError as exc:
        raise Malformed("the recipient's receiving public key is not a valid X25519 key") from exc
    key = _derive_key(kind, ephemeral_public, recipient_x25519_public, shared)
    nonce = os.urandom(NONCE_SIZE)
    seqs = [record.seq for record in records]
    header = EnvelopeHeader(
        version=VERSION,
        kind=kind,
        envelope_id=envelope_id,
        sender=sender,
        recipient=recipient,
        ephemeral_public=ephemeral_public,
        nonce=nonce,
        first_seq=min(seqs, default=0),
        last_seq=max(seqs, default=0),
        count=len(records),
        created_at=created_at,
        plain_size=len(plain),
        compressed_size=len(compressed),
        cipher_size=len(compressed) + 16,
        cursor=cursor,
        more=more,
    )
    header_bytes = header.to_bytes()
    if len(header_bytes) > MAX_HEADER_BYTES:
        raise Malformed(f"envelope header is {len(header_bytes)} bytes, over {MAX_HEADER_BYTES}")
    prefix = _PREFIX.pack(MAGIC, len(header_bytes)) + header_bytes
    ciphertext = AESGCM(key).encrypt(nonce, compressed, prefix)
    signed = prefix + ciphertext
    return signed + signing_key.sign(SIGNATURE_CONTEXT + signed)


def seal(
    records: Sequence[Record],
    *,
    sender: KeyPair,
    device_id: str,
    recipient_x25519_public: bytes,
    envelope_id: str,
    created_at: str,
) -> bytes:
    """Seal a device's batch to the central store: compress, encrypt to the store, sign with the device."""
    return _seal(
        records,
        kind="push",
        signing_key=sender.signing,
        sender=device_id,
        recipient=STORE,
        recipient_x25519_public=recipient_x25519_public,
        envelope_id=envelope_id,
        created_at=created_at,
    )


def seal_pull_response(
    records: Sequence[Record],
    *,
    store: StoreKeys,
    device_id: str,
    device_x25519_public: bytes,
    cursor: str,
    more: bool,
    envelope_id: str,
    created_at: str,
) -> bytes:
    """Seal what the store sends back to one device, with the cursor the device stores for its next pull."""
    return _seal(
        records,
        kind="pull",
        signing_key=store.signing,
        sender=STORE,
        recipient=device_id,
        recipient_x25519_public=device_x25519_public,
        envelope_id=envelope_id,
        created_at=created_at,
        cursor=cursor,
        more=more,
    )


def _split(data: bytes, max_bytes: int) -> tuple[EnvelopeHeader, bytes, bytes, bytes]:
    """Size check, framing and header; returns (header, signed part, ciphertext, signature)."""
    if len(data) > max_bytes:
        raise TooLarge(f"envelope is {len(data)} bytes, over the limit of {max_bytes}")
    if len(data) < _PREFIX.size + SIGNATURE_SIZE:
        raise Malformed(f"envelope is only {len(data)} bytes")
    magic, header_len = _PREFIX.unpack_from(data, 0)
    if magic != MAGIC:
        raise Malformed("not a sync envelope of version 1 (wrong magic bytes)")
    if header_len > MAX_HEADER_BYTES or _PREFIX.size + header_len + SIGNATURE_SIZE > len(data):
        raise Malformed(f"envelope header length {header_len} does not fit the envelope")
    header_end = _PREFIX.size + header_len
    header = parse_header(data[_PREFIX.size : header_end])
    signed_end = len(data) - SIGNATURE_SIZE
    if header.cipher_size != signed_end - header_end:
        raise Malformed("envelope ciphertext length does not match its header")
    return header, data[:signed_end], data[header_end:signed_end], data[signed_end:]


def _verify(signing_public: bytes, signed: bytes, signature: bytes) -> None:
    try:
        Ed25519PublicKey.from_public_bytes(signing_public).verify(signature, SIGNATURE_CONTEXT + signed)
    except (InvalidSignature, ValueError) as exc:
        raise BadSignature("envelope signature does not verify with the sender's registered key") from exc


def _decrypt(
    header: EnvelopeHeader, receiving: X25519PrivateKey, prefix: bytes, ciphertext: bytes, max_plain: int
) -> list[Record]:
    recipient_public = raw_public(receiving.public_key())
    try:
        shared = receiving.exchange(X25519PublicKey.from_public_bytes(header.ephemeral_public))
    except ValueError as exc:
        raise Malformed("envelope ephemeral key is not a usable X25519 key") from exc
    key = _derive_key(header.kind, header.ephemeral_public, recipient_public, shared)
    try:
        compressed = AESGCM(key).decrypt(header.nonce, ciphertext, prefix)
    except InvalidTag as exc:
        raise Tampered("envelope ciphertext or header was altered (decryption failed)") from exc
    if header.plain_size > max_plain:
        raise TooLarge(f"envelope expands to {header.plain_size} bytes, over the limit of {max_plain}")
    inflater = zlib.decompressobj()
    try:
        plain = inflater.decompress(compressed, header.plain_size + 1)
    except zlib.error as exc:
        raise Malformed("envelope content is not valid compressed data") from exc
    if len(plain) != header.plain_size or not inflater.eof or inflater.unused_data:
        raise Malformed("envelope content size does not match its header")
    records = decode_batch(plain)
    seqs = [record.seq for record in records]
    if (len(records), min(seqs, default=0), max(seqs, default=0)) != (
        header.count,
        header.first_seq,
        header.last_seq,
    ):
        raise Malformed("envelope records do not match the count and sequence range in its header")
    return records


def open_envelope(
    data: bytes,
    *,
    recipient: StoreKeys | X25519PrivateKey,
    device_lookup: DeviceLookup,
    max_bytes: int = DEFAULT_MAX_ENVELOPE_BYTES,
    max_plain_bytes: int = DEFAULT_MAX_PLAIN_BYTES,
) -> OpenedEnvelope:
    """Verify and open a device's push envelope at the store; raises an EnvelopeRejected subclass."""
    header, signed, ciphertext, signature = _split(data, max_bytes)
    if header.kind != "push" or header.recipient != STORE:
        raise Malformed("not a push envelope addressed to the central store")
    device = device_lookup(header.sender)
    if device is None:
        raise UnknownDevice(f"device {header.sender} is not enrolled", details={"device_id": header.sender})
    _verify(device.signing_public, signed, signature)
    if device.status != "active":
        raise RevokedDevice(f"device {header.sender} was revoked", details={"device_id": header.sender})
    receiving = recipient.receiving if isinstance(recipient, StoreKeys) else recipient
    prefix = signed[: len(signed) - len(ciphertext)]
    records = _decrypt(header, receiving, prefix, ciphertext, max_plain_bytes)
    return OpenedEnvelope(header=header, records=records, digest=envelope_digest(data))


def open_pull_response(
    data: bytes,
    *,
    device: KeyPair,
    device_id: str,
    store_signing_public: bytes,
    max_bytes: int = DEFAULT_MAX_ENVELOPE_BYTES,
    max_plain_bytes: int = DEFAULT_MAX_PLAIN_BYTES,
) -> OpenedEnvelope:
    """Verify and open a pull response on the device: signed by the store, addressed to this device."""
    header, signed, ciphertext, signature = _split(data, max_bytes)
    _verify(store_signing_public, signed, signature)
    if header.kind != "pull" or header.sender != STORE or header.recipient != device_id:
        raise Malformed(f"not a pull response from the central store addressed to device {device_id}")
    if header.cursor is None:
        raise Malformed("pull response carries no cursor")
    prefix = signed[: len(signed) - len(ciphertext)]
    records = _decrypt(header, device.receiving, prefix, ciphertext, max_plain_bytes)
    return OpenedEnvelope(header=header, records=records, digest=envelope_digest(data))


def describe(header: EnvelopeHeader) -> dict[str, Any]:
    """The header as plain JSON values (for logs and the audit trail; holds no secret)."""
    value: dict[str, Any] = json.loads(header.to_bytes())
    return value
