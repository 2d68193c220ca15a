"""Sync endpoints of the central store: enrollment, sealed push, resumable blob upload, sealed pull.

Wire formats are those of docs/sync-protocol.md. Devices authenticate by signature (the push envelope's own,
or the signed request headers of sync.request_auth); there is no device bearer token. Every refusal is a
JSON error with a stable code and leaves the database and the blob folder as they were.
"""

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from itertools import accumulate
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from auditapp.central import auth, enrollment, sync_team
from auditapp.central.database import Database
from auditapp.central.errors import ApiError
from auditapp.central.ingest import ingest, parse_records, pending_for
from auditapp.central.sync_tables import SyncEnvelope
from auditapp.central.tables import Device, StoredEvent, User
from auditapp.config import ServerConfig, env_int
from sync.batch import Record
from sync.blob_receiver import BlobReceiver, sha256_hex
from sync.blobs import MAX_CHUNK_SIZE, check_blob_id
from sync.envelope import (
    DEFAULT_MAX_ENVELOPE_BYTES,
    DeviceLookup,
    DeviceRecord,
    DeviceStatus,
    open_envelope,
    seal_pull_response,
)
from sync.errors import BadSignature, BlobHashMismatch, Malformed, SyncError, TooLarge
from sync.ingest import IngestGuard
from sync.keys import StoreKeys, b64decode, b64encode
from sync.request_auth import parse_pull_request, verify_request
from sync.uploads import COMPLETE_HEADER

ENVELOPE_TYPE = "application/vnd.auditapp.envelope"
SYNC_PREFIX = "/sync/v1"
PULL_PAGE_BYTES = 4 * 1024 * 1024
"""Records of one pull page, in bytes before sealing (a page holds at least one record)."""
_T = TypeVar("_T")


class EnrollBody(BaseModel):
    """A device asking to enroll with a one-time code."""

    code: str = Field(min_length=1, max_length=40)
    device_id: str = Field(min_length=1, max_length=64)
    signing_public: str = Field(min_length=1, max_length=100)
    receiving_public: str = Field(min_length=1, max_length=100)
    name: str = Field(default="", max_length=200)


class StorePublicKeys(BaseModel):
    """The central store's public keys, base64."""

    signing: str
    receiving: str


class EnrollReply(BaseModel):
    """The confirmed device id, who it belongs to and the store's keys to seal to and verify with."""

    device_id: str
    username: str
    display_name: str
    store: StorePublicKeys


class CodeBody(BaseModel):
    """Who a new enrollment code is for."""

    username: str = Field(min_length=1, max_length=80)


class CodeReply(BaseModel):
    """A one-time enrollment code (shown once) and when it expires."""

    code: str
    username: str
    expires_at: datetime


def _refusal(exc: SyncError | ApiError) -> JSONResponse:
    if isinstance(exc, ApiError):
        return JSONResponse(exc.as_json(), status_code=exc.status)
    return JSONResponse(exc.to_wire(), status_code=exc.http_status)


async def _body(request: Request, limit: int) -> bytes:
    """The request body, refused as too_large before more than `limit` bytes are read."""
    return b"".join(await _body_parts(request, limit))


async def _body_parts(request: Request, limit: int) -> list[bytes]:
    """The request body as the parts it arrived in (not joined: a blob's parts are written as they are)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge(f"request is {declared} bytes, over the limit of {limit}")
    parts: list[bytes] = []
    size = 0
    async for part in request.stream():
        size += len(part)
        if size > limit:
            raise TooLarge(f"request is over the limit of {limit} bytes")
        if part:
            parts.append(part)
    return parts


def _signed_path(request: Request) -> str:
    path = request.url.path
    return path[path.index(SYNC_PREFIX) :] if SYNC_PREFIX in path else path


def device_lookup(session: Session) -> DeviceLookup:
    """The sync package's view of the devices table: status and signing key, None when not enrolled."""

    def lookup(device_id: str) -> DeviceRecord | None:
        device = session.get(Device, device_id)
        if device is None:
            return None
        return _device_record(device.status, device.signing_public)

    return lookup


_DEVICE_KEY = select(Device.status, Device.signing_public).where(Device.id == bindparam("device_id"))


def request_device_lookup(db: Database) -> DeviceLookup:
    """device_lookup for a signed request outside any transaction: one indexed read on a pooled
    connection, read afresh on every request (so a revocation applies to the very next one)."""

    def lookup(device_id: str) -> DeviceRecord | None:
        with db.engine.connect() as connection:
            row = connection.execute(_DEVICE_KEY, {"device_id": device_id}).first()
        return None if row is None else _device_record(row.status, row.signing_public)

    return lookup


def _device_record(status: str, signing_public: str | None) -> DeviceRecord | None:
    if not signing_public:
        return None
    state: DeviceStatus = "active" if status == "active" else "revoked"
    return DeviceRecord(status=state, signing_public=b64decode(signing_public, what="key"))


def _guard(session: Session, device_id: str, records: list[Record]) -> IngestGuard:
    """An ingest guard over the store's tables, with the envelope's events read in one query."""
    ids = [record.event_id for record in records]
    held = {e.event_id: e for e in session.scalars(select(StoredEvent).where(StoredEvent.event_id.in_(ids)))}
    seqs = [record.seq for record in records]
    at_seq: dict[int, str] = {}
    if seqs:
        rows = session.execute(
            select(StoredEvent.seq, StoredEvent.event_id).where(
                StoredEvent.device_id == device_id, StoredEvent.seq.in_(seqs)
            )
        )
        at_seq = {seq: event_id for seq, event_id in rows}

    def envelope_seen(device: str, envelope_id: str) -> str | None:
        row = session.get(SyncEnvelope, (device, envelope_id))
        return row.digest if row is not None else None

    return IngestGuard(
        known_digest=lambda event_id: held[event_id].digest if event_id in held else None,
        envelope_seen=envelope_seen,
        event_at_seq=lambda _device, seq: at_seq.get(seq),
    )


def apply_push(session: Session, data: bytes, keys: StoreKeys, max_bytes: int) -> dict[str, Any]:
    """Open, verify and apply one push envelope in the caller's transaction; returns the acknowledgement."""
    opened = open_envelope(data, recipient=keys, device_lookup=device_lookup(session), max_bytes=max_bytes)
    sender = opened.header.sender
    enrollment.check_sender_role(session, sender)  # after the signature, as a revoked device (SYN-219)
    plan = _guard(session, sender, opened.records).classify(opened)
    if plan.must_write:
        device = session.get(Device, sender)
        assert device is not None  # open_envelope found it
        events = parse_records(plan.new, sender)
        ingest(session, device, events, fresh=True)
        sync_team.share_pushed(session, sender, events)
        header = opened.header
        session.add(
            SyncEnvelope(
                device_id=sender,
                envelope_id=header.envelope_id,
                digest=opened.digest,
                first_seq=header.first_seq,
                last_seq=header.last_seq,
                count=header.count,
                received_at=auth.now(),
            )
        )
    return plan.acknowledgement()


def sync_router(config: ServerConfig, db: Database) -> APIRouter:
    """The sync endpoints over one database, the blob folder and the store's key pair."""
    key_path = enrollment.store_key_path(config.blob_dir)
    keys: StoreKeys = enrollment.load_store_keys(key_path)
    with db.transaction() as session:
        enrollment.pin_store_keys(session, keys, key_path)
    with db.transaction() as session:  # read back as stored, the same in every process of this store
        instance = enrollment.store_instance(session)
    store_public = StorePublicKeys(
        signing=b64encode(keys.public.signing), receiving=b64encode(keys.public.receiving)
    )
    max_envelope = env_int("SYNC_MAX_ENVELOPE_BYTES", DEFAULT_MAX_ENVELOPE_BYTES, 1)
    blobs = BlobReceiver(config.blob_dir)
    router = APIRouter()

    async def guarded(work: Callable[[], _T]) -> _T | JSONResponse:
        """Run database or file work off the event loop; a refusal becomes its JSON error."""
        try:
            return await run_in_threadpool(work)
        except (SyncError, ApiError) as exc:
            return _refusal(exc)
        except IntegrityError:
            # The same envelope or event committed concurrently: the device retries and gets a resend.
            return _refusal(ApiError(503, "busy", "the central store is busy with the same data; retry"))

    # ------------------------------------------------------------------ enrollment
    @router.post("/api/enroll", response_model=EnrollReply)
    def enroll(body: EnrollBody, request: Request) -> EnrollReply | JSONResponse:
        """Register a device's public keys with a one-time code; answers with the store's public keys."""
        source = request.client.host if request.client else "unknown"
        with db.transaction() as session:
            enrollment.check_rate(session, source)
        try:
            with db.transaction() as session:
                enrollment.check_keys_current(session, keys)
                device, user = enrollment.enroll(session, enrollment.EnrollRequest(**body.model_dump()))
                sync_team.join_named_audits(session, device, user)
                return EnrollReply(
                    device_id=device.id,
                    username=user.username,
                    display_name=user.display_name,
                    store=store_public,
                )
        except ApiError as exc:
            if exc.code in ("unknown_code", "used_code", "expired_code", "device_of_another_user"):
                with db.transaction() as session:
                    enrollment.record_failure(session, source, exc.code)
            raise
        except IntegrityError:
            # The same new device id enrolled by two requests at once (PostgreSQL): one of them won.
            raise ApiError(503, "busy", "the central store is busy enrolling this device; retry") from None

    def issuer(request: Request) -> User:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise ApiError(401, "not_authenticated", "send an Authorization: Bearer token (sign in first)")
        with db.transaction() as session:
            user = auth.user_for_token(session, token.strip())
        if user.role not in enrollment.ISSUER_ROLES:
            raise ApiError(403, "forbidden", "only a quality manager or an administrator may issue codes")
        return user

    @router.post("/api/enrollment-codes", response_model=CodeReply)
    def issue_code(body: CodeBody, user: Annotated[User, Depends(issuer)]) -> CodeReply:
        """A one-time enrollment code for a user, valid 15 minutes (quality managers and admins)."""
        with db.transaction() as session:
            issued = enrollment.issue_code(session, body.username, issued_by=user.username)
        return CodeReply(code=issued.code, username=issued.username, expires_at=issued.expires_at)

    # ------------------------------------------------------------------ push
    def push(data: bytes) -> dict[str, Any]:
        with db.transaction() as session:
            enrollment.check_keys_current(session, keys)
            return apply_push(session, data, keys, max_envelope)

    @router.post(f"{SYNC_PREFIX}/push")
    async def push_route(request: Request) -> Any:
        """Open a sealed, signed envelope and apply its events in one transaction, exactly once."""
        try:
            data = await _body(request, max_envelope)
        except SyncError as exc:
            return _refusal(exc)
        return await guarded(lambda: push(data))

    # ------------------------------------------------------------------ pull
    def pull(headers: dict[str, str], path: str, body: bytes) -> bytes:
        with db.transaction() as session:
            enrollment.check_keys_current(session, keys)
            device_id = verify_request(
                headers, method="POST", path=path, body=body, device_lookup=device_lookup(session)
            )
            wanted = parse_pull_request(body, authenticated_device=device_id)
            after = _cursor_value(wanted.cursor, instance)
            messages = pending_for(session, device_id, after, wanted.limit + 1)
            more = len(messages) > wanted.limit
            messages = messages[: wanted.limit]
            # Keep a page well under the device's 8 MiB envelope limit whatever the records hold.
            kept = list(accumulate(len(m.body) for m in messages))
            fits = max(1, sum(1 for size in kept if size <= PULL_PAGE_BYTES))
            more, messages = more or fits < len(messages), messages[:fits]
            records = [Record(f"msg-{m.id}", m.id, m.body.encode("utf-8")) for m in messages]
            # The last id sent skips nothing: a device's records become visible in id order (pull_feed).
            cursor = f"{instance}.{messages[-1].id if messages else after}"
            device = session.get(Device, device_id)
            assert device is not None  # verify_request found it
            assert device.box_public is not None
            return seal_pull_response(
                records,
                store=keys,
                device_id=device_id,
                device_x25519_public=b64decode(device.box_public, what="device receiving key"),
                cursor=cursor,
                more=more,
                envelope_id=str(uuid.uuid4()),
                created_at=datetime.now(UTC).isoformat(),
            )

    @router.post(f"{SYNC_PREFIX}/pull")
    async def pull_route(request: Request) -> Any:
        """What is addressed to the device since its cursor, sealed to the device and signed by the store."""
        try:
            body = await _body(request, 64 * 1024)
        except SyncError as exc:
            return _refusal(exc)
        answer = await guarded(lambda: pull(dict(request.headers), _signed_path(request), body))
        if isinstance(answer, JSONResponse):
            return answer
        return Response(content=answer, media_type=ENVELOPE_TYPE)

    # ------------------------------------------------------------------ blobs
    lookup_device = request_device_lookup(db)

    def authenticate(request: Request, body: bytes, body_sha256: str | None = None) -> str:
        return verify_request(
            dict(request.headers),
            method=request.method,
            path=_signed_path(request),
            body=body,
            device_lookup=lookup_device,
            body_sha256=body_sha256,
        )

    @router.get(f"{SYNC_PREFIX}/blobs/{{blob_id}}")
    async def blob_status(blob_id: str, request: Request) -> Any:
        """What the store holds of a blob: absent, partial with the chunks received, or complete."""

        def work() -> dict[str, Any]:
            authenticate(request, b"")
            return blobs.status(check_blob_id(blob_id)).to_wire()

        return await guarded(work)

    @router.put(f"{SYNC_PREFIX}/blobs/{{blob_id}}/chunks/{{index}}")
    async def blob_chunk(blob_id: str, index: int, request: Request) -> Any:
        """Write one chunk at its offset (a chunk already received changes nothing); with the
        X-Blob-Complete header, accept the blob in the same request once no chunk is missing."""
        try:
            parts = await _body_parts(request, MAX_CHUNK_SIZE)
            total = _int_header(request, "X-Blob-Size")
            chunk_size = _int_header(request, "X-Chunk-Size")
        except SyncError as exc:
            return _refusal(exc)
        complete = request.headers.get(COMPLETE_HEADER, "") == "1"

        def work() -> dict[str, Any]:
            check_blob_id(blob_id)
            # Hashed once, part by part off the event loop: for the signature and the blob's own check.
            digest = sha256_hex(parts)
            try:
                authenticate(request, b"", digest)
            except BadSignature:
                if not (complete and sum(map(len, parts)) == total and digest != blob_id):
                    raise
                # Signed as the whole blob (its id as body hash) but the bytes differ: damaged on the way
                # or on the device. Authenticate what was signed, then refuse the bytes.
                authenticate(request, b"", blob_id)
                raise BlobHashMismatch(
                    f"blob {blob_id} does not hash to its id; nothing was kept, upload it again"
                ) from None
            status = blobs.write_chunk(
                blob_id,
                index,
                parts,
                total_size=total,
                chunk_size=chunk_size,
                complete=complete,
                data_sha256=digest,
            )
            return status.to_wire()

        return await guarded(work)

    @router.post(f"{SYNC_PREFIX}/blobs/{{blob_id}}/complete")
    async def blob_complete(blob_id: str, request: Request) -> Any:
        """Verify the whole blob's SHA-256 against its id and accept it; immutable afterwards."""
        try:
            body = await _body(request, 1024)
        except SyncError as exc:
            return _refusal(exc)

        def work() -> dict[str, Any]:
            authenticate(request, body)
            return blobs.complete(check_blob_id(blob_id)).to_wire()

        return await guarded(work)

    return router


def _count(text: str) -> int | None:
    """A non-negative integer written in ASCII digits that fits 64 bits; None for anything else ("²" is a
    digit to `str.isdigit` but not to `int`)."""
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        return None
    return int(text)


def _cursor_value(cursor: str | None, instance: str) -> int:
    """The last record id a device was sent, from its cursor `<store instance>.<id>` (a bare id from an
    earlier version of the store is taken as this store's); 0 for a cursor another store issued, whose
    number means nothing here (the device was enrolled with this store since)."""
    if cursor is None:
        return 0
    tag, _, number = cursor.rpartition(".")
    after = _count(number)
    if after is None or (cursor != number and not tag):
        raise Malformed(f"pull cursor {cursor!r} was not issued by this store")
    return after if cursor == number or tag == instance else 0


def _int_header(request: Request, name: str) -> int:
    value = _count(request.headers.get(name, ""))
    if value is None:
        raise Malformed(f"request header {name} must be a non-negative integer")
    return value
