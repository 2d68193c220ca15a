"""Sync errors with stable codes: the store refuses with them, the client classifies and shows them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar


class SyncError(Exception):
    """Base of every sync failure; `code` is stable and travels on the wire, `message` is for people."""

    code: ClassVar[str] = "sync_error"
    http_status: ClassVar[int] = 400

    def __init__(self, message: str, *, details: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = dict(details or {})

    def to_wire(self) -> dict[str, Any]:
        """The JSON error body the store sends: {"error": {"code", "message", "details"}}."""
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class EnvelopeRejected(SyncError):
    """The store refuses an envelope (or a pull response is refused by the device); nothing was changed."""

    code = "envelope_rejected"


class TooLarge(EnvelopeRejected):
    """The request is over the size limit; refused before it is parsed."""

    code = "too_large"
    http_status = 413


class Malformed(EnvelopeRejected):
    """The bytes are not a well-formed envelope or request of this protocol version."""

    code = "malformed"
    http_status = 400


class UnknownDevice(EnvelopeRejected):
    """The sender's device id is not enrolled at this store."""

    code = "unknown_device"
    http_status = 401


class RevokedDevice(EnvelopeRejected):
    """The sender's device was revoked: everything it sends is refused."""

    code = "revoked_device"
    http_status = 403


class BadSignature(EnvelopeRejected):
    """The Ed25519 signature does not verify with the sender's registered key."""

    code = "bad_signature"
    http_status = 401


class Tampered(EnvelopeRejected):
    """The ciphertext does not decrypt under its header (AES-GCM authentication failed)."""

    code = "tampered"
    http_status = 400


class ReplayedEnvelope(EnvelopeRejected):
    """An envelope id the store already accepted, arriving with different bytes."""

    code = "replayed_envelope"
    http_status = 409


class ConflictingEvent(EnvelopeRejected):
    """A known event id (or a used per-device sequence number) arriving with different content."""

    code = "conflicting_event"
    http_status = 409


class BlobError(SyncError):
    """The store refuses a blob operation; the stored blob is unchanged."""

    code = "blob_error"


class BadChunk(BlobError):
    """A chunk whose index, length or declared sizes do not fit the blob being uploaded."""

    code = "bad_chunk"
    http_status = 400


class BlobIncomplete(BlobError):
    """Completion was asked for while chunks are still missing."""

    code = "blob_incomplete"
    http_status = 409


class BlobHashMismatch(BlobError):
    """The reassembled blob's SHA-256 is not its id; the partial upload is discarded."""

    code = "blob_hash_mismatch"
    http_status = 422


class BlobConflict(BlobError):
    """Different bytes for a blob that is already complete; completed blobs are immutable."""

    code = "blob_conflict"
    http_status = 409


class BlobNotFound(BlobError):
    """No blob (complete or partial) under this id."""

    code = "blob_not_found"
    http_status = 404


class TransportError(SyncError):
    """The network or the store is unavailable for now; the client retries.

    `answer_code` is the code of the store's last answer when it said why (say `store_keys_replaced`),
    so that the user reads that reason rather than "cannot be reached"."""

    code = "unavailable"
    http_status = 503

    def __init__(
        self, message: str, *, answer_code: str | None = None, details: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(message, details=details)
        self.answer_code = answer_code


class Refused(SyncError):
    """The store refused a request with a stable code; retrying the same request will not help."""

    code = "refused"

    def __init__(self, code: str, message: str, *, status: int, details: Mapping[str, Any] | None = None):
        super().__init__(message, details=details)
        self.refusal_code = code
        self.status = status

    def __str__(self) -> str:
        return f"{self.refusal_code}: {self.message}"


class Stopped(SyncError):
    """The client was asked to stop while waiting to retry."""

    code = "stopped"


ERROR_TYPES: dict[str, type[SyncError]] = {
    cls.code: cls
    for cls in (
        TooLarge,
        Malformed,
        UnknownDevice,
        RevokedDevice,
        BadSignature,
        Tampered,
        ReplayedEnvelope,
        ConflictingEvent,
        BadChunk,
        BlobIncomplete,
        BlobHashMismatch,
        BlobConflict,
        BlobNotFound,
    )
}
"""Every refusal code the store may send, mapped to its exception (and so its HTTP status)."""

PLAIN_WORDS: dict[str, str] = {
    "too_large": "A batch was too large for the central store; it will be sent in smaller parts.",
    "malformed": "The central store could not read what this tablet sent (protocol mismatch). "
    "Nothing is lost; update the app.",
    "unknown_device": "This tablet is not enrolled at the central store. Nothing is lost; enroll it again.",
    "revoked_device": "This tablet has been revoked by the quality manager; the central store refuses "
    "what it sends. Everything stays on this tablet; ask for a new enrollment code.",
    "bad_signature": "The central store could not verify this tablet's signature. Nothing is lost; "
    "enroll the tablet again.",
    "tampered": "Data was damaged on the way to the central store. It will be sent again.",
    "replayed_envelope": "The central store refused a batch it had seen with different content. "
    "Nothing is lost; contact support.",
    "conflicting_event": "The central store already holds a different version of a recorded change. "
    "Nothing is lost on this tablet; contact support.",
    "blob_hash_mismatch": "A photo arrived damaged at the central store; it will be uploaded again.",
    "blob_conflict": "The central store holds a different photo under the same id. Nothing is lost; "
    "contact support.",
    "unavailable": "The central store cannot be reached; changes wait on this tablet and are sent "
    "when the connection is back.",
    # Blob uploads: the client looks again and resends what is missing.
    "bad_chunk": "A photo upload did not match what the central store had of it; it continues from what "
    "the store holds.",
    "blob_incomplete": "Parts of a photo did not reach the central store; they are sent again.",
    "blob_not_found": "The central store lost track of a photo upload; the photo is sent again.",
    # Push refusals of the store's ingest.
    "malformed_event": "The central store refused a recorded change from this tablet as invalid. "
    "Nothing is lost on this tablet; update the app or contact support.",
    "wrong_device": "The central store refused changes that claim to come from another tablet. "
    "Nothing is lost on this tablet; contact support.",
    "busy": "The central store is busy; changes wait on this tablet and are sent again shortly.",
    "store_keys_replaced": "The central store is switching to new keys; changes wait on this tablet and "
    "are sent once it is back.",
    "internal_error": "The central store had an internal error; changes wait on this tablet and are "
    "sent again later.",
    # Enrollment.
    "unknown_code": "This enrollment code is not known: check it and type it again, or ask your "
    "quality manager for a new one.",
    "used_code": "This enrollment code was already used: ask your quality manager for a new one.",
    "expired_code": "This enrollment code has expired (codes last 15 minutes): ask your quality manager "
    "for a new one.",
    "too_many_attempts": "Too many wrong enrollment codes were tried from this network: wait 15 "
    "minutes, then try again.",
    "device_of_another_user": "This tablet is enrolled for another person at the central store; a code "
    "issued for you cannot take it over. Nothing is lost; set up a new workspace for yourself.",
    "role_not_in_field": "The person this tablet is enrolled for no longer has a role that audits in the "
    "field, so the central store refuses what it sends. Everything stays on this tablet and is sent once "
    "the role is given back: ask your quality manager.",
    "inactive_user": "The person this enrollment code was issued for is no longer active at the central "
    "store: ask your quality manager.",
    "unknown_user": "The central store has no active user of that name: ask your quality manager.",
    "invalid_keys": "The central store could not read this tablet's keys (protocol mismatch). Nothing "
    "is lost; update the app.",
    "invalid_device_id": "The central store could not read this tablet's id (protocol mismatch). Nothing "
    "is lost; update the app.",
    # Generic HTTP answers: a wrong address, an older store, a proxy in the way.
    "invalid_request": "The central store could not read a request from this tablet (protocol "
    "mismatch). Nothing is lost; update the app.",
    "bad_request": "The central store could not read a request from this tablet. Nothing is lost; "
    "update the app.",
    "not_authenticated": "The central store asked for a sign-in this tablet does not use. Nothing is "
    "lost; check the central store's address, then enroll the tablet again.",
    "invalid_token": "The central store refused a sign-in this tablet does not use. Nothing is lost; "
    "check the central store's address.",
    "token_expired": "The central store refused a sign-in this tablet does not use. Nothing is lost; "
    "check the central store's address.",
    "forbidden": "The central store does not allow this tablet to do that. Nothing is lost; ask your "
    "quality manager.",
    "not_found": "The address set for the central store does not offer sync (wrong address or an "
    "older version). Nothing is lost; check the address.",
    "method_not_allowed": "The address set for the central store does not offer sync (wrong address "
    "or an older version). Nothing is lost; check the address.",
    "not_acceptable": "The central store and this app do not understand each other (versions differ). "
    "Nothing is lost; update the app.",
    "unsupported_media_type": "The central store and this app do not understand each other (versions "
    "differ). Nothing is lost; update the app.",
    "conflict": "The central store refused a change as conflicting. Nothing is lost on this tablet; "
    "contact support.",
    "too_many_requests": "The central store asks this tablet to slow down; changes wait and are sent "
    "again shortly.",
    # Not the store's: a proxy in front of it refused a request over its body size limit (an HTML page).
    "http_413": "A proxy between this tablet and the central store refuses requests over its body size "
    "limit; this tablet sends photos and changes in smaller parts. If this message stays, ask IT to raise "
    "the proxy's body size limit (to at least 10 MB). Nothing is lost.",
}
"""What the field app shows for each code: what happened and that nothing was lost."""


def plain_words(code: str, fallback: str = "") -> str:
    """The sentence a user sees for an error code (the fallback, or a generic sentence, if unknown)."""
    return PLAIN_WORDS.get(code) or fallback or f"Sync failed ({code}). Nothing is lost; it will be retried."


TOO_LARGE_CODES = frozenset({"too_large", "http_413"})
"""A request over a body size limit: the store's own refusal, or a proxy's page in front of it."""


def local_failure_words(exc: BaseException) -> str:
    """The sentence for a round that failed on the device itself (its disk, a photo file, a bug), not on
    the network or at the store: the exception's own message, since sync does not know the app's errors."""
    message = str(exc).strip().rstrip(".") or type(exc).__name__
    return f"Sync stopped on this tablet: {message}. Nothing is lost; it is tried again shortly."
