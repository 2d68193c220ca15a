"""Encryption keys of the field store: a random data key, wrapped by a key derived from the passphrase.

The data key never changes, so a passphrase change rewrites one small file and no data. Every file of the
store is encrypted with a sub-key derived from the data key (HKDF), one per purpose, so a journal record can
never be passed off as a view file or a photo.

The data key may also be wrapped under a recovery key (ADR 0065): 125 random bits written as five groups of
five letters and digits, shown to the auditor once to keep apart from the tablet. With it a forgotten
passphrase is replaced and nothing is lost.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from auditapp.store.atomic import write_atomically
from auditapp.store.errors import (
    NoRecoveryKeyError,
    StoreCorruptError,
    WrongPassphraseError,
    WrongRecoveryKeyError,
)

KEY_FILE = "key.json"
# scrypt cost: about 90 ms on a laptop, a few hundred on a tablet; paid once per unlock.
SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
# What a key file may ask of scrypt. The app writes N=2**15, r=8, p=1 (32 MiB, well under a second); a
# file asking for much more (a terabyte of memory, minutes of work) or much less was not written by it.
SCRYPT_MIN_N = 2**14
SCRYPT_MAX_MEMORY = 128 * 2**20  # bytes: 128 * N * r
SCRYPT_MAX_WORK = 8 * SCRYPT_N * SCRYPT_R * SCRYPT_P  # N * r * p: eight times the cost the app writes
SALT_BYTES = 16
_WRAP_AAD = b"auditapp field store data key v1"
_RECOVERY_AAD = b"auditapp field store data key v1 recovery"
NONCE_BYTES = 12
RECOVERY_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
"""Crockford's base 32: no I, L, O or U, so nothing is misread when the key is typed from paper."""
RECOVERY_GROUP_LENGTH = 5
RECOVERY_LENGTH = 25
_MISREAD = str.maketrans({"O": "0", "I": "1", "L": "1"})


@dataclass(frozen=True)
class StoreKeys:
    """The sub-keys one unlocked store uses; derived from the data key, held only in memory."""

    journal: AESGCM
    view: AESGCM
    photos: AESGCM
    names: bytes

    @classmethod
    def from_data_key(cls, data_key: bytes) -> StoreKeys:
        """Derive one independent key per purpose from the data key."""
        return cls(
            journal=AESGCM(_subkey(data_key, b"journal")),
            view=AESGCM(_subkey(data_key, b"view")),
            photos=AESGCM(_subkey(data_key, b"photos")),
            names=_subkey(data_key, b"file names"),
        )

    def file_name(self, kind: str, value: str) -> str:
        """A file name that reveals nothing about `value` (an audit id, a photo hash) without the key."""
        return hmac.new(self.names, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:40]


def _subkey(data_key: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"auditapp store " + purpose).derive(
        data_key
    )


def _kek(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))


def passphrase_forms(passphrase: str) -> list[str]:
    """The texts a typed passphrase is tried as, first match wins: its NFC form (what the key file is
    written with since FLD-117, so a passphrase typed composed or decomposed is the same), then, for key
    files written before, the text exactly as typed and its NFD form."""
    forms = [unicodedata.normalize("NFC", passphrase), passphrase, unicodedata.normalize("NFD", passphrase)]
    return list(dict.fromkeys(forms))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _wrap(data_key: bytes, secret: str, aad: bytes) -> dict[str, Any]:
    salt = secrets.token_bytes(SALT_BYTES)
    nonce = secrets.token_bytes(NONCE_BYTES)
    kek = _kek(secret, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    wrapped = AESGCM(kek).encrypt(nonce, data_key, aad)
    return {
        "kdf": {"name": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P, "salt": _b64(salt)},
        "wrap": {"name": "AES-256-GCM", "nonce": _b64(nonce), "wrapped_key": _b64(wrapped)},
    }


def wrap_data_key(data_key: bytes, passphrase: str) -> dict[str, Any]:
    """The key file's content: scrypt parameters and salt, and the data key sealed under the key derived
    from the passphrase in NFC form (FLD-117)."""
    secret = unicodedata.normalize("NFC", passphrase)
    return {"format": "auditapp-field-store-key/1", **_wrap(data_key, secret, _WRAP_AAD)}


def new_recovery_key() -> str:
    """A fresh recovery key as it is shown: five groups of five characters, e.g. 7K3QD-..."""
    return _grouped("".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH)))


def _grouped(chars: str) -> str:
    return "-".join(chars[i : i + RECOVERY_GROUP_LENGTH] for i in range(0, len(chars), RECOVERY_GROUP_LENGTH))


def normalise_recovery_key(text: str) -> str | None:
    """The key as typed, in its canonical form (case, spaces, dashes and O/I/L misreadings forgiven);
    None when it cannot be a recovery key (wrong length or a character outside the alphabet)."""
    chars = "".join(text.upper().split()).replace("-", "").translate(_MISREAD)
    if len(chars) != RECOVERY_LENGTH or any(c not in RECOVERY_ALPHABET for c in chars):
        return None
    return _grouped(chars)


def read_key_file(folder: Path) -> dict[str, Any]:
    """The key file's content; StoreCorruptError when it is not readable JSON."""
    path = folder / KEY_FILE
    try:
        content = json.loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise _damaged(path, f"it cannot be read ({exc})") from exc
    if not isinstance(content, dict):
        raise _damaged(path, "it cannot be read (not a JSON object)")
    return content


def _damaged(path: Path, problem: str) -> StoreCorruptError:
    """The error for a key file that is not as the app wrote it, saying what the file is for."""
    return StoreCorruptError(
        path, f"it is the file that holds this workspace's encryption key, and {problem}"
    )


def with_passphrase(folder: Path, data_key: bytes, passphrase: str) -> dict[str, Any]:
    """The key file's content with a new passphrase wrap; its recovery wrap, if any, is kept."""
    content = wrap_data_key(data_key, passphrase)
    recovery = read_key_file(folder).get("recovery")
    if recovery is not None:
        content["recovery"] = recovery
    return content


def with_recovery_key(folder: Path, data_key: bytes, recovery_key: str, made_at: str) -> dict[str, Any]:
    """The key file's content with the data key also wrapped under `recovery_key` (replacing any other),
    noting when it was made (shown to the auditor, so that a key made behind their back is noticed)."""
    content = read_key_file(folder)
    content["recovery"] = {**_wrap(data_key, recovery_key, _RECOVERY_AAD), "made_at": made_at}
    return content


def recovery_key_made(folder: Path) -> str | None:
    """When the store's recovery key was made (UTC, ISO 8601), '' if not recorded; None without one."""
    recovery = read_key_file(folder).get("recovery")
    return str(recovery.get("made_at") or "") if isinstance(recovery, dict) else None


def new_key_file(folder: Path, passphrase: str) -> bytes:
    """Create a random data key, write it wrapped under the passphrase, and return it."""
    data_key = AESGCM.generate_key(bit_length=256)
    write_key_file(folder, wrap_data_key(data_key, passphrase))
    return data_key


def write_key_file(folder: Path, content: dict[str, Any]) -> None:
    """Replace the key file atomically so a crash leaves either the old or the new wrap, never neither."""
    write_atomically(folder / KEY_FILE, json.dumps(content, indent=2).encode("utf-8"))


def unwrap_data_key(folder: Path, passphrase: str) -> bytes:
    """The data key, or WrongPassphraseError; reads the key file only (and never writes it)."""
    content = read_key_file(folder)
    for secret in passphrase_forms(passphrase):
        data_key = _unwrap(folder, content, secret, _WRAP_AAD)
        if data_key is not None:
            return data_key
    raise WrongPassphraseError(folder)


def recover_data_key(folder: Path, recovery_key: str) -> bytes:
    """The data key opened with the recovery key; NoRecoveryKeyError or WrongRecoveryKeyError."""
    content = read_key_file(folder)
    wrap = content.get("recovery")
    if not isinstance(wrap, dict):
        raise NoRecoveryKeyError(folder)
    canonical = normalise_recovery_key(recovery_key)
    data_key = None if canonical is None else _unwrap(folder, wrap, canonical, _RECOVERY_AAD)
    if data_key is None:
        raise WrongRecoveryKeyError(folder)
    return data_key


def _unwrap(folder: Path, content: dict[str, Any], secret: str, aad: bytes) -> bytes | None:
    """The data key sealed in `content` (a wrap and its scrypt parameters), None when `secret` is wrong."""
    path = folder / KEY_FILE
    try:
        kdf, wrap = content["kdf"], content["wrap"]
        salt = base64.b64decode(kdf["salt"])
        nonce = base64.b64decode(wrap["nonce"])
        wrapped = base64.b64decode(wrap["wrapped_key"])
        n, r, p = _whole(kdf["n"]), _whole(kdf["r"]), _whole(kdf["p"])
    except (ValueError, KeyError, TypeError) as exc:
        raise _damaged(path, f"it cannot be read ({exc})") from exc
    if kdf.get("name") != "scrypt" or wrap.get("name") != "AES-256-GCM":
        raise _damaged(path, "it names a key derivation or encryption this app does not know")
    problem = _kdf_problem(n, r, p, salt) or (
        None if len(nonce) == NONCE_BYTES else f"a nonce of {len(nonce)} bytes, not {NONCE_BYTES}"
    )
    if problem is not None:
        # Checked before deriving: values this app never writes could ask for a terabyte or an hour.
        raise _damaged(path, f"it has settings this app never writes ({problem})")
    try:
        return AESGCM(_kek(secret, salt, n, r, p)).decrypt(nonce, wrapped, aad)
    except InvalidTag:
        return None


def _whole(value: object) -> int:
    """A whole number as stored in JSON; anything else (text, a fraction, true/false) is damage."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{value!r} is not a whole number")
    return value


def _kdf_problem(n: int, r: int, p: int, salt: bytes) -> str | None:
    """What is wrong with a key file's scrypt settings, None when they are in the range the app writes."""
    if n < SCRYPT_MIN_N or n & (n - 1):
        return f"scrypt N={n} is not a power of two from {SCRYPT_MIN_N}"
    if r < 1 or p < 1:
        return f"scrypt r={r}, p={p} must be at least 1"
    if 128 * n * r > SCRYPT_MAX_MEMORY:
        return f"scrypt N={n}, r={r} would need {128 * n * r // 2**20} MiB of memory"
    if n * r * p > SCRYPT_MAX_WORK:
        times = n * r * p // (SCRYPT_N * SCRYPT_R * SCRYPT_P)
        return f"scrypt N={n}, r={r}, p={p} would take {times} times as long as usual"
    if len(salt) < SALT_BYTES:
        return f"a salt of {len(salt)} bytes, fewer than {SALT_BYTES}"
    return None


def seal(key: AESGCM, plaintext: bytes, aad: bytes) -> bytes:
    """nonce + AES-256-GCM ciphertext with tag; a fresh random nonce every time."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + key.encrypt(nonce, plaintext, aad)


def open_sealed(key: AESGCM, sealed: bytes, aad: bytes) -> bytes:
    """Inverse of `seal`; raises InvalidTag when the bytes or their context were altered."""
    return key.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], aad)
