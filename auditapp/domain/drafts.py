"""Typed constructors of event payloads, so no caller builds a payload dictionary by hand.

A Draft is an event not yet stamped: its kind and a payload already checked by `validate_payload`.
The Recorder in the services stamps drafts (id, device, sequence, clock) and stores them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from auditapp.domain.events import EventKind
from auditapp.domain.evidence import EvidenceTarget, GeoPoint, SamplingMethod
from auditapp.domain.findings import Finding
from auditapp.domain.payloads import validate_payload
from auditapp.domain.plan import AuditPlan, encode_plan_field
from auditapp.domain.responses import Answer


@dataclass(frozen=True)
class Draft:
    """An event kind and its validated payload, waiting to be stamped for this device."""

    kind: EventKind
    payload: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        validate_payload(self.kind, self.payload, captured=True)  # new text only: stored events keep loading


def audit_planned(plan: AuditPlan) -> Draft:
    """The first event of an audit: its whole plan."""
    return Draft(EventKind.AUDIT_PLANNED, {"plan": plan.validate().to_dict()})


def plan_edited(name: str, value: Any, base: str | None) -> Draft:
    """One plan field changed; `base` is the clock time of the value the editor saw."""
    return Draft(
        EventKind.AUDIT_PLAN_EDITED, {"field": name, "value": encode_plan_field(name, value), "base": base}
    )


def meeting_note_recorded(meeting: str, text: str, base: str | None) -> Draft:
    """The opening or closing meeting notes, replaced as a whole."""
    return Draft(EventKind.MEETING_NOTE_RECORDED, {"meeting": meeting, "text": text, "base": base})


def response_recorded(item_id: str, clause: str, answer: Answer, base: str | None) -> Draft:
    """The answer to a checklist item."""
    return Draft(
        EventKind.RESPONSE_RECORDED,
        {"item_id": item_id, "clause": clause, "answer": answer.value, "base": base},
    )


def note_added(evidence_id: str, target: EvidenceTarget, text: str) -> Draft:
    """A free-text note on an item or a finding."""
    return Draft(EventKind.NOTE_ADDED, {"evidence_id": evidence_id, **target.to_payload(), "text": text})


def interview_recorded(
    evidence_id: str, target: EvidenceTarget, person: str, role: str, question: str, answer: str
) -> Draft:
    """Who was asked what and what they answered."""
    return Draft(
        EventKind.INTERVIEW_RECORDED,
        {
            "evidence_id": evidence_id,
            **target.to_payload(),
            "person": person,
            "role": role,
            "question": question,
            "answer": answer,
        },
    )


def photo_attached(
    evidence_id: str,
    target: EvidenceTarget,
    *,
    sha256: str,
    thumbnail_sha256: str,
    width: int,
    height: int,
    captured_at: str | None,
    gps: GeoPoint | None,
    caption: str,
    blob: tuple[str, str] | None = None,
    thumbnail_blob: tuple[str, str] | None = None,
) -> Draft:
    """A processed photo (already in the photo store) attached as evidence.

    `blob` and `thumbnail_blob` are (blob id, base64 key) of the encrypted copies queued for upload: the
    central store finds the blobs by id and decrypts them with the keys, which travel only inside the
    sealed event.
    """
    payload: dict[str, object] = {
        "evidence_id": evidence_id,
        **target.to_payload(),
        "sha256": sha256,
        "thumbnail_sha256": thumbnail_sha256,
        "width": width,
        "height": height,
        "captured_at": captured_at,
        "gps": {"lat": gps.lat, "lon": gps.lon} if gps else None,
        "caption": caption,
    }
    if blob is not None:
        payload["blob_id"], payload["blob_key"] = blob
    if thumbnail_blob is not None:
        payload["thumbnail_blob_id"], payload["thumbnail_blob_key"] = thumbnail_blob
    return Draft(EventKind.PHOTO_ATTACHED, payload)


def document_reviewed(
    evidence_id: str, target: EvidenceTarget, document_id: str, revision: str, title: str
) -> Draft:
    """A controlled document read at a revision."""
    return Draft(
        EventKind.DOCUMENT_REVIEWED,
        {
            "evidence_id": evidence_id,
            **target.to_payload(),
            "document_id": document_id,
            "revision": revision,
            "title": title,
        },
    )


def sample_drawn(
    evidence_id: str,
    target: EvidenceTarget,
    *,
    population_description: str,
    population_size: int,
    population_ids: Sequence[str] | None,
    sample_size: int,
    method: SamplingMethod,
    selected_ids: Sequence[str],
    seed: str | None = None,
    start: int | None = None,
    reason: str | None = None,
) -> Draft:
    """A drawn sample with everything needed to redraw it (the payload check redraws it)."""
    return Draft(
        EventKind.SAMPLE_DRAWN,
        {
            "evidence_id": evidence_id,
            **target.to_payload(),
            "population_description": population_description,
            "population_size": population_size,
            "population_ids": list(population_ids) if population_ids is not None else None,
            "sample_size": sample_size,
            "method": method.value,
            "seed": seed,
            "start": start,
            "reason": reason,
            "selected_ids": list(selected_ids),
        },
    )


def record_sampled(
    evidence_id: str,
    target: EvidenceTarget,
    *,
    sample_id: str,
    record_type: str,
    identifier: str,
    record_date: str,
    conforms: bool,
    comment: str,
    simulated: bool = False,
) -> Draft:
    """One record of a sample and whether it conforms (`simulated`: made in a flagged dry run)."""
    payload: dict[str, Any] = {
        "evidence_id": evidence_id,
        **target.to_payload(),
        "sample_id": sample_id,
        "record_type": record_type,
        "identifier": identifier,
        "record_date": record_date,
        "conforms": conforms,
        "comment": comment,
    }
    if simulated:
        payload["simulated"] = True
    return Draft(EventKind.RECORD_SAMPLED, payload)


def finding_raised(finding: Finding) -> Draft:
    """A new finding with its initial fields and evidence."""
    finding.validate()
    return Draft(
        EventKind.FINDING_RAISED,
        {"finding_id": finding.finding_id, **finding.fields(), "evidence_ids": list(finding.evidence_ids)},
    )


def finding_edited(finding_id: str, name: str, value: Any, base: str | None) -> Draft:
    """One field of a finding changed; `base` is the clock time of the value the editor saw."""
    return Draft(
        EventKind.FINDING_EDITED, {"finding_id": finding_id, "field": name, "value": value, "base": base}
    )


def evidence_linked(finding_id: str, evidence_id: str) -> Draft:
    """A piece of evidence cited as objective evidence of a finding."""
    return Draft(EventKind.EVIDENCE_LINKED, {"finding_id": finding_id, "evidence_id": evidence_id})


def audit_closed(summary: str = "") -> Draft:
    """The audit is over; no further capture is accepted."""
    return Draft(EventKind.AUDIT_CLOSED, {"summary": summary})


def effectiveness_recorded(
    task_id: str,
    capa_id: str,
    check_id: str,
    finding_id: str,
    result: str,
    comment: str = "",
    evidence_ids: Sequence[str] = (),
) -> Draft:
    """The auditor's result of a field re-verification task: effective or not, with the evidence seen."""
    return Draft(
        EventKind.EFFECTIVENESS_RECORDED,
        {
            "task_id": task_id,
            "capa_id": capa_id,
            "check_id": check_id,
            "finding_id": finding_id,
            "result": result,
            "comment": comment,
            "evidence_ids": list(evidence_ids),
        },
    )
