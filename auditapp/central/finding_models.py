"""Request and reply bodies of the findings and triage API (the OpenAPI schema is generated from these)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from auditapp.central.timestamps import UtcDateTime

ID = Annotated[str, Field(min_length=1, max_length=64)]
LongText = Annotated[str, Field(max_length=10_000)]


class FindingStatus(StrEnum):
    """Where a finding stands at the store (`new` until a quality manager triages it)."""

    NEW = "new"
    CAPA = "capa"
    CORRECTED = "corrected"
    NO_ACTION = "no_action"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"
    CLOSED = "closed"


class TriageDecision(StrEnum):
    """What a quality manager decides about a finding."""

    OPEN_CAPA = "open_capa"
    LINK_CAPA = "link_capa"
    CORRECTION_ONLY = "correction_only"
    NO_ACTION = "no_action"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


class FindingSort(StrEnum):
    """Orders of the inbox: received newest or oldest first, or by a key (then oldest first)."""

    NEWEST = "newest"
    OLDEST = "oldest"
    GRADE = "grade"
    CLAUSE = "clause"
    SITE = "site"
    PROCESS = "process"
    AUDIT = "audit"


class FindingSummary(BaseModel):
    """A finding as the triage inbox lists it."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "id": "5f1c0e4e-8a43-4a53-9d7e-2f9c1b7c2a10",
                "audit_id": "0b6d7a8e-3c2f-4f0e-9a51-1f2e3d4c5b6a",
                "audit_title": "Cleanroom walk",
                "site": "Plant 2",
                "item_id": "iso13485-6.4.1-01",
                "clause": "6.4.1",
                "process": "Production and Service Controls",
                "grade": "minor_nc",
                "statement": "Gowning log unsigned on 3 of 10 days",
                "status": "new",
                "n19_grade": None,
                "repeat": False,
                "repeat_capa_id": None,
                "capa_id": None,
                "duplicate_of": None,
                "conflicts": [],
                "raised_at": "2026-11-02T09:14:03Z",
                "received_at": "2026-11-02T17:40:11Z",
            }
        }
    )

    id: str
    audit_id: str
    audit_title: str = ""
    site: str
    item_id: str
    clause: str
    process: str = Field(description="MDSAP process of the checklist item, '' when the item is not known")
    grade: str
    statement: str
    status: FindingStatus
    n19_grade: int | None = None
    repeat: bool = Field(description="same clause at the same site inside an open effectiveness window")
    repeat_capa_id: str | None = None
    capa_id: str | None = None
    duplicate_of: str | None = None
    conflicts: list[str] = Field(description="fields edited concurrently on several devices")
    raised_at: UtcDateTime | None = Field(description="when the auditor raised it (device clock)")
    received_at: UtcDateTime = Field(description="when the store received it; the inbox's age")


class Target(BaseModel):
    """What a piece of evidence belongs to: a checklist item (and clause) or a finding."""

    item_id: str | None = None
    clause: str | None = None
    finding_id: str | None = None


class _Evidence(BaseModel):
    id: str
    target: Target
    recorded: str = Field(description="clock time (HLC) of the event that recorded it")


class NoteOut(_Evidence):
    """A free-text note."""

    kind: Literal["note"] = "note"
    text: str


class InterviewOut(_Evidence):
    """Who was asked what, in which role, and the answer."""

    kind: Literal["interview"] = "interview"
    person: str
    role: str
    question: str
    answer: str


class PhotoOut(_Evidence):
    """A photo reference; the image is served at /api/photos/{sha256} (and /thumbnail)."""

    kind: Literal["photo"] = "photo"
    sha256: str
    thumbnail_sha256: str
    blob_id: str | None = None
    width: int
    height: int
    captured_at: str | None = None
    caption: str = ""


class DocumentOut(_Evidence):
    """A controlled document reviewed at a revision."""

    kind: Literal["document"] = "document"
    document_id: str
    revision: str
    title: str


class SampleOut(_Evidence):
    """A drawn sample with what is needed to redraw it (method, seed or start, reason)."""

    kind: Literal["sample"] = "sample"
    population_description: str
    population_size: int
    sample_size: int
    method: str
    seed: str | None = None
    start: int | None = None
    reason: str | None = None
    selected_ids: list[str]


class SampledRecordOut(_Evidence):
    """One record of a sample and whether it conforms."""

    kind: Literal["sampled_record"] = "sampled_record"
    sample_id: str
    record_type: str
    identifier: str
    record_date: str
    conforms: bool
    comment: str


EvidenceOut = Annotated[
    NoteOut | InterviewOut | PhotoOut | DocumentOut | SampleOut | SampledRecordOut,
    Field(discriminator="kind"),
]


class ConflictValue(BaseModel):
    """One of the competing values of a field edited concurrently."""

    value: object
    hlc: str
    device_id: str


class CapaRef(BaseModel):
    """The CAPA a finding belongs to, in brief."""

    id: str
    title: str
    stage: str


class FindingDetail(FindingSummary):
    """A finding with its requirement, triage record and evidence."""

    requirement: str
    evidence_ids: list[str]
    evidence: list[EvidenceOut] = Field(
        description="attached to the finding or cited as its objective evidence"
    )
    item_evidence: list[EvidenceOut] = Field(description="recorded on the finding's checklist item")
    field_conflicts: dict[str, list[ConflictValue]]
    decision: TriageDecision | None = None
    decision_note: str = Field(description="what was corrected, or the justification")
    triaged_by: str | None = None
    triaged_at: UtcDateTime | None = None
    capa: CapaRef | None = None


class NewCapa(BaseModel):
    """A CAPA opened from triage (or directly)."""

    title: str = Field(min_length=1, max_length=300)
    problem_statement: str = Field(min_length=1, max_length=10_000)
    owner: str | None = Field(
        default=None, max_length=80, description="username of a capa_owner or quality_manager; default: you"
    )


class TriageRequest(BaseModel):
    """A triage decision and what it needs: a new CAPA, an existing CAPA, the correction, a justification or
    the original finding."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "decision": "no_action",
                    "justification": "Observation only; the log was signed the next day",
                },
                {"decision": "correction_only", "correction": "Missing signatures added by the shift lead"},
                {
                    "decision": "open_capa",
                    "capa": {
                        "title": "Gowning log gaps",
                        "problem_statement": "3 of 10 days unsigned",
                        "owner": "owen",
                    },
                },
                {"decision": "link_capa", "capa_id": "8d1e..."},
                {"decision": "duplicate", "duplicate_of": "5f1c..."},
            ]
        }
    )

    decision: TriageDecision
    capa: NewCapa | None = Field(default=None, description="for open_capa")
    capa_id: str | None = Field(default=None, max_length=64, description="for link_capa")
    correction: LongText | None = Field(default=None, description="for correction_only: what was corrected")
    justification: LongText | None = Field(
        default=None, description="for no_action and rejected: why (at least 10 characters)"
    )
    duplicate_of: str | None = Field(
        default=None, max_length=64, description="for duplicate: the original finding"
    )


class BulkTriageRequest(TriageRequest):
    """One decision applied to several findings at once (e.g. all duplicates of one original)."""

    finding_ids: list[ID] = Field(min_length=1, max_length=200)


class TriageReply(BaseModel):
    """The findings as they are after the decision, and the CAPA they went to (if any)."""

    findings: list[FindingSummary]
    capa_id: str | None = None


class FindingPhotos(BaseModel):
    """The own photos of several findings at once (the inbox's thumbnails), by finding id."""

    photos: dict[str, list[PhotoOut]]
