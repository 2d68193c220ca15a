"""Request and reply bodies of the CAPA API (the OpenAPI schema is generated from these)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from auditapp.central.finding_models import ID, FindingSummary, NewCapa
from auditapp.central.timestamps import UtcDateTime
from auditapp.domain.capa import (
    ActionKind,
    ActionStatus,
    CapaStage,
    CheckMethod,
    CheckResult,
    RootCauseMethod,
)

Text = Annotated[str, Field(max_length=10_000)]
Username = Annotated[str, Field(min_length=1, max_length=80)]


# ---------------------------------------------------------------- requests
class OpenCapaRequest(NewCapa):
    """A CAPA opened directly (e.g. a preventive action from data analysis), optionally from findings."""

    finding_ids: list[ID] = Field(
        default_factory=list, max_length=200, description="new findings to source it"
    )


class AssignRequest(BaseModel):
    """The new owner of a CAPA."""

    owner: Username


_KEPT = "left out or null: kept as recorded"


class SectionUpdate(BaseModel):
    """A section of a CAPA to record: only the fields sent change, so a field left out (or null)
    keeps what is recorded; a field the store does not know is refused with 422, naming it, and nothing
    changes. At least one field must be sent."""

    model_config = ConfigDict(extra="forbid")

    def sent(self) -> dict[str, Any]:
        """The fields the request gave a value, by name."""
        return self.model_dump(exclude_unset=True, exclude_none=True)


class ProblemSection(SectionUpdate):
    """8.5.2 a: the nonconformity under review."""

    title: str | None = Field(default=None, min_length=1, max_length=300, description=_KEPT)
    problem_statement: str | None = Field(default=None, min_length=1, max_length=10_000, description=_KEPT)


class ContainmentSection(SectionUpdate):
    """What was done at once: containment of the effect and correction of the instance."""

    containment: Text | None = Field(default=None, description=f'{_KEPT}; "" clears it')
    correction: Text | None = Field(default=None, description=f'{_KEPT}; "" clears it')


class RootCauseSection(SectionUpdate):
    """8.5.2 b: the cause, how it was found and what it is."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {"method": "five_whys", "result": "The SOP has no step for the signature"}
        },
    )

    method: RootCauseMethod | None = Field(default=None, description=_KEPT)
    result: str | None = Field(default=None, min_length=1, max_length=10_000, description=_KEPT)


class VerificationSection(BaseModel):
    """8.5.2 e: the actions do not adversely affect regulatory compliance or device safety and performance.
    Recorded as a whole (every field is required, an unknown one is refused), since it is one statement."""

    model_config = ConfigDict(extra="forbid")

    compliance_unaffected: bool
    safety_performance_unaffected: bool
    comment: str = Field(min_length=1, max_length=10_000, description="how this was verified")


class JustificationSection(BaseModel):
    """Why no document changes, or why no training or communication is needed; "" clears it. The field is
    required (a body without it is refused rather than read as a clearing) and an unknown one is refused."""

    model_config = ConfigDict(extra="forbid")

    justification: Text = Field(description='at least 10 characters, or "" to clear it')


class NewAction(BaseModel):
    """An action on a CAPA; the owner defaults to the CAPA's owner. A field the store does not know is
    refused with 422, naming it, so a misspelt owner or due date is not silently dropped."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "kind": "corrective",
                "description": "Add a signature step to SOP-12",
                "owner": "owen",
                "due_date": "2026-12-15",
            }
        },
    )

    kind: ActionKind
    description: str = Field(min_length=1, max_length=5_000)
    owner: Username | None = None
    due_date: date | None = None
    status: ActionStatus = ActionStatus.PLANNED
    evidence: Text = ""
    document_id: str = Field(default="", max_length=120)
    document_revision: str = Field(default="", max_length=40)
    communication_record: Text = ""
    cancel_reason: Text = ""


class ActionUpdate(SectionUpdate):
    """A change to an action: only the fields sent change (left out or null: kept as recorded); a field the
    store does not know is refused with 422, naming it, and nothing changes. At least one field must be
    sent."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "status": "implemented",
                "evidence": "SOP-12 rev C released, change record CR-311",
                "document_id": "SOP-12",
                "document_revision": "C",
                "communication_record": "Training record TR-88, 14 operators",
            }
        },
    )

    kind: ActionKind | None = None
    description: str | None = Field(default=None, min_length=1, max_length=5_000)
    owner: Username | None = None
    due_date: date | None = None
    status: ActionStatus | None = None
    evidence: Text | None = None
    document_id: str | None = Field(default=None, max_length=120)
    document_revision: str | None = Field(default=None, max_length=40)
    communication_record: Text | None = None
    cancel_reason: Text | None = None


class NewCheck(BaseModel):
    """An effectiveness check: what must be true, how it is shown, and the window (dates, inclusive, UTC)."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "criterion": "No unsigned gowning log entries over 30 days",
                "method": "field_reverification",
                "window_start": "2027-01-04",
                "window_end": "2027-02-26",
            }
        }
    )

    criterion: str = Field(min_length=1, max_length=5_000)
    method: CheckMethod
    window_start: date
    window_end: date


class CheckResultRequest(BaseModel):
    """A result recorded at the desk; `failed` reopens the CAPA."""

    result: Literal["passed", "failed"]
    comment: str = Field(min_length=1, max_length=10_000)
    evidence: list[Annotated[str, Field(min_length=1, max_length=300)]] = Field(
        default_factory=list, max_length=50
    )


class CloseRequest(BaseModel):
    """An electronic signature of closure: the signer's password again, and their local time zone."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "password": "********",
                "meaning": "approved closure",
                "signer_timezone": "Europe/Berlin",
                "signer_local_time": "2027-03-02T10:30:00+01:00",
                "expected_sha256": "9f2c...",
            }
        }
    )

    password: str = Field(min_length=1, max_length=200)
    meaning: Literal["approved closure"] = "approved closure"
    signer_timezone: str = Field(min_length=1, max_length=64, description="IANA zone or offset, e.g. +01:00")
    signer_local_time: str | None = Field(
        default=None,
        max_length=40,
        description="the signer's wall clock as they state it; computed if absent",
    )
    expected_sha256: str | None = Field(
        default=None,
        pattern=r"^[0-9a-f]{64}$",
        description="content_sha256 the signer reviewed; refused if it changed",
    )


class ReopenRequest(BaseModel):
    """Reopen a closed or running CAPA by hand, saying why."""

    reason: str = Field(min_length=10, max_length=10_000)


# ---------------------------------------------------------------- replies
class CapaSummary(BaseModel):
    """A CAPA as listed."""

    id: str
    title: str
    stage: CapaStage
    owner: str
    round: int = Field(description="reopenings so far")
    created_at: UtcDateTime
    updated_at: UtcDateTime
    closed_at: UtcDateTime | None = None


class ActionOut(BaseModel):
    """An action with its evidence of implementation."""

    id: str
    kind: ActionKind
    description: str
    owner: str
    due_date: date | None
    status: ActionStatus
    evidence: str
    document_id: str
    document_revision: str
    communication_record: str
    cancel_reason: str
    created_at: UtcDateTime
    updated_at: UtcDateTime


class TaskOut(BaseModel):
    """A field re-verification task of a check (one per source finding)."""

    id: str
    finding_id: str
    site: str
    device_count: int
    result: str | None
    result_comment: str
    result_audit_id: str | None
    result_evidence_ids: list[str]
    created_at: UtcDateTime
    closed_at: UtcDateTime | None


class CheckOut(BaseModel):
    """An effectiveness check, its result and its field tasks."""

    id: str
    capa_id: str
    capa_title: str = ""
    criterion: str
    method: CheckMethod
    window_start: date
    window_end: date
    result: CheckResult
    comment: str
    evidence: list[str]
    decided_by: str | None
    decided_at: UtcDateTime | None
    round: int
    current: bool = Field(description="planned in the CAPA's current round (only these can let it close)")
    tasks: list[TaskOut] = Field(default_factory=list)


class VerificationOut(BaseModel):
    """The recorded 8.5.2 e verification."""

    compliance_unaffected: bool
    safety_performance_unaffected: bool
    comment: str
    verified_by: str | None
    verified_at: UtcDateTime | None


class RootCauseOut(BaseModel):
    """The root cause as recorded (method null until recorded)."""

    method: RootCauseMethod | None
    result: str


class GapOut(BaseModel):
    """One thing missing before closure."""

    code: str
    ref: str | None
    message: str


class ReopeningOut(BaseModel):
    """Why a CAPA was reopened, and the evidence."""

    at: UtcDateTime
    reason: str
    actor: str
    check_id: str | None
    task_id: str | None
    finding_id: str | None
    audit_id: str | None
    event_id: str | None
    evidence_ids: list[str]
    comment: str


class SignatureOut(BaseModel):
    """A closure signature as 21 CFR 11.50 asks it to be shown, and whether the record still matches it."""

    printed_name: str
    username: str
    meaning: str
    signed_at: UtcDateTime = Field(description="UTC")
    signer_local_time: str
    signer_timezone: str
    content_sha256: str
    matches_current_content: bool
    manifestation: str


class CapaDetail(CapaSummary):
    """Everything recorded on a CAPA, what is missing before closure, and its signatures."""

    problem_statement: str
    containment: str
    correction: str
    root_cause: RootCauseOut
    actions: list[ActionOut]
    document_update_justification: str
    communication_justification: str
    verification: VerificationOut | None
    effectiveness_checks: list[CheckOut]
    source_findings: list[FindingSummary]
    reopenings: list[ReopeningOut]
    missing: list[GapOut] = Field(description="closure gates not met yet; empty when it may be signed closed")
    ready_to_close: bool
    content_sha256: str = Field(description="SHA-256 of the content a closure signature would bind now")
    signatures: list[SignatureOut]
    signature_valid: bool | None = Field(
        description="whether the latest signature still matches; null if unsigned"
    )


class ClosureStatus(BaseModel):
    """The closure gates of a CAPA."""

    capa_id: str
    stage: CapaStage
    ready_to_close: bool
    missing: list[GapOut]
    content_sha256: str
