"""The wire between field devices and the central store: keys, sealed envelopes, blobs, transport, client.

Knows nothing of audits or CAPAs: events are opaque records (event id, sequence number, canonical JSON
body). The protocol is specified in docs/sync-protocol.md.
"""

from sync.batch import Record, record_digest
from sync.blob_receiver import BlobReceiver
from sync.blobs import (
    DEFAULT_CHUNK_SIZE,
    BlobStatus,
    EncryptedBlob,
    blob_id_of,
    decrypt_blob,
    encrypt_blob,
    iter_chunks,
)
from sync.client import CursorStore, PushResult, RecordOutbox, SyncClient
from sync.envelope import (
    DEFAULT_MAX_ENVELOPE_BYTES,
    DeviceRecord,
    OpenedEnvelope,
    open_envelope,
    open_pull_response,
    seal,
    seal_pull_response,
)
from sync.errors import (
    BadSignature,
    ConflictingEvent,
    EnvelopeRejected,
    Malformed,
    Refused,
    ReplayedEnvelope,
    RevokedDevice,
    Stopped,
    SyncError,
    Tampered,
    TooLarge,
    TransportError,
    UnknownDevice,
    plain_words,
)
from sync.header import EnvelopeHeader
from sync.ingest import IngestGuard, IngestPlan, verify_push
from sync.keys import DeviceKeys, PublicKeys, StoreKeys
from sync.progress import SyncProgress
from sync.request_auth import PullRequest, parse_pull_request, sign_request, verify_request
from sync.runner import SyncRunner
from sync.transport import Backoff, HttpTransport
from sync.uploads import BlobSource, BlobUpload, BlobUploader

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "DEFAULT_MAX_ENVELOPE_BYTES",
    "Backoff",
    "BadSignature",
    "BlobReceiver",
    "BlobSource",
    "BlobStatus",
    "BlobUpload",
    "BlobUploader",
    "ConflictingEvent",
    "CursorStore",
    "DeviceKeys",
    "DeviceRecord",
    "EncryptedBlob",
    "EnvelopeHeader",
    "EnvelopeRejected",
    "HttpTransport",
    "IngestGuard",
    "IngestPlan",
    "Malformed",
    "OpenedEnvelope",
    "PublicKeys",
    "PullRequest",
    "PushResult",
    "Record",
    "RecordOutbox",
    "Refused",
    "ReplayedEnvelope",
    "RevokedDevice",
    "Stopped",
    "StoreKeys",
    "SyncClient",
    "SyncError",
    "SyncProgress",
    "SyncRunner",
    "Tampered",
    "TooLarge",
    "TransportError",
    "UnknownDevice",
    "blob_id_of",
    "decrypt_blob",
    "encrypt_blob",
    "iter_chunks",
    "open_envelope",
    "open_pull_response",
    "parse_pull_request",
    "plain_words",
    "record_digest",
    "seal",
    "seal_pull_response",
    "sign_request",
    "verify_push",
    "verify_request",
]
