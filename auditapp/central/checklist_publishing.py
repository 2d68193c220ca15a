"""Checklists the central store publishes to the field devices, as `checklist_update` pull records.

A quality manager or an administrator publishes a checklist file (any format the `checklists` importers read);
the store keeps the version, named by its content hash, and never changes it; publishing the same content
again changes nothing. Every active device is sent each version published while it is enrolled, a device
enrolled later is sent the current version of each checklist, and a device joining a team audit is sent the
versions the audit's plan pins (ADR 0054). Each version reaches a device once (`checklist_deliveries`).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import checklists
from auditapp.central import trail
from auditapp.central.auth import now
from auditapp.central.checklist_tables import ChecklistDelivery, PublishedChecklist
from auditapp.central.errors import ApiError
from auditapp.central.pull_feed import queue_for_device
from auditapp.central.tables import Device

CHECKLIST_UPDATE = "checklist_update"
"""Pull record kind: one published checklist version, its YAML document and the hash it must load to."""
MAX_RECORD_BYTES = 2 * 1024 * 1024
"""A checklist_update record is at most this many bytes of JSON, so it always fits one pull page (4 MiB)."""
DOCUMENT_FORMAT = "yaml"
_LIMITS = {"id": 100, "version": 100, "title": 300}


@dataclass(frozen=True)
class Publication:
    """A published checklist version as listed: number (order of publication), identity, who and when."""

    number: int
    checklist_id: str
    version: str
    title: str
    content_hash: str
    items: int
    source_name: str
    published_at: datetime
    published_by: str
    new: bool = False
    """True when this call published it; False when the same content was published before."""


def _publication(row: PublishedChecklist, new: bool = False) -> Publication:
    return Publication(
        row.id,
        row.checklist_id,
        row.version,
        row.title,
        row.content_hash,
        row.items,
        row.source_name,
        row.published_at,
        row.published_by,
        new,
    )


def invalid(message: str) -> ApiError:
    """The refusal of a checklist file that cannot be published, saying what is wrong and where."""
    return ApiError(422, "invalid_checklist", message)


def read_upload(file_name: str, data: bytes, format: str | None = None) -> checklists.Checklist:
    """A checklist from a file's bytes through the importer of its format (from the name, or `format`)."""
    name = Path(file_name.replace("\\", "/")).name.strip()
    if not name or name in (".", ".."):
        raise invalid("file_name: give the file's name with its extension (.yaml, .xlsx, .csv)")
    with tempfile.TemporaryDirectory(prefix="auditapp-checklist-") as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        try:
            return checklists.import_file(path, format)
        except checklists.ChecklistError as exc:
            # Named by the uploaded file, never by the store's temporary folder.
            where = checklists.ChecklistError(
                replace(p, source=name) if p.source == str(path) else p for p in exc.problems
            )
            raise invalid(f"the checklist cannot be published: {where}") from None


def document_of(checklist: checklists.Checklist) -> str:
    """The checklist as library YAML, checked to load back to the same content hash and to fit a record."""
    for field, limit in _LIMITS.items():
        if len(str(getattr(checklist, field))) > limit:
            raise invalid(f"the checklist's {field} is longer than {limit} characters")
    document = checklists.to_yaml(checklist)
    try:
        again = checklists.load_text(document, f"{checklist.id} as published")
    except checklists.ChecklistError as exc:
        raise invalid(f"checklist {checklist.id!r} cannot be written in the library format: {exc}") from None
    if again.content_hash != checklist.content_hash:
        raise invalid(f"checklist {checklist.id!r} does not read back the same from the library format")
    # The record's other fields take well under 1 KiB; the document is JSON-escaped as queue_for_device does.
    size = len(json.dumps(document)) + 1024
    if size > MAX_RECORD_BYTES:
        raise ApiError(
            413,
            "checklist_too_large",
            f"checklist {checklist.id!r} is {size} bytes as a pull record, over the limit of "
            f"{MAX_RECORD_BYTES}: split it into several checklists",
        )
    return document


def publish(
    session: Session, checklist: checklists.Checklist, *, source_name: str, actor: str
) -> Publication:
    """Publish a checklist version to every active device; the same content published before is a no-op."""
    known = session.scalar(
        select(PublishedChecklist).where(PublishedChecklist.content_hash == checklist.content_hash)
    )
    if known is not None:
        return _publication(known)
    _refuse_a_version_taken(session, checklist)
    row = PublishedChecklist(
        content_hash=checklist.content_hash,
        checklist_id=checklist.id,
        version=checklist.version,
        title=checklist.title,
        items=len(checklist.items),
        document=document_of(checklist),
        source_name=source_name[:255],
        published_at=now(),
        published_by=actor[:120],
    )
    session.add(row)
    session.flush()
    changes = {
        "checklist_id": (None, row.checklist_id),
        "version": (None, row.version),
        "title": (None, row.title),
        "items": (None, row.items),
        "number": (None, row.id),
    }
    trail.record(session, actor, "checklist", row.content_hash, "publish", changes)
    active = session.scalars(
        select(Device.id).where(Device.status == "active", Device.box_public.is_not(None)).order_by(Device.id)
    )
    for device_id in list(active):
        deliver(session, device_id, [row])
    return _publication(row, new=True)


def _refuse_a_version_taken(session: Session, checklist: checklists.Checklist) -> None:
    """A checklist id and version name one content: a changed checklist published under a version already
    in use (published before, or shipped with the app) would silently take that version's place on every
    tablet, so it is refused; so is a checklist with no items, which nobody could audit with."""
    if not checklist.items:
        raise invalid(f"checklist {checklist.id!r} has no items: there would be nothing to audit with")
    taken = session.scalar(
        select(PublishedChecklist).where(
            PublishedChecklist.checklist_id == checklist.id, PublishedChecklist.version == checklist.version
        )
    )
    where = f"published as number {taken.id}" if taken is not None else ""
    if not where:
        try:
            shipped = checklists.get_library_checklist(checklist.id)
        except LookupError:
            shipped = None
        if (
            shipped is not None
            and shipped.version == checklist.version
            and shipped.content_hash != checklist.content_hash
        ):
            where = "shipped with the app"
    if where:
        raise ApiError(
            409,
            "checklist_version_taken",
            f"checklist {checklist.id!r} version {checklist.version!r} is already {where} with other "
            "content: give the changed checklist a new version",
        )


def record_values(row: PublishedChecklist) -> dict[str, Any]:
    """The `checklist_update` record of a published version (contract: docs/sync-protocol.md section 7)."""
    return {
        "publication": row.id,
        "checklist_id": row.checklist_id,
        "version": row.version,
        "title": row.title,
        "content_hash": row.content_hash,
        "published_at": row.published_at.isoformat(),
        "format": DOCUMENT_FORMAT,
        "document": row.document,
    }


def deliver(session: Session, device_id: str, rows: Iterable[PublishedChecklist]) -> int:
    """Queue the versions the device has not been sent yet, oldest publication first; returns how many."""
    wanted = {row.id: row for row in rows}
    if not wanted:
        return 0
    sent = set(
        session.scalars(
            select(ChecklistDelivery.publication_id).where(
                ChecklistDelivery.device_id == device_id, ChecklistDelivery.publication_id.in_(wanted)
            )
        )
    )
    count = 0
    for number in sorted(set(wanted) - sent):
        queue_for_device(session, device_id, CHECKLIST_UPDATE, record_values(wanted[number]))
        session.add(ChecklistDelivery(device_id=device_id, publication_id=number, queued_at=now()))
        count += 1
    return count


def send_current(session: Session, device_id: str) -> int:
    """At enrollment: the newest published version of each checklist that the device was not sent yet."""
    newest = select(func.max(PublishedChecklist.id)).group_by(PublishedChecklist.checklist_id)
    rows = session.scalars(select(PublishedChecklist).where(PublishedChecklist.id.in_(newest)))
    return deliver(session, device_id, rows)


def send_pinned(session: Session, device_ids: Iterable[str], content_hashes: Iterable[str]) -> None:
    """Send devices the published versions among these content hashes (a team audit's pinned checklists)."""
    hashes = set(content_hashes)
    devices = sorted(set(device_ids))
    if not hashes or not devices:
        return
    rows = list(
        session.scalars(select(PublishedChecklist).where(PublishedChecklist.content_hash.in_(hashes)))
    )
    for device_id in devices:
        deliver(session, device_id, rows)


def published(session: Session) -> list[Publication]:
    """Every published version, the newest first."""
    rows = session.scalars(select(PublishedChecklist).order_by(PublishedChecklist.id.desc()))
    return [_publication(row) for row in rows]


def pinned_hashes(plans: Sequence[dict[str, Any]]) -> set[str]:
    """Content hashes of the checklists that plan values (`criteria` lists of refs) pin."""
    found: set[str] = set()
    for plan in plans:
        for ref in plan.get("criteria") or ():
            if isinstance(ref, dict) and isinstance(ref.get("content_hash"), str):
                found.add(ref["content_hash"])
    return found
