"""Enrollment: one-time codes that bind a device's public keys to a user, and the store's own key pair.

A code is 10 Crockford base32 characters (50 random bits), shown as XXXXX-XXXXX and as a QR code, valid for
15 minutes, single use; only its SHA-256 is stored. Failed attempts are counted per network source in their
own transaction (so a refusal still counts) and a source with too many is refused before the code is looked
at. The store keys live in a file outside the database, created once with mode 0600 (ADR 0050).
"""

from __future__ import annotations

import hashlib
import os
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from auditapp.central import auth, devices, locks, trail
from auditapp.central.auth import now
from auditapp.central.errors import ApiError
from auditapp.central.sync_tables import EnrollmentAttempt, EnrollmentCode, StoreIdentity
from auditapp.central.tables import Device, User
from auditapp.domain.errors import AuditAppError, ValidationError
from sync.errors import Malformed
from sync.keys import PublicKeys, StoreKeys, b64encode

CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
"""Crockford base32: no I, L, O or U, so a code read aloud or typed from paper is not misread."""
CODE_LENGTH = 10
CODE_MINUTES = 15
MAX_FAILED_ATTEMPTS = 10
"""Refused attempts allowed per source within ATTEMPT_WINDOW before every attempt from it is refused."""
ATTEMPT_WINDOW = timedelta(minutes=15)
ISSUER_ROLES = frozenset({"admin", "quality_manager"})
_TYPO_FIXES = str.maketrans({"O": "0", "I": "1", "L": "1"})


@dataclass(frozen=True)
class IssuedCode:
    """A fresh code to hand to the person enrolling a device (shown once, never stored in clear)."""

    code: str
    username: str
    expires_at: datetime


@dataclass(frozen=True)
class EnrollRequest:
    """What a device sends to enroll: the code, the id it chose at setup, its public keys and a name."""

    code: str
    device_id: str
    signing_public: str
    receiving_public: str
    name: str = ""


def _utc(value: datetime) -> datetime:
    # SQLite hands timezone-aware columns back naive; they were stored as UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def normalise_code(code: str) -> str:
    """The code as stored: upper case, without spaces or dashes, common misreadings (O, I, L) fixed."""
    return "".join(ch for ch in code.upper() if ch not in " -\t").translate(_TYPO_FIXES)


def code_digest(code: str) -> str:
    """SHA-256 hex of the normalised code: what the database holds."""
    return hashlib.sha256(normalise_code(code).encode("ascii", "replace")).hexdigest()


def new_code() -> str:
    """A random code of CODE_LENGTH characters (5 bits each), grouped as XXXXX-XXXXX for reading."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def issue_code(
    session: Session, username: str, issued_by: str = "", minutes: int = CODE_MINUTES
) -> IssuedCode:
    """A one-time code that enrolls one device for the named, active user."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        raise ApiError(404, "unknown_user", f"user: no active user named {username!r}")
    if not auth.audits_in_field(user.role):
        raise ApiError(
            409,
            "role_not_in_field",
            f"user: {user.username!r} has the role {user.role}, which does not audit in the field: only "
            f"users with the role {auth.field_roles_text()} enroll field devices; give {user.username!r} "
            "one of those roles first",
        )
    code = new_code()
    issued = now()
    expires = issued + timedelta(minutes=minutes)
    session.add(
        EnrollmentCode(
            code_hash=code_digest(code),
            user_id=user.id,
            issued_by=issued_by,
            created_at=issued,
            expires_at=expires,
        )
    )
    session.flush()
    trail.record(
        session,
        issued_by or trail.SYSTEM_ACTOR,
        "enrollment_code",
        code_digest(code)[:16],
        "issue",
        {"username": (None, user.username), "expires_at": (None, expires)},
    )
    return IssuedCode(code=code, username=user.username, expires_at=expires)


def check_rate(session: Session, source: str) -> None:
    """Refuse a source that failed too often lately (too_many_attempts), before the code is looked at."""
    since = now() - ATTEMPT_WINDOW
    failures = session.scalar(
        select(func.count())
        .select_from(EnrollmentAttempt)
        .where(EnrollmentAttempt.source == source, EnrollmentAttempt.at >= since)
    )
    if (failures or 0) >= MAX_FAILED_ATTEMPTS:
        raise ApiError(
            429,
            "too_many_attempts",
            f"too many wrong enrollment codes from this address; wait {ATTEMPT_WINDOW.seconds // 60} minutes",
        )


def record_failure(session: Session, source: str, outcome: str) -> None:
    """Count one refused attempt of a source (call in its own transaction: the request's rolls back)."""
    session.add(EnrollmentAttempt(source=source[:100], at=now(), outcome=outcome[:32]))


def _parse_keys(request: EnrollRequest) -> PublicKeys:
    try:
        return PublicKeys.from_b64(request.signing_public, request.receiving_public)
    except Malformed as exc:
        raise ApiError(422, "invalid_keys", f"public keys: {exc}") from exc


def _check_device_id(device_id: str) -> str:
    try:
        return str(uuid.UUID(device_id))
    except ValueError:
        raise ApiError(422, "invalid_device_id", f"device_id: {device_id!r} is not a UUID") from None


def enroll(session: Session, request: EnrollRequest) -> tuple[Device, User]:
    """Register the device's public keys under the code's user; the code is used up in the same step.

    A retry with the same code, device id and keys after a lost answer gets the same answer back.
    A device id enrolled before (for example a revoked tablet) is enrolled again with its new keys, but
    only for the user it belongs to: a code of one user never takes over another user's device (ADR 51).
    The code is read under the write lock, so two requests with one code cannot both use it.
    """
    device_id = _check_device_id(request.device_id)
    keys = _parse_keys(request)
    auth.check_printable(request.name, "name", "device name")
    signing, receiving = keys.to_b64()["signing"], keys.to_b64()["receiving"]
    locks.write_lock(session)
    row = session.get(EnrollmentCode, code_digest(request.code), with_for_update=True)
    if row is None:
        raise ApiError(404, "unknown_code", "this enrollment code is not known: check it or ask for another")
    user = session.get(User, row.user_id)
    if row.used_at is not None:
        device = session.get(Device, device_id)
        same = device is not None and (device.signing_public, device.box_public) == (signing, receiving)
        if row.device_id == device_id and same and device is not None and user is not None:
            return device, user
        raise ApiError(409, "used_code", "this enrollment code was already used: ask for a new one")
    if _utc(row.expires_at) < now():
        raise ApiError(410, "expired_code", "this enrollment code has expired: ask for a new one")
    if user is None or not user.active:
        raise ApiError(403, "inactive_user", "the user this code was issued for is no longer active")
    if not auth.audits_in_field(user.role):
        raise ApiError(
            403,
            "role_not_in_field",
            f"user {user.username!r} now has the role {user.role}, which does not audit in the field: "
            "this code can no longer enroll a device; ask for a field role and a new code",
        )
    device = session.get(Device, device_id, with_for_update=True)
    if device is not None and device.user_id != user.id:
        raise ApiError(
            409,
            "device_of_another_user",
            f"device {device_id} is enrolled for another user; a code of {user.username!r} cannot take it "
            "over: set up a new workspace on this tablet for them",
        )
    before: dict[str, object] = {"user_id": None, "name": None, "status": None, "signing_public": None}
    if device is None:
        device = Device(id=device_id, user_id=user.id, created_at=now())
        session.add(device)
    else:
        before = {
            "user_id": device.user_id,
            "name": device.name,
            "status": device.status,
            "signing_public": device.signing_public,
        }
    device.user_id = user.id
    device.name = (request.name or f"device {device_id[:8]}")[:200]
    device.status = "active"
    device.signing_public = signing
    device.box_public = receiving
    device.revoked_at = None
    row.used_at = now()
    row.device_id = device_id
    session.flush()
    after = {"user_id": user.id, "name": device.name, "status": "active", "signing_public": signing}
    changes = {field: (before[field], after[field]) for field in after}
    trail.record(session, f"device:{device_id}", "device", device_id, "enroll", changes)
    return device, user


def check_sender_role(session: Session, device_id: str) -> None:
    """Refuse (403 `role_not_in_field`) what an enrolled device sends once its user's role no longer audits
    in the field; nothing is stored, the tablet keeps it and sends it once the role is given back (SYN-219).
    Call it after the device's signature was verified, as the revoked-device check is."""
    row = session.execute(
        select(User.username, User.role).join(Device, Device.user_id == User.id).where(Device.id == device_id)
    ).first()
    if row is not None and not auth.audits_in_field(row.role):
        raise ApiError(
            403,
            "role_not_in_field",
            f"device {device_id} belongs to {row.username!r}, who now has the role {row.role}, which does "
            "not audit in the field: the central store refuses what it sends; nothing is lost on the "
            "tablet, it is sent once an administrator gives them a field role again",
        )


# ---------------------------------------------------------------- the store's own keys
class StoreKeyMismatch(AuditAppError):
    """The key file is not the one devices enrolled with; starting would make every push fail."""


class StoreKeyFileMissing(StoreKeyMismatch):
    """The key file is gone while the database has store keys or devices: new keys would cut them all off."""


class StoreKeyFileError(ValidationError):
    """The key file cannot be used (a folder, unreadable, damaged) or cannot be made; names the setting."""


KEY_FILE_VARIABLE = "AUDITAPP_STORE_KEY_FILE"


def store_key_path(blob_dir: Path) -> Path:
    """Where the store's private keys live: AUDITAPP_STORE_KEY_FILE, else next to the blob folder."""
    configured = os.environ.get(KEY_FILE_VARIABLE, "")
    return Path(configured).expanduser() if configured else blob_dir.parent / "store-keys.bin"


def key_file_setting() -> str:
    """The setting that placed the key file, for messages: the variable, or the blob folder it sits beside."""
    if os.environ.get(KEY_FILE_VARIABLE, ""):
        return KEY_FILE_VARIABLE
    return (
        "--blob-dir / AUDITAPP_BLOB_DIR (the key file sits beside the blob folder unless "
        f"{KEY_FILE_VARIABLE} is set)"
    )


def _reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def _read_key_file(path: Path) -> StoreKeys | None:
    """The keys in the file, None when there is none; StoreKeyFileError when it is there but unusable."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise StoreKeyFileError(
            f"the store key file {path} is a folder: name the key file itself", key_file_setting()
        ) from None
    except OSError as exc:
        raise StoreKeyFileError(
            f"cannot read the store key file {path}: {_reason(exc)}", key_file_setting()
        ) from None
    try:
        return StoreKeys.from_private_bytes(data)
    except Malformed:
        raise StoreKeyFileError(
            f"{path} is not a store key file or is damaged: it holds {len(data)} bytes, not 64; "
            "restore the store's key file from the backup, or point AUDITAPP_STORE_KEY_FILE at it",
            key_file_setting(),
        ) from None


def load_store_keys(path: Path) -> StoreKeys:
    """The store's key pair from its file, created once (mode 0600, never overwritten) when absent.

    A file that is there but cannot be used, or one that cannot be made, is a StoreKeyFileError naming
    the setting; the server calls check_key_file first, so a missing file of a store in use is not made.
    """
    keys = _read_key_file(path)
    if keys is not None:
        return keys
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreKeyFileError(
            f"cannot create the folder {path.parent} of the store key file: {_reason(exc)}",
            key_file_setting(),
        ) from None
    keys = StoreKeys.generate()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        # Another worker created it first: use theirs.
        theirs = _read_key_file(path)
        if theirs is None:
            what = f"the store key file {path} vanished while starting"
            raise StoreKeyFileError(what, key_file_setting()) from None
        return theirs
    except OSError as exc:
        raise StoreKeyFileError(
            f"cannot create the store key file {path}: {_reason(exc)}", key_file_setting()
        ) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(keys.to_private_bytes())
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        path.unlink(missing_ok=True)  # never leave a half-written key file behind
        raise StoreKeyFileError(
            f"cannot write the store key file {path}: {_reason(exc)}", key_file_setting()
        ) from None
    return keys


def check_key_file(session: Session, path: Path) -> None:
    """Refuse to start when the key file is missing but the database has pinned store keys or enrolled
    devices: new keys would cut every device off (ADR 0050), so nothing is created; the message says how
    to get the file back or replace the keys."""
    try:
        path.stat()
        return
    except (FileNotFoundError, NotADirectoryError):
        pass
    except OSError:
        return  # there, but not readable: load_store_keys says what is wrong with it
    pinned = session.get(StoreIdentity, 1)
    enrolled = int(session.scalar(select(func.count()).select_from(Device)) or 0)
    if pinned is None and not enrolled:
        return  # a new store: the first start makes the key file
    held = [f"store keys recorded (signing key {pinned.signing_public})"] if pinned is not None else []
    held += [f"{enrolled} enrolled device{'s' if enrolled != 1 else ''}"] if enrolled else []
    raise StoreKeyFileMissing(
        f"{key_file_setting()}: the store key file {path} is missing, but this database has "
        f"{' and '.join(held)}; nothing was created: restore the backed-up key file to {path} or point "
        f"{KEY_FILE_VARIABLE} at it; if it is lost for good, `auditapp admin replace-store-keys --yes` "
        "makes new keys and every device is enrolled again"
    )


def stage_key_file(path: Path) -> tuple[StoreKeys, Path]:
    """A new key pair written durably (mode 0600) beside `path` as `<name>.new`, not yet in use."""
    if path.is_dir():
        what = f"the store key file {path} is a folder: name the key file itself"
        raise StoreKeyFileError(what, key_file_setting())
    keys = StoreKeys.generate()
    staged = path.with_name(f"{path.name}.new")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        staged.unlink(missing_ok=True)  # left by an earlier attempt that did not finish
        fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(keys.to_private_bytes())
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        raise StoreKeyFileError(
            f"cannot write the new store key file {staged}: {_reason(exc)}", key_file_setting()
        ) from None
    return keys, staged


def pin_replacement(session: Session, keys: StoreKeys, actor: str) -> list[str]:
    """Pin new store keys in place of the old ones and revoke every active device, which holds the old
    public keys (recorded in the audit trail); returns the revoked device ids."""
    signing, receiving = b64encode(keys.public.signing), b64encode(keys.public.receiving)
    row = session.get(StoreIdentity, 1)
    old = row.signing_public if row is not None else None
    if row is None:
        session.add(StoreIdentity(id=1, signing_public=signing, receiving_public=receiving, created_at=now()))
    else:
        row.signing_public, row.receiving_public = signing, receiving
    trail.record(session, actor, "store", "keys", "replace_keys", {"signing_public": (old, signing)})
    return devices.revoke_active(session, actor)


def install_key_file(staged: Path, path: Path) -> None:
    """Put the staged key file in place once its keys are pinned; an existing file is kept beside it as
    `<name>.replaced-<time>`. The folder is synced so that the rename survives a power cut."""
    if path.exists():
        path.replace(path.with_name(f"{path.name}.replaced-{now():%Y%m%dT%H%M%S.%fZ}"))
    staged.replace(path)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def check_keys_current(session: Session, keys: StoreKeys) -> None:
    """Refuse (503, retried by devices) while this process still holds store keys that were replaced."""
    row = session.get(StoreIdentity, 1)
    if row is not None and row.signing_public != b64encode(keys.public.signing):
        raise ApiError(
            503,
            "store_keys_replaced",
            "the central store's keys were replaced: restart every server process with the new key file; "
            "retry afterwards",
        )


def store_instance(session: Session) -> str:
    """A short tag of this store's database, kept when its keys are replaced and new for a database made
    anew: it prefixes pull cursors, so that a device enrolled with another store starts from that store's
    first record instead of skipping up to a number that meant something elsewhere."""
    row = session.get(StoreIdentity, 1)
    assert row is not None  # pinned on start, before any route serves
    made = row.created_at.astimezone(UTC) if row.created_at.tzinfo else row.created_at
    return hashlib.sha256(made.replace(tzinfo=None).isoformat().encode("ascii")).hexdigest()[:12]


def pin_store_keys(session: Session, keys: StoreKeys, path: Path) -> None:
    """Record the store's public keys on first start; refuse a key file that differs from the recorded one."""
    signing, receiving = b64encode(keys.public.signing), b64encode(keys.public.receiving)
    row = session.get(StoreIdentity, 1)
    if row is None:
        session.add(StoreIdentity(id=1, signing_public=signing, receiving_public=receiving, created_at=now()))
        return
    if (row.signing_public, row.receiving_public) != (signing, receiving):
        raise StoreKeyMismatch(
            f"the store key file {path} does not hold the keys this database's devices enrolled with "
            f"(signing key {row.signing_public}); restore the backed-up key file "
            "or point AUDITAPP_STORE_KEY_FILE at it; if it is lost for good, `auditapp admin "
            "replace-store-keys` makes new keys and every device is enrolled again"
        )
