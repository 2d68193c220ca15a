"""Key pairs of devices and of the central store: Ed25519 to sign what they send, X25519 to receive."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Self

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from sync.errors import Malformed

KEY_SIZE = 32
"""Raw size in bytes of every Ed25519 and X25519 key, private or public."""


def b64encode(data: bytes) -> str:
    """Standard base64 with padding, as used for keys and signatures on the wire."""
    return base64.b64encode(data).decode("ascii")


def b64decode(text: str, *, what: str, size: int | None = None) -> bytes:
    """Decode base64, raising Malformed that names `what` when it is not valid (or not `size` bytes)."""
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
        raise Malformed(f"{what} is not valid base64") from exc
    if size is not None and len(data) != size:
        raise Malformed(f"{what} must be {size} bytes, got {len(data)}")
    return data


def raw_public(key: Ed25519PublicKey | X25519PublicKey) -> bytes:
    """The 32 raw bytes of a public key."""
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


@dataclass(frozen=True)
class PublicKeys:
    """The public half of a key pair, as registered at enrollment: raw 32-byte keys."""

    signing: bytes
    receiving: bytes

    def to_b64(self) -> dict[str, str]:
        """{"signing": b64, "receiving": b64}: the form exchanged at enrollment."""
        return {"signing": b64encode(self.signing), "receiving": b64encode(self.receiving)}

    @classmethod
    def from_b64(cls, signing: str, receiving: str) -> PublicKeys:
        """Parse public keys received at enrollment; Malformed when either is not a 32-byte key."""
        return cls(
            signing=b64decode(signing, what="signing public key", size=KEY_SIZE),
            receiving=b64decode(receiving, what="receiving public key", size=KEY_SIZE),
        )


class KeyPair:
    """An Ed25519 signing key and an X25519 receiving key that belong to one party."""

    def __init__(self, signing: Ed25519PrivateKey, receiving: X25519PrivateKey) -> None:
        self.signing = signing
        self.receiving = receiving

    @classmethod
    def generate(cls) -> Self:
        """Fresh random keys (at enrollment, or when the store is first set up)."""
        return cls(Ed25519PrivateKey.generate(), X25519PrivateKey.generate())

    def to_private_bytes(self) -> bytes:
        """64 raw bytes (signing seed, then receiving key) to keep in an encrypted store; secret."""
        signing = self.signing.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        receiving = self.receiving.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        return signing + receiving

    @classmethod
    def from_private_bytes(cls, data: bytes) -> Self:
        """Restore keys saved with to_private_bytes; Malformed when the bytes are not 64 long."""
        if len(data) != 2 * KEY_SIZE:
            raise Malformed(f"private key material must be {2 * KEY_SIZE} bytes, got {len(data)}")
        return cls(
            Ed25519PrivateKey.from_private_bytes(data[:KEY_SIZE]),
            X25519PrivateKey.from_private_bytes(data[KEY_SIZE:]),
        )

    @property
    def public(self) -> PublicKeys:
        """The public keys to register with the other side."""
        return PublicKeys(
            signing=raw_public(self.signing.public_key()),
            receiving=raw_public(self.receiving.public_key()),
        )

    @property
    def signing_public_b64(self) -> str:
        """Base64 of the Ed25519 public key."""
        return b64encode(self.public.signing)

    @property
    def receiving_public_b64(self) -> str:
        """Base64 of the X25519 public key."""
        return b64encode(self.public.receiving)

    def __repr__(self) -> str:
        # Never print private material, not even in a traceback.
        return f"{type(self).__name__}(signing_public={self.signing_public_b64})"


class DeviceKeys(KeyPair):
    """A field device's keys: signs its envelopes and requests, receives its pull responses."""


class StoreKeys(KeyPair):
    """The central store's keys: receives envelopes from devices, signs its pull responses."""
