"""Electronic signature of a CAPA's closure (21 CFR 11.50, 11.70): what it shows and what it binds to.

The signature binds to the SHA-256 of the canonical JSON of the CAPA's content as signed (ADR 0061):
every recorded field, action, verification, check and result, but not the state that signing itself
changes (closed or not). Recomputing the digest of the current content and comparing it with the
signature's tells on every read whether the record still is what was signed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from auditapp.domain.capa import Capa
from auditapp.domain.errors import ValidationError
from auditapp.domain.events import canonical_json

MEANING_APPROVED_CLOSURE = "approved closure"
"""The only meaning a closure signature can carry."""

CONTENT_VERSION = 1
"""Version of the signed content's layout, part of the content so a later layout cannot collide."""

_OFFSET = re.compile(r"^[+-](\d{2}):(\d{2})$")


def signed_content(capa: Capa) -> dict[str, Any]:
    """The CAPA's content as a signature binds it: plain JSON values, actions and checks in id order."""
    verification = capa.verification
    return {
        "content_version": CONTENT_VERSION,
        "capa_id": capa.capa_id,
        "title": capa.title,
        "problem_statement": capa.problem_statement,
        "owner": capa.owner,
        "source_finding_ids": sorted(capa.source_finding_ids),
        "containment": capa.containment,
        "correction": capa.correction,
        "root_cause": {
            "method": capa.root_cause_method.value if capa.root_cause_method else None,
            "result": capa.root_cause_result,
        },
        "actions": [
            {
                "id": a.action_id,
                "kind": a.kind.value,
                "description": a.description,
                "owner": a.owner,
                "due_date": a.due_date.isoformat() if a.due_date else None,
                "status": a.status.value,
                "evidence": a.evidence,
                "document_id": a.document_id,
                "document_revision": a.document_revision,
                "communication_record": a.communication_record,
                "cancel_reason": a.cancel_reason,
            }
            for a in sorted(capa.actions, key=lambda a: a.action_id)
        ],
        "document_update_justification": capa.document_update_justification,
        "communication_justification": capa.communication_justification,
        "verification": None
        if verification is None
        else {
            "compliance_unaffected": verification.compliance_unaffected,
            "safety_performance_unaffected": verification.safety_performance_unaffected,
            "comment": verification.comment,
            "verified_by": verification.verified_by,
        },
        "effectiveness_checks": [
            {
                "id": c.check_id,
                "criterion": c.criterion,
                "method": c.method.value,
                "window_start": c.window_start.isoformat(),
                "window_end": c.window_end.isoformat(),
                "result": c.result.value,
                "comment": c.comment,
                "round": c.round,
            }
            for c in sorted(capa.checks, key=lambda c: c.check_id)
        ],
        "round": capa.round,
    }


def content_digest(content: dict[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON (sorted keys, no spaces, UTF-8) of signed content."""
    return hashlib.sha256(canonical_json(content)).hexdigest()


def capa_digest(capa: Capa) -> str:
    """The digest a closure signature of this CAPA, as it is now, would carry."""
    return content_digest(signed_content(capa))


def parse_timezone(name: str) -> dt.tzinfo:
    """An IANA zone (Europe/Berlin) or a fixed offset (+02:00); anything else is a ValidationError."""
    text = name.strip()
    match = _OFFSET.match(text)
    if match:
        hours, minutes = int(match.group(1)), int(match.group(2))
        if hours > 14 or minutes > 59:
            raise ValidationError(f"{name!r} is not a UTC offset", "signer_timezone")
        delta = dt.timedelta(hours=hours, minutes=minutes)
        return dt.timezone(-delta if text.startswith("-") else delta)
    try:
        if not text or ".." in text or text.startswith("/"):
            raise ZoneInfoNotFoundError(text)
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # a folder such as "Europe" is an OSError
        raise ValidationError(
            f"{name!r} is not a time zone: use a name such as Europe/Berlin or an offset such as +02:00",
            "signer_timezone",
        ) from None


def stated_local_time(text: str) -> str:
    """The signer's stated wall-clock time, checked to be an ISO 8601 date and time (else ValidationError)."""
    cleaned = text.strip()
    try:
        dt.datetime.fromisoformat(cleaned)
        if "T" not in cleaned and " " not in cleaned:
            raise ValueError("a date without a time")
    except ValueError:
        raise ValidationError(
            f"{text!r} is not a date and time (ISO 8601, e.g. 2027-03-02T10:30:00+01:00)", "signer_local_time"
        ) from None
    return cleaned


def local_time(utc: dt.datetime, timezone: str) -> str:
    """The UTC moment as wall-clock time with offset in the signer's stated zone (ISO 8601)."""
    return utc.astimezone(parse_timezone(timezone)).isoformat(timespec="seconds")


@dataclass(frozen=True)
class ClosureSignature:
    """A signature as shown: who (printed name), when (UTC and the signer's local time), what it means."""

    printed_name: str
    username: str
    meaning: str
    signed_at: dt.datetime
    signer_local_time: str
    signer_timezone: str
    content_sha256: str

    def matches(self, current_digest: str) -> bool:
        """Whether the record still has exactly the content that was signed."""
        return self.content_sha256 == current_digest

    def manifestation(self) -> str:
        """The line a printed record shows (11.50): name, UTC and local time, meaning."""
        utc = self.signed_at.astimezone(dt.UTC).isoformat(timespec="seconds")
        return (
            f"{self.printed_name} ({self.username}), {utc} UTC / "
            f"{self.signer_local_time} {self.signer_timezone}: {self.meaning}"
        )
