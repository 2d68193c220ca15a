"""Checklists the central store published to this device (`checklist_update` pull records), kept verified.

A record is kept only when its document loads with the `checklists` loader to exactly the checklist id,
version and content hash it announces; anything else is refused, logged and listed in the workspace's
refusals, and never stops the pull (ADR 0055). Kept versions live in the workspace's encrypted settings:

    checklists.received            JSON list of the versions held, in the order they arrived
    checklists.document.<hash>     the version's YAML document
    checklists.refused             JSON list of the last refusals (when, why, what, made good since)

A version is never changed or removed: audits planned with it keep finding it by its content hash.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

import checklists
from auditapp.domain.errors import AuditAppError
from auditapp.services.ports import Settings

log = logging.getLogger(__name__)

CHECKLIST_UPDATE = "checklist_update"
INDEX = "checklists.received"
DOCUMENT_PREFIX = "checklists.document."
REFUSED = "checklists.refused"
MAX_DOCUMENT_BYTES = 4 * 1024 * 1024
"""A document larger than this is refused unread (the store sends at most 2 MiB records)."""
KEEP_REFUSALS = 50
_HASH = re.compile(r"^[0-9a-f]{64}$")


class ChecklistUpdateRefused(AuditAppError):
    """A checklist_update record that is malformed or does not verify; the message says what is wrong."""


@dataclass(frozen=True)
class ReceivedChecklist:
    """A published checklist version held on this device."""

    checklist_id: str
    version: str
    title: str
    content_hash: str
    publication: int
    """The store's publication number: a higher one is a later publication."""
    items: int
    published_at: str
    received_at: str


@dataclass(frozen=True)
class Refusal:
    """A checklist update this device refused, and why."""

    at: str
    reason: str
    checklist_id: str
    content_hash: str
    settled: bool = False
    """A version of the same checklist that verifies was kept after this refusal."""


_parsed: dict[str, checklists.Checklist] = {}
_parsed_lock = threading.Lock()


def _text(record: Mapping[str, Any], name: str, limit: int = 300) -> str:
    value = record.get(name)
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise ChecklistUpdateRefused(f"the update's {name} is missing or not a short text")
    return value


def verify(
    record: Mapping[str, Any], received_at: str
) -> tuple[ReceivedChecklist, str, checklists.Checklist]:
    """Check a record and load its document: the entry to keep, the document and the checklist."""
    checklist_id = _text(record, "checklist_id")
    content_hash = _text(record, "content_hash")
    if not _HASH.match(content_hash):
        raise ChecklistUpdateRefused("the update's content_hash is not a SHA-256 in hex")
    publication = record.get("publication")
    if not isinstance(publication, int) or isinstance(publication, bool) or publication < 1:
        raise ChecklistUpdateRefused("the update's publication number is missing")
    if record.get("format") != "yaml":
        raise ChecklistUpdateRefused(
            f"the update's format {record.get('format')!r} is not one this app reads"
        )
    document = record.get("document")
    if not isinstance(document, str) or len(document) > MAX_DOCUMENT_BYTES:
        raise ChecklistUpdateRefused("the update's document is missing or too large")
    try:
        checklist = checklists.load_text(document, f"published checklist {checklist_id}")
    except checklists.ChecklistError as exc:
        first = exc.problems[0] if exc.problems else "unreadable"
        raise ChecklistUpdateRefused(f"the checklist does not load: {first}") from None
    except Exception as exc:  # a document the loader chokes on must be refused, never crash the pull
        raise ChecklistUpdateRefused(f"the checklist does not load: {type(exc).__name__}") from None
    if checklist.id != checklist_id or checklist.version != _text(record, "version"):
        raise ChecklistUpdateRefused(
            f"the document is {checklist.id} version {checklist.version}, not the announced "
            f"{checklist_id} version {record.get('version')}"
        )
    if checklist.content_hash != content_hash:
        raise ChecklistUpdateRefused("the document does not match its content hash")
    entry = ReceivedChecklist(
        checklist_id,
        checklist.version,
        checklist.title,
        content_hash,
        publication,
        len(checklist.items),
        str(record.get("published_at") or ""),
        received_at,
    )
    return entry, document, checklist


def receive(settings: Settings, record: Mapping[str, Any], received_at: str) -> ReceivedChecklist | None:
    """Keep a verified update (None when this version is held already); ChecklistUpdateRefused otherwise."""
    entry, document, checklist = verify(record, received_at)
    held = received(settings)
    if any(e.content_hash == entry.content_hash for e in held):
        return None
    # The document first: a crash in between leaves an unlisted document, never a listed one missing.
    settings.put(DOCUMENT_PREFIX + entry.content_hash, document)
    settings.put(INDEX, json.dumps([asdict(e) for e in [*held, entry]], sort_keys=True))
    with _parsed_lock:
        _parsed[entry.content_hash] = checklist
    _settle(settings, entry.checklist_id)
    return entry


def received(settings: Settings) -> list[ReceivedChecklist]:
    """Every published version held on this device, in the order they arrived."""
    try:
        rows = json.loads(settings.get(INDEX) or "[]")
        return [ReceivedChecklist(**row) for row in rows]
    except (ValueError, TypeError) as exc:
        log.warning("the list of received checklists cannot be read: %s", exc)
        return []


def load(settings: Settings, content_hash: str) -> checklists.Checklist | None:
    """A held version by content hash, checked again against it (None when not held or unreadable)."""
    with _parsed_lock:
        found = _parsed.get(content_hash)
    if found is not None:
        return found
    document = settings.get(DOCUMENT_PREFIX + content_hash)
    if document is None:
        return None
    try:
        checklist = checklists.load_text(document, f"received checklist {content_hash[:12]}")
    except checklists.ChecklistError as exc:
        log.warning("a received checklist cannot be loaded: %s", exc)
        return None
    if checklist.content_hash != content_hash:
        log.warning("a received checklist no longer matches its content hash %s", content_hash)
        return None
    with _parsed_lock:
        _parsed[content_hash] = checklist
    return checklist


def refuse(settings: Settings, record: Mapping[str, Any], reason: str, at: str) -> Refusal:
    """Note a refused update in the log and in the workspace (the last KEEP_REFUSALS are kept)."""
    refusal = Refusal(
        at,
        reason,
        str(record.get("checklist_id") or "")[:300],
        str(record.get("content_hash") or "")[:64],
    )
    log.warning("a checklist update from the central store was refused: %s", reason)
    kept = [asdict(r) for r in refusals(settings)][-(KEEP_REFUSALS - 1) :]
    settings.put(REFUSED, json.dumps([*kept, asdict(refusal)], sort_keys=True))
    return refusal


def refusals(settings: Settings) -> list[Refusal]:
    """The checklist updates this device refused, oldest first."""
    try:
        return [Refusal(**row) for row in json.loads(settings.get(REFUSED) or "[]")]
    except (ValueError, TypeError):
        return []


def outstanding_refusals(settings: Settings) -> list[Refusal]:
    """Refusals no later update made good, oldest first: what the sync panel shows (ADR 0055)."""
    return [r for r in refusals(settings) if not r.settled]


def _settle(settings: Settings, checklist_id: str) -> None:
    """Mark the refusals of a checklist (and those naming none) as made good by a version just kept."""
    rows = refusals(settings)
    if any(not r.settled and r.checklist_id in ("", checklist_id) for r in rows):
        settled = [replace(r, settled=True) if r.checklist_id in ("", checklist_id) else r for r in rows]
        settings.put(REFUSED, json.dumps([asdict(r) for r in settled], sort_keys=True))
