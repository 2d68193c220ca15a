"""Closure gates and the stage of a CAPA: both read only what has been recorded (ADR 0060).

A CAPA may close only when every gate is met; `closure_gaps` returns what is missing as a list a program
can act on (a code, the record it concerns, and a sentence for a person). The stage is the first step of
8.5.2 whose record is still incomplete, so it can never disagree with the gates.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditapp.domain.capa import ActionKind, ActionStatus, Capa, CapaStage, CheckResult


@dataclass(frozen=True)
class Gap:
    """One thing a CAPA lacks before it may close."""

    code: str
    message: str
    ref: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        """JSON form: {"code", "ref", "message"}."""
        return {"code": self.code, "ref": self.ref, "message": self.message}


GATE_CODES: tuple[str, ...] = (
    "root_cause",
    "corrective_action",
    "action_implemented",
    "action_evidence",
    "document_update",
    "communication",
    "verification",
    "verification_adverse",
    "effectiveness_check",
    "effectiveness_pending",
    "effectiveness_passed",
)
"""Every code `closure_gaps` may return, in the order the gates are checked."""


def investigation_gaps(capa: Capa) -> list[Gap]:
    """8.5.2 b-c: the cause must be determined."""
    if capa.has_root_cause:
        return []
    return [Gap("root_cause", "record the root cause analysis: its method and its result")]


def action_gaps(capa: Capa) -> list[Gap]:
    """8.5.2 d, f: actions that remove the cause, each implemented with evidence."""
    gaps: list[Gap] = []
    active = [a for a in capa.actions if a.active]
    if not any(a.kind in (ActionKind.CORRECTIVE, ActionKind.PREVENTIVE) for a in active):
        gaps.append(Gap("corrective_action", "plan at least one corrective or preventive action"))
    for action in active:
        if action.status is not ActionStatus.IMPLEMENTED:
            gaps.append(
                Gap(
                    "action_implemented",
                    f"action {action.description!r} is not implemented yet",
                    action.action_id,
                )
            )
        elif not action.evidence.strip():
            gaps.append(
                Gap(
                    "action_evidence",
                    f"action {action.description!r} has no evidence of implementation",
                    action.action_id,
                )
            )
    return gaps


def record_gaps(capa: Capa) -> list[Gap]:
    """The changed document and the communication or training record, each or a justification."""
    gaps: list[Gap] = []
    done = [a for a in capa.actions if a.done]
    if not any(a.changed_document for a in done) and not capa.document_update_justification.strip():
        gaps.append(
            Gap(
                "document_update",
                "record the changed document and its revision on an implemented action, "
                "or justify why no document changes",
            )
        )
    if not any(a.communication_record.strip() for a in done) and not capa.communication_justification.strip():
        gaps.append(
            Gap(
                "communication",
                "record the training or communication that told the team what changed and why, "
                "or justify why none is needed",
            )
        )
    return gaps


def verification_gaps(capa: Capa) -> list[Gap]:
    """8.5.2 e: verification that the actions do not harm compliance or device safety and performance."""
    if capa.verification is None:
        return [
            Gap(
                "verification",
                "verify that the actions do not adversely affect regulatory compliance or the safety and "
                "performance of the device (8.5.2 e)",
            )
        ]
    if not capa.verification.passed:
        return [
            Gap(
                "verification_adverse",
                "the verification found an adverse effect: revise the actions and verify again",
            )
        ]
    return []


def effectiveness_gaps(capa: Capa) -> list[Gap]:
    """8.5.2 f: a check of the current round passed, and none of them is still open."""
    current = capa.current_checks()
    if not current:
        return [Gap("effectiveness_check", "plan an effectiveness check (criterion, method and window)")]
    gaps = [
        Gap("effectiveness_pending", f"effectiveness check {c.criterion!r} has no result yet", c.check_id)
        for c in current
        if c.result is CheckResult.PENDING
    ]
    if not any(c.result is CheckResult.PASSED for c in current):
        gaps.append(Gap("effectiveness_passed", "no effectiveness check has passed yet"))
    return gaps


def closure_gaps(capa: Capa) -> list[Gap]:
    """Everything still missing before the CAPA may close; empty means it may be signed closed."""
    return [
        *investigation_gaps(capa),
        *action_gaps(capa),
        *record_gaps(capa),
        *verification_gaps(capa),
        *effectiveness_gaps(capa),
    ]


def stage_of(capa: Capa) -> CapaStage:
    """The stage a CAPA is in, derived from its content (see ADR 0060 for the model)."""
    if capa.closed:
        return CapaStage.CLOSED
    if capa.awaiting_rework:
        return CapaStage.REOPENED
    if investigation_gaps(capa):
        started = capa.containment.strip() or capa.correction.strip() or capa.root_cause_method is not None
        return CapaStage.INVESTIGATION if started else CapaStage.OPEN
    if action_gaps(capa):
        return CapaStage.ACTION
    if record_gaps(capa) or verification_gaps(capa):
        return CapaStage.VERIFICATION
    return CapaStage.EFFECTIVENESS
