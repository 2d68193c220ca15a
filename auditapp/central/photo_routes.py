"""Photos for signed-in readers: the decrypted image or thumbnail of a photo, by its SHA-256.

Photos arrive as encrypted blobs (sync) and their keys inside the sealed PhotoAttached events; the store
keeps both and decrypts on request. A photo whose blob has not arrived yet is 404 `photo_not_received`,
one that no event refers to is 404 `unknown_photo`, and a path that is no SHA-256 hex digest is 422
`invalid_field`. What is served is checked against the SHA-256 asked for.
"""

import hashlib
import json
import re
from typing import Literal

from fastapi import APIRouter, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from auditapp.central.deps import Db, Reader
from auditapp.central.errors import ApiError
from auditapp.central.sync_tables import PhotoBlob
from auditapp.central.tables import StoredEvent
from auditapp.config import ServerConfig
from sync.blob_receiver import BlobReceiver
from sync.blobs import decrypt_blob
from sync.errors import SyncError
from sync.keys import b64decode

_SHA256 = re.compile(r"[0-9a-f]{64}")
CACHE = "private, max-age=86400, immutable"
"""A photo never changes under its SHA-256: a browser may keep it (privately) for a day."""
Variant = Literal["image", "thumbnail"]


def media_type(data: bytes) -> str:
    """The image type by its first bytes (processed photos are JPEG; thumbnails may be PNG)."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[4:12] in (b"ftypheic", b"ftypmif1"):
        return "image/heic"
    return "application/octet-stream"


def _key_of(session: Session, row: PhotoBlob) -> bytes | None:
    """The blob key, read from the PhotoAttached event that references the blob."""
    body = session.scalar(select(StoredEvent.body).where(StoredEvent.event_id == row.event_id))
    if body is None:
        return None
    payload = json.loads(body).get("payload") or {}
    prefix = "" if row.variant == "image" else "thumbnail_"
    if payload.get(f"{prefix}blob_id") != row.blob_id or not payload.get(f"{prefix}blob_key"):
        return None
    return b64decode(str(payload[f"{prefix}blob_key"]), what="photo key", size=32)


def read_photo(session: Session, blobs: BlobReceiver, sha256: str, variant: Variant) -> bytes:
    """The decrypted bytes of a photo (or its thumbnail); ApiError 404 when unknown or not received, 422 when
    `sha256` (the path parameter) is not a SHA-256 hex digest."""
    if not _SHA256.fullmatch(sha256):
        shown = f"{sha256[:80]!r}{'...' if len(sha256) > 80 else ''}"
        raise ApiError(
            422,
            "invalid_field",
            f"sha256 (in the path): {shown} is not a SHA-256 hex digest: 64 characters 0-9 a-f",
        )
    rows = list(
        session.scalars(select(PhotoBlob).where(PhotoBlob.sha256 == sha256, PhotoBlob.variant == variant))
    )
    if not rows:
        raise ApiError(404, "unknown_photo", f"no synced photo has the SHA-256 {sha256}")
    # The same photo attached twice travels as two blobs; any one that has arrived whole will do.
    for row in rows:
        if blobs.status(row.blob_id).state != "complete":
            continue
        key = _key_of(session, row)
        if key is None:
            continue
        with blobs.open_blob(row.blob_id) as handle:
            ciphertext = handle.read()
        try:
            data = decrypt_blob(ciphertext, key, blob_id=row.blob_id)
        except SyncError:
            continue
        if hashlib.sha256(data).hexdigest() == sha256:
            return data
    raise ApiError(
        404,
        "photo_not_received",
        f"the photo {sha256} has not arrived from the field device yet: it is uploaded when the device "
        "syncs; try again later",
    )


def photo_router(config: ServerConfig) -> APIRouter:
    """GET /api/photos/{sha256} and /api/photos/{sha256}/thumbnail over the store's blob folder."""
    router = APIRouter()
    blobs = BlobReceiver(config.blob_dir)

    def answer(data: bytes) -> Response:
        return Response(content=data, media_type=media_type(data), headers={"Cache-Control": CACHE})

    @router.get("/api/photos/{sha256}")
    def photo(sha256: str, s: Db, _user: Reader) -> Response:
        """A synced photo, decrypted (any signed-in user)."""
        return answer(read_photo(s, blobs, sha256, "image"))

    @router.get("/api/photos/{sha256}/thumbnail")
    def thumbnail(sha256: str, s: Db, _user: Reader) -> Response:
        """The thumbnail of a synced photo, by the photo's (or the thumbnail's own) SHA-256."""
        event_id = s.scalar(
            select(PhotoBlob.event_id)
            .where(PhotoBlob.sha256 == sha256, PhotoBlob.variant == "image")
            .limit(1)
        )
        thumb = _thumbnail_sha(s, event_id) if event_id is not None else None
        return answer(read_photo(s, blobs, thumb or sha256, "thumbnail"))

    return router


def _thumbnail_sha(session: Session, event_id: str) -> str | None:
    """The thumbnail SHA-256 recorded with a photo's event, when the asked SHA-256 is the photo's."""
    return session.scalar(
        select(PhotoBlob.sha256).where(PhotoBlob.event_id == event_id, PhotoBlob.variant == "thumbnail")
    )
