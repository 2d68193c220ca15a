"""A finding's objective evidence, projected on demand from its audit's stored events by the domain.

The store keeps every event verbatim; evidence (notes, interviews, photos, documents, samples, sampled
records) is projected with `auditapp.domain.state.project`, exactly as the devices show it, when one
finding is opened, so no evidence table has to be kept in step with the events.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditapp.central.finding_models import (
    DocumentOut,
    EvidenceOut,
    InterviewOut,
    NoteOut,
    PhotoOut,
    SampledRecordOut,
    SampleOut,
    Target,
)
from auditapp.central.tables import Finding, StoredEvent
from auditapp.domain.events import DomainEvent, EventKind
from auditapp.domain.evidence import (
    DocumentReviewed,
    Evidence,
    Interview,
    Note,
    PhotoRef,
    Sample,
    SampledRecord,
)
from auditapp.domain.state import AuditState, project


@dataclass(frozen=True)
class FindingEvidence:
    """Evidence of one finding: its own (attached or cited) and that of its checklist item."""

    own: list[Evidence]
    item: list[Evidence]
    blob_ids: Mapping[str, str]

    def photos(self) -> list[dict[str, Any]]:
        """Photo references of the finding (own first), as a field task carries them."""
        return [
            {"sha256": e.sha256, "blob_id": self.blob_ids.get(e.evidence_id), "caption": e.caption}
            for e in [*self.own, *self.item]
            if isinstance(e, PhotoRef)
        ]

    def texts(self) -> list[dict[str, str]]:
        """The finding's own non-photo evidence in one line each, as a field task carries it."""
        lines = [_line(e) for e in self.own]
        return [{"kind": kind, "text": text} for kind, text in filter(None, lines)]


def _line(e: Evidence) -> tuple[str, str] | None:
    if isinstance(e, Note):
        return "note", e.text
    if isinstance(e, Interview):
        return "interview", f"{e.person} ({e.role}): Q: {e.question} A: {e.answer}"
    if isinstance(e, DocumentReviewed):
        return "document", f"{e.document_id} rev {e.revision} {e.title}".strip()
    if isinstance(e, Sample):
        return (
            "sample",
            f"{e.sample_size} of {e.population_size} {e.population_description} ({e.method.value})",
        )
    if isinstance(e, SampledRecord):
        verdict = "conforms" if e.conforms else "does not conform"
        return "sampled_record", f"{e.record_type} {e.identifier}: {verdict}. {e.comment}".strip()
    return None


def audit_state(session: Session, audit_id: str) -> tuple[AuditState, dict[str, str]]:
    """The domain projection of an audit's stored events, and the blob id of each photo that has one."""
    bodies = session.scalars(select(StoredEvent.body).where(StoredEvent.audit_id == audit_id))
    events = [DomainEvent.from_dict(json.loads(body)) for body in bodies]
    blob_ids = {
        str(e.payload["evidence_id"]): str(e.payload["blob_id"])
        for e in events
        if e.kind is EventKind.PHOTO_ATTACHED and e.payload.get("blob_id")
    }
    return project(events, audit_id), blob_ids


def finding_evidence(session: Session, finding: Finding) -> FindingEvidence:
    """The finding's evidence and its item's, with the samples its sampled records were drawn in."""
    return _evidence_in(*audit_state(session, finding.audit_id), finding)


def findings_photos(session: Session, findings: Sequence[Finding]) -> dict[str, list[PhotoOut]]:
    """Each finding's own photos (those attached to it or cited by it), projecting each audit once."""
    states: dict[str, tuple[AuditState, dict[str, str]]] = {}
    photos: dict[str, list[PhotoOut]] = {}
    for finding in findings:
        if finding.audit_id not in states:
            states[finding.audit_id] = audit_state(session, finding.audit_id)
        evidence = _evidence_in(*states[finding.audit_id], finding)
        photos[finding.id] = [
            photo_out(e, evidence.blob_ids) for e in evidence.own if isinstance(e, PhotoRef)
        ]
    return photos


def _evidence_in(state: AuditState, blob_ids: Mapping[str, str], finding: Finding) -> FindingEvidence:
    own = state.evidence_for_finding(finding.id)
    if not own:
        # The store's row keeps evidence ids that a raise cited; the projection cites the same ones.
        cited = set(json.loads(finding.evidence_ids or "[]"))
        own = [e for e in state.evidence if e.evidence_id in cited]
    by_id = state.evidence_by_id()
    sample_ids = {e.sample_id for e in own if isinstance(e, SampledRecord)}
    own_ids = {e.evidence_id for e in own}
    own += [by_id[s] for s in sorted(sample_ids - own_ids) if s in by_id]
    own_ids = {e.evidence_id for e in own}
    item = (
        [e for e in state.evidence_for_item(finding.item_id) if e.evidence_id not in own_ids]
        if finding.item_id
        else []
    )
    return FindingEvidence(own, item, blob_ids)


def _base(e: Evidence) -> dict[str, Any]:
    target = Target(item_id=e.target.item_id, clause=e.target.clause, finding_id=e.target.finding_id)
    return {"id": e.evidence_id, "target": target, "recorded": e.hlc}


def photo_out(e: PhotoRef, blob_ids: Mapping[str, str]) -> PhotoOut:
    """The API form of a photo reference."""
    return PhotoOut(
        **_base(e),
        sha256=e.sha256,
        thumbnail_sha256=e.thumbnail_sha256,
        blob_id=blob_ids.get(e.evidence_id),
        width=e.width,
        height=e.height,
        captured_at=e.captured_at,
        caption=e.caption,
    )


def evidence_out(e: Evidence, blob_ids: Mapping[str, str]) -> EvidenceOut:
    """The API form of one piece of evidence."""
    base = _base(e)
    if isinstance(e, Note):
        return NoteOut(**base, text=e.text)
    if isinstance(e, Interview):
        return InterviewOut(**base, person=e.person, role=e.role, question=e.question, answer=e.answer)
    if isinstance(e, PhotoRef):
        return photo_out(e, blob_ids)
    if isinstance(e, DocumentReviewed):
        return DocumentOut(**base, document_id=e.document_id, revision=e.revision, title=e.title)
    if isinstance(e, Sample):
        return SampleOut(
            **base,
            population_description=e.population_description,
            population_size=e.population_size,
            sample_size=e.sample_size,
            method=e.method.value,
            seed=e.seed,
            start=e.start,
            reason=e.reason,
            selected_ids=list(e.selected_ids),
        )
    return SampledRecordOut(
        **base,
        sample_id=e.sample_id,
        record_type=e.record_type,
        identifier=e.identifier,
        record_date=e.record_date,
        conforms=e.conforms,
        comment=e.comment,
    )
