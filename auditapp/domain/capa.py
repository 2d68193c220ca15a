"""CAPA (ISO 13485 8.5.2 a-f, 8.5.3): what a corrective or preventive action record holds and which stage
it is in, derived from what has been recorded (ADR 0060). Pure values; the central store persists them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from auditapp.domain.errors import ValidationError


class CapaStage(StrEnum):
    """Where a CAPA stands; never set by hand, always derived from its content by `stage_of`."""

    OPEN = "open"
    INVESTIGATION = "investigation"
    ACTION = "action"
    VERIFICATION = "verification"
    EFFECTIVENESS = "effectiveness"
    CLOSED = "closed"
    REOPENED = "reopened"


class RootCauseMethod(StrEnum):
    """How the cause was analysed."""

    FIVE_WHYS = "five_whys"
    FISHBONE = "fishbone"
    OTHER = "other"


class ActionKind(StrEnum):
    """Correction fixes the instance; corrective removes a cause (8.5.2), preventive a potential one."""

    CORRECTION = "correction"
    CORRECTIVE = "corrective"
    PREVENTIVE = "preventive"


class ActionStatus(StrEnum):
    """Progress of one action."""

    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    IMPLEMENTED = "implemented"
    CANCELLED = "cancelled"


class CheckMethod(StrEnum):
    """How effectiveness is shown: an auditor re-verifies on the floor, records are reviewed, a metric."""

    FIELD_REVERIFICATION = "field_reverification"
    RECORD_REVIEW = "record_review"
    METRIC = "metric"


class CheckResult(StrEnum):
    """Outcome of an effectiveness check."""

    PENDING = "pending"
    PASSED = "passed"
    FAILED = "failed"


@dataclass(frozen=True)
class Action:
    """One action with its owner, due date and the evidence that it was implemented."""

    action_id: str
    kind: ActionKind
    description: str
    owner: str
    due_date: dt.date | None = None
    status: ActionStatus = ActionStatus.PLANNED
    evidence: str = ""
    document_id: str = ""
    document_revision: str = ""
    communication_record: str = ""
    cancel_reason: str = ""

    @property
    def active(self) -> bool:
        """Whether the action still counts (cancelled actions do not)."""
        return self.status is not ActionStatus.CANCELLED

    @property
    def done(self) -> bool:
        """Implemented and backed by evidence of implementation."""
        return self.status is ActionStatus.IMPLEMENTED and bool(self.evidence.strip())

    @property
    def changed_document(self) -> bool:
        """Whether the action names the document it changed and the new revision."""
        return bool(self.document_id.strip() and self.document_revision.strip())

    def validate(self) -> Action:
        """Raise ValidationError naming the first field that breaks a rule; return self."""
        if not self.description.strip():
            raise ValidationError("say what the action is", "description")
        if not self.owner.strip():
            raise ValidationError("an action needs an owner", "owner")
        if self.status is ActionStatus.IMPLEMENTED and not self.evidence.strip():
            raise ValidationError("an implemented action needs evidence of implementation", "evidence")
        if bool(self.document_id.strip()) != bool(self.document_revision.strip()):
            name = "document_revision" if self.document_id.strip() else "document_id"
            raise ValidationError("a changed document needs both its id and its new revision", name)
        if self.status is ActionStatus.CANCELLED and len(self.cancel_reason.strip()) < MIN_JUSTIFICATION:
            raise ValidationError(
                f"say why the action is cancelled (at least {MIN_JUSTIFICATION} characters)", "cancel_reason"
            )
        return self


@dataclass(frozen=True)
class Verification:
    """8.5.2 e: the actions do not adversely affect regulatory compliance or device safety and performance."""

    compliance_unaffected: bool
    safety_performance_unaffected: bool
    comment: str
    verified_by: str

    @property
    def passed(self) -> bool:
        """Both questions answered 'not adversely affected'."""
        return self.compliance_unaffected and self.safety_performance_unaffected


@dataclass(frozen=True)
class EffectivenessCheck:
    """A planned check that the actions work: criterion, method, window (dates, inclusive) and result.

    `round` is the CAPA's round when the check was planned: a reopening starts a new round, and only the
    checks of the current round can let the CAPA close.
    """

    check_id: str
    criterion: str
    method: CheckMethod
    window_start: dt.date
    window_end: dt.date
    result: CheckResult = CheckResult.PENDING
    comment: str = ""
    round: int = 0

    def validate(self) -> EffectivenessCheck:
        """Raise ValidationError naming the first field that breaks a rule; return self."""
        if not self.criterion.strip():
            raise ValidationError("state what must be true for the action to count as effective", "criterion")
        if self.window_end < self.window_start:
            raise ValidationError(
                f"the window ends ({self.window_end}) before it starts ({self.window_start})", "window_end"
            )
        return self


MIN_JUSTIFICATION = 10
"""Fewest characters of a justification: enough to force a reason, not a dot."""


def check_justification(text: str, name: str) -> str:
    """The stripped justification, or ValidationError naming the field when it is empty or too short."""
    cleaned = text.strip()
    if len(cleaned) < MIN_JUSTIFICATION:
        raise ValidationError(f"give a justification of at least {MIN_JUSTIFICATION} characters", name)
    return cleaned


@dataclass(frozen=True)
class Capa:
    """Everything recorded on one CAPA, as the closure gates and the stage model read it."""

    capa_id: str
    title: str
    problem_statement: str
    owner: str
    source_finding_ids: tuple[str, ...] = ()
    containment: str = ""
    correction: str = ""
    root_cause_method: RootCauseMethod | None = None
    root_cause_result: str = ""
    actions: tuple[Action, ...] = ()
    document_update_justification: str = ""
    communication_justification: str = ""
    verification: Verification | None = None
    checks: tuple[EffectivenessCheck, ...] = field(default=())
    round: int = 0
    closed: bool = False
    awaiting_rework: bool = False

    @property
    def has_root_cause(self) -> bool:
        """Method and result of the root cause analysis are both recorded."""
        return self.root_cause_method is not None and bool(self.root_cause_result.strip())

    def current_checks(self) -> tuple[EffectivenessCheck, ...]:
        """Checks planned since the last reopening."""
        return tuple(c for c in self.checks if c.round == self.round)
