"""Capture use cases on the floor: answer items, take notes, interview, photograph, review documents.

Each checks its input against the audit (item in its checklists, clause of that item, finding raised,
audit still open) before anything is stored, and raises ValidationError naming the field otherwise.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable
from typing import Protocol, runtime_checkable

from auditapp.domain import drafts
from auditapp.domain.errors import ValidationError
from auditapp.domain.evidence import EvidenceTarget, GeoPoint
from auditapp.domain.responses import parse_answer
from auditapp.domain.state import AuditState
from auditapp.services.context import CaptureContext
from auditapp.services.ports import ProcessedPhoto


def resolve_target(
    ctx: CaptureContext,
    state: AuditState,
    item_id: str | None = None,
    clause: str | None = None,
    finding_id: str | None = None,
) -> EvidenceTarget:
    """Where evidence goes: a raised finding, or an item of the audit (its clause filled in if omitted)."""
    if finding_id is not None:
        if item_id is not None:
            raise ValidationError(
                "evidence belongs either to an item or to a finding, not both", "finding_id"
            )
        if finding_id not in state.findings:
            raise ValidationError(f"finding {finding_id!r} has not been raised in this audit", "finding_id")
        return EvidenceTarget.finding(finding_id)
    if item_id is None:
        raise ValidationError("evidence must belong to a checklist item or a finding", "item_id")
    item = ctx.item(state, item_id, clause)
    return EvidenceTarget.item(item.item_id, item.clause)


def record_response(
    ctx: CaptureContext, audit_id: str, item_id: str, clause: str | None, answer: str, notes: str = ""
) -> AuditState:
    """Answer a checklist item; notes given with it are kept as a note on the item (append-only)."""
    state = ctx.open_for_capture(audit_id)
    item = ctx.item(state, item_id, clause)
    verdict = parse_answer(answer)
    batch = [
        drafts.response_recorded(
            item.item_id, item.clause, verdict, state.version("response", item_id, "answer")
        )
    ]
    if notes.strip():
        batch.append(drafts.note_added(ctx.new_id(), EvidenceTarget.item(item.item_id, item.clause), notes))
    ctx.record(audit_id, batch)
    return ctx.state(audit_id)


def _add_evidence(
    ctx: CaptureContext,
    audit_id: str,
    where: tuple[str | None, str | None, str | None],
    build: Callable[[str, EvidenceTarget], drafts.Draft],
) -> str:
    """Record one piece of evidence on its item or finding under a new evidence id; returns the id."""
    state = ctx.open_for_capture(audit_id)
    target = resolve_target(ctx, state, *where)
    evidence_id = ctx.new_id()
    ctx.record(audit_id, [build(evidence_id, target)])
    return evidence_id


def add_note(
    ctx: CaptureContext,
    audit_id: str,
    text: str,
    *,
    item_id: str | None = None,
    clause: str | None = None,
    finding_id: str | None = None,
) -> str:
    """Write a free-text note on an item or a finding; returns the note's evidence id."""
    return _add_evidence(
        ctx,
        audit_id,
        (item_id, clause, finding_id),
        lambda evidence_id, target: drafts.note_added(evidence_id, target, text),
    )


def record_interview(
    ctx: CaptureContext,
    audit_id: str,
    *,
    person: str,
    role: str,
    question: str,
    answer: str,
    item_id: str | None = None,
    clause: str | None = None,
    finding_id: str | None = None,
) -> str:
    """Record who was asked what and what they answered; returns the evidence id."""
    return _add_evidence(
        ctx,
        audit_id,
        (item_id, clause, finding_id),
        lambda evidence_id, target: drafts.interview_recorded(
            evidence_id, target, person, role, question, answer
        ),
    )


@runtime_checkable
class PhotoUploads(Protocol):
    """A photo store that also queues an encrypted copy of what it keeps for upload to the central store."""

    def queue_upload(self, data: bytes) -> tuple[str, str]:
        """Encrypt the bytes under a fresh key and queue them; returns (blob id, base64 key)."""


@runtime_checkable
class UploadWithdrawal(Protocol):
    """An upload queue that takes back a blob it queued and has not uploaded yet.

    Kept apart from PhotoUploads on purpose: a queue without it still gets every photo queued (a photo
    that fails part-way then leaves its blobs queued), rather than none."""

    def withdraw_upload(self, blob_id: str) -> None:
        """Forget a queued blob that no event refers to, so that it is never uploaded."""


def attach_photo(
    ctx: CaptureContext,
    audit_id: str,
    photo: ProcessedPhoto,
    *,
    caption: str = "",
    include_gps: bool = False,
    item_id: str | None = None,
    clause: str | None = None,
    finding_id: str | None = None,
) -> str:
    """Keep a processed photo in the photo store and attach it; GPS is stored only if the auditor opted in.

    When the photo store queues uploads (PhotoUploads), the image and its thumbnail are queued as
    encrypted blobs and the event carries their ids and keys; the upload itself happens later, in the
    background, and capture never waits for it. A photo refused or failing part-way is refused whole: its
    event is checked before anything is kept, and blobs already queued are withdrawn (FLD-114).
    """
    state = ctx.open_for_capture(audit_id)
    target = resolve_target(ctx, state, item_id, clause, finding_id)
    if not photo.image:
        raise ValidationError("the photo is empty", "photo")
    if not photo.thumbnail:
        raise ValidationError("the photo has no thumbnail", "photo")
    gps = GeoPoint(*photo.gps) if include_gps and photo.gps is not None else None
    evidence_id = ctx.new_id()
    digests = {"sha256": hashlib.sha256(photo.image).hexdigest()}
    digests["thumbnail_sha256"] = hashlib.sha256(photo.thumbnail).hexdigest()

    def draft(blob: tuple[str, str] | None, thumbnail_blob: tuple[str, str] | None) -> drafts.Draft:
        return drafts.photo_attached(
            evidence_id,
            target,
            sha256=digests["sha256"],
            thumbnail_sha256=digests["thumbnail_sha256"],
            width=photo.width,
            height=photo.height,
            captured_at=photo.captured_at.isoformat() if photo.captured_at else None,
            gps=gps,
            caption=caption,
            blob=blob,
            thumbnail_blob=thumbnail_blob,
        )

    checked = draft(None, None)  # a refused caption (or size) is refused before anything is kept
    # Bytes first: an event must never point at a photo the device does not hold (or has not queued).
    for data, field in ((photo.image, "sha256"), (photo.thumbnail, "thumbnail_sha256")):
        if ctx.photos.put(data) != digests[field]:
            raise ValidationError("the photo store returned a different SHA-256 than the photo's", "photo")
    if not isinstance(ctx.photos, PhotoUploads):
        ctx.record(audit_id, [checked])
        return evidence_id
    queued: list[str] = []
    try:
        blob = ctx.photos.queue_upload(photo.image)
        queued.append(blob[0])
        thumbnail_blob = ctx.photos.queue_upload(photo.thumbnail)
        queued.append(thumbnail_blob[0])
        ctx.record(audit_id, [draft(blob, thumbnail_blob)])
    except BaseException as exc:
        # A save whose outcome is unknown (`may_be_saved`: the store could not undo a failed write) keeps
        # the blobs, as does any doubt about whether the event was stored.
        if not getattr(exc, "may_be_saved", False) and not _recorded(ctx, audit_id, evidence_id):
            _withdraw(ctx.photos, queued)
        raise
    return evidence_id


def _recorded(ctx: CaptureContext, audit_id: str, evidence_id: str) -> bool:
    """Whether the photo's event is stored after all (a failure after the durable append); in doubt, yes:
    a blob nothing refers to is better than an event whose photo never reaches the central store."""
    try:
        events = ctx.store.events(audit_id)
    except Exception:  # the store itself failing: keep the blobs
        return True
    return any(event.payload.get("evidence_id") == evidence_id for event in events)


def _withdraw(photos: object, blob_ids: list[str]) -> None:
    """Take queued blobs of a photo that was not recorded back out of the upload queue (best effort: the
    error that stopped the photo is what the auditor needs to see)."""
    if not isinstance(photos, UploadWithdrawal):
        return
    for blob_id in blob_ids:
        with contextlib.suppress(Exception):
            photos.withdraw_upload(blob_id)


def review_document(
    ctx: CaptureContext,
    audit_id: str,
    *,
    document_id: str,
    revision: str,
    title: str = "",
    item_id: str | None = None,
    clause: str | None = None,
    finding_id: str | None = None,
) -> str:
    """Record a controlled document read at a revision (the procedure 'on paper'); returns the evidence id."""
    return _add_evidence(
        ctx,
        audit_id,
        (item_id, clause, finding_id),
        lambda evidence_id, target: drafts.document_reviewed(
            evidence_id, target, document_id, revision, title
        ),
    )


def link_evidence(ctx: CaptureContext, audit_id: str, finding_id: str, evidence_id: str) -> AuditState:
    """Cite a piece of evidence already captured as objective evidence of a finding."""
    state = ctx.open_for_capture(audit_id)
    if finding_id not in state.findings:
        raise ValidationError(f"finding {finding_id!r} has not been raised in this audit", "finding_id")
    if evidence_id not in state.evidence_by_id():
        raise ValidationError(f"no evidence with id {evidence_id!r} in this audit", "evidence_id")
    if evidence_id in state.findings[finding_id].evidence_ids:
        return state
    ctx.record(audit_id, [drafts.evidence_linked(finding_id, evidence_id)])
    return ctx.state(audit_id)
