"""A photo file chosen by the auditor becomes photo evidence: processed by the media pipeline, then attached.

The pipeline (Pillow) lives in auditapp.media and is handed in by the bootstrap as a PhotoProcessor,
so the services and screens never import it. A file it refuses is reported with the file's name and
nothing is stored.
"""

from __future__ import annotations

import errno
from typing import Protocol

from auditapp.domain.errors import AuditAppError, ValidationError
from auditapp.services.capture import attach_photo
from auditapp.services.context import CaptureContext
from auditapp.services.ports import ProcessedPhoto

MAX_PHOTO_FILE_BYTES = 50 * 1024 * 1024
"""Larger files are refused before decoding: no tablet camera writes a 50 MB JPEG or HEIC."""


class PhotoNotSavedError(AuditAppError):
    """The device could not write the photo (its storage is full, or failing); nothing was saved."""

    def __init__(self, name: str, exc: OSError):
        why = exc.strerror or str(exc)
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            super().__init__(
                f"the tablet is full: free some space on it, then attach {name} again; nothing was saved"
            )
        else:
            super().__init__(f"could not save {name} on this device ({why}); nothing was saved: try again")


class PhotoProcessor(Protocol):
    """Turns the bytes of an image file into a ProcessedPhoto; an unusable file raises an AuditAppError."""

    def __call__(self, data: bytes, *, keep_gps: bool = False) -> ProcessedPhoto:
        """The processed photo."""


def attach_photo_file(
    ctx: CaptureContext,
    process: PhotoProcessor,
    audit_id: str,
    *,
    data: bytes,
    file_name: str,
    caption: str = "",
    include_gps: bool = False,
    item_id: str | None = None,
    finding_id: str | None = None,
) -> str:
    """Process the file and attach it to an item or a finding; returns the photo's evidence id."""
    name = file_name or "the chosen file"
    ctx.open_for_capture(audit_id)
    if not data:
        raise ValidationError(f"{name} is empty: choose a photo (JPEG, PNG or HEIC)", "photo")
    if len(data) > MAX_PHOTO_FILE_BYTES:
        size = len(data) // (1024 * 1024)
        raise ValidationError(f"{name} is {size} MB: a photo file may be at most 50 MB", "photo")
    try:
        photo = process(data, keep_gps=include_gps)
    except AuditAppError as exc:
        raise ValidationError(
            f"{name} cannot be used: {exc}. Choose a JPEG, PNG or HEIC photo", "photo"
        ) from None
    try:
        return attach_photo(
            ctx,
            audit_id,
            photo,
            caption=caption,
            include_gps=include_gps,
            item_id=item_id,
            finding_id=finding_id,
        )
    except OSError as exc:
        # The photo store reports its own write failures as StoreErrors; this catches the files written
        # beside it (the upload queue), so a full tablet is never a bare OSError the screen cannot show.
        # "Nothing was saved" holds: attach_photo took back any blob it had queued (FLD-114).
        raise PhotoNotSavedError(name, exc) from exc
