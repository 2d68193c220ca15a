"""The audit as a JSON document: every event (the source of truth) plus a readable summary, and its reader.

The reader checks everything before anything is imported: the format and version, that each event is
well formed, valid for its kind and of the document's audit, and that each embedded photo matches its
SHA-256. A problem raises ValidationError naming the file and where in it (ADR 0092).

The writer replaces half of a character pair that lacks its other half with U+FFFD (REP-013): UTF-8 cannot
hold it, and capture refuses it now, but older events may have it. Re-importing the document adds nothing
for those events: an event already held is known by its id.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from auditapp.domain.errors import ValidationError
from auditapp.domain.events import DomainEvent
from auditapp.domain.evidence import PhotoRef
from auditapp.domain.payloads import validate_payload, well_formed
from auditapp.domain.plan import encode_plan_field
from auditapp.services.reporting import AuditDossier, fetch_photo

FORMAT = "auditapp-audit"
VERSION = 1


@dataclass(frozen=True)
class AuditDocument:
    """A read document: the audit id, its events in document order and the photos it carries."""

    audit_id: str
    events: list[DomainEvent]
    photos: dict[str, bytes] = field(default_factory=dict)


def audit_document(dossier: AuditDossier, *, with_photos: bool = False) -> dict[str, Any]:
    """The JSON value of the document (photos embedded as base64 when asked and available)."""
    state, plan = dossier.state, dossier.state.plan
    photos: dict[str, str] = {}
    left_out: dict[str, str] = {}
    if with_photos:
        for ref in (e for e in state.evidence if isinstance(e, PhotoRef)):
            data, why = fetch_photo(dossier.photos, ref.sha256)
            if data is not None:
                photos[ref.sha256] = base64.b64encode(data).decode("ascii")
            elif why:
                left_out[ref.sha256] = why  # damaged: named, never left out silently (REP-017)
    summary = {
        "plan": {name: encode_plan_field(name, getattr(plan, name)) for name in plan.__dataclass_fields__}
        if plan
        else None,
        "closed": state.closed,
        "answers": {item: r.answer.value for item, r in sorted(state.responses.items())},
        "findings": [
            {"id": f.finding_id, "clause": f.clause, "grade": f.grade.value, "statement": f.statement}
            for f in sorted(state.findings.values(), key=lambda f: f.finding_id)
        ],
    }
    return {
        "format": FORMAT,
        "version": VERSION,
        "audit_id": state.audit_id,
        "exported_at": dossier.generated_at.astimezone(dt.UTC).isoformat(),
        "source": dossier.source,
        "summary": summary,
        "events": [e.to_dict() for e in dossier.events],
        "photos": photos,
        **({"photos_not_included": left_out} if left_out else {}),
    }


def to_json(dossier: AuditDossier, *, with_photos: bool = False) -> bytes:
    """The document as UTF-8 JSON (any lone half of a character pair written as U+FFFD)."""
    text = json.dumps(audit_document(dossier, with_photos=with_photos), ensure_ascii=False, indent=1)
    return well_formed(text).encode()


def read_document(data: bytes, where: str = "the document") -> AuditDocument:
    """Parse and check a document; ValidationError says what is wrong and where, nothing is half-read."""
    try:
        value = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ValidationError(f"{where} is not UTF-8 text: not an audit export") from None
    except json.JSONDecodeError as exc:
        raise ValidationError(
            f"{where} line {exc.lineno} column {exc.colno}: not valid JSON ({exc.msg})"
        ) from None
    if not isinstance(value, Mapping) or value.get("format") != FORMAT:
        raise ValidationError(f'{where} is not an auditapp audit export (no "format": "{FORMAT}")')
    if value.get("version") != VERSION:
        raise ValidationError(
            f"{where}: version {value.get('version')!r} is not supported (expected {VERSION})"
        )
    audit_id = value.get("audit_id")
    raw = value.get("events")
    if not isinstance(audit_id, str) or not audit_id or not isinstance(raw, list) or not raw:
        raise ValidationError(f"{where}: the audit id or its events are missing")
    events = []
    for index, item in enumerate(raw):
        place = f"{where}: events[{index}]"
        if not isinstance(item, Mapping):
            raise ValidationError(f"{place} is not an event object")
        try:
            event = DomainEvent.from_dict(item)
            validate_payload(event.kind, event.payload)
        except ValidationError as exc:
            raise ValidationError(f"{place}: {exc}") from None
        if event.audit_id != audit_id:
            raise ValidationError(f"{place} belongs to audit {event.audit_id}, not {audit_id}")
        events.append(event)
    embedded = value.get("photos")
    if embedded is None:
        embedded = {}
    if not isinstance(embedded, Mapping):
        raise ValidationError(
            f"{where}: photos must be an object of SHA-256 -> base64 photo, not {_json_kind(embedded)}"
        )
    photos: dict[str, bytes] = {}
    for digest, text in embedded.items():
        if not isinstance(text, str):
            raise ValidationError(f"{where}: photos[{digest}] must be base64 text, not {_json_kind(text)}")
        try:
            blob = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise ValidationError(f"{where}: photos[{digest}] is not base64") from None
        if hashlib.sha256(blob).hexdigest() != digest:
            raise ValidationError(f"{where}: photos[{digest}] does not match its SHA-256")
        photos[digest] = blob
    return AuditDocument(audit_id, events, photos)


def _json_kind(value: object) -> str:
    """What a JSON value is, in the words of JSON (a list, text, a number, ...)."""
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "text"
    if isinstance(value, int | float):
        return "a number"
    return "an object" if isinstance(value, Mapping) else "null"
