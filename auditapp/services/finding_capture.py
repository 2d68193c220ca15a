"""Use cases for findings: prefill from an item, raise with an optional N19 grade, edit field by field."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from auditapp.domain import drafts
from auditapp.domain.errors import ValidationError
from auditapp.domain.findings import FINDING_FIELDS, Finding, parse_grade
from auditapp.domain.grading import N19Grading, QmsImpact, n19_grade
from auditapp.domain.state import AuditState
from auditapp.services.context import CaptureContext


@dataclass(frozen=True)
class FindingPrefill:
    """What the finding form starts with when raised from an item: its clause and the evidence at hand."""

    item_id: str
    clause: str
    evidence_ids: tuple[str, ...]
    answer: str | None


@dataclass(frozen=True)
class N19Inputs:
    """The facts the N19 grade is computed from; the clause comes from the finding."""

    prior_clauses: tuple[str, ...] = ()
    absence_of_procedure: bool = False
    nc_device_released: bool = False
    impact: QmsImpact | None = None


def prefill_finding(ctx: CaptureContext, audit_id: str, item_id: str) -> FindingPrefill:
    """The clause and evidence ids of an item, to raise a finding from it without retyping."""
    state = ctx.state(audit_id)
    item = ctx.item(state, item_id)
    response = state.responses.get(item_id)
    return FindingPrefill(
        item_id=item.item_id,
        clause=item.clause,
        evidence_ids=tuple(e.evidence_id for e in state.evidence_for_item(item_id)),
        answer=response.answer.value if response else None,
    )


def grade_n19(clause: str, grade: str, n19: N19Inputs) -> N19Grading:
    """The N19 grade of a nonconformity; other grades are refused (N19 grades nonconformities only)."""
    if not parse_grade(grade).is_nonconformity:
        raise ValidationError("an N19 grade applies to nonconformities only", "n19_grade")
    return n19_grade(
        clause,
        n19.prior_clauses,
        absence_of_procedure=n19.absence_of_procedure,
        nc_device_released=n19.nc_device_released,
        impact=n19.impact,
    )


def raise_finding(
    ctx: CaptureContext,
    audit_id: str,
    *,
    grade: str,
    statement: str,
    requirement: str = "",
    clause: str | None = None,
    item_id: str | None = None,
    evidence_ids: Sequence[str] = (),
    n19: N19Inputs | None = None,
) -> str:
    """Raise a finding (clause taken from the item when omitted); returns the finding's id."""
    state = ctx.open_for_capture(audit_id)
    if item_id is not None:
        clause = ctx.item(state, item_id, clause).clause
    if clause is None or not clause.strip():
        raise ValidationError("a finding needs the clause of the requirement", "clause")
    _check_evidence(state, evidence_ids)
    finding = Finding(
        finding_id=ctx.new_id(),
        item_id=item_id,
        clause=clause.strip(),
        grade=parse_grade(grade),
        requirement=requirement,
        statement=statement,
        evidence_ids=tuple(dict.fromkeys(evidence_ids)),
    )
    if n19 is not None:
        finding = replace(finding, n19_grade=grade_n19(finding.clause, grade, n19).grade)
    ctx.record(audit_id, [drafts.finding_raised(finding.validate())])
    return finding.finding_id


def edit_finding(
    ctx: CaptureContext, audit_id: str, finding_id: str, n19: N19Inputs | None = None, **changes: Any
) -> AuditState:
    """Change fields of a finding, each merged on its own; the result must still be a valid finding."""
    state = ctx.open_for_capture(audit_id)
    current = state.findings.get(finding_id)
    if current is None:
        raise ValidationError(f"finding {finding_id!r} has not been raised in this audit", "finding_id")
    unknown = [name for name in changes if name not in FINDING_FIELDS]
    if unknown:
        raise ValidationError(f"{unknown[0]!r} is not a field of a finding", "field")
    values = {**current.fields(), **changes}
    if values.get("item_id") is not None:
        values["clause"] = ctx.item(state, str(values["item_id"]), values.get("clause")).clause
    if n19 is not None:
        values["n19_grade"] = grade_n19(str(values["clause"]), str(values["grade"]), n19).grade
    edited = Finding(
        finding_id=finding_id,
        item_id=values["item_id"],
        clause=str(values["clause"]),
        grade=parse_grade(values["grade"]),
        requirement=str(values["requirement"] or ""),
        statement=str(values["statement"] or ""),
        evidence_ids=current.evidence_ids,
        n19_grade=values["n19_grade"],
    ).validate()
    new_fields, old_fields = edited.fields(), current.fields()
    edits = [
        drafts.finding_edited(finding_id, name, new_fields[name], state.version("finding", finding_id, name))
        for name in FINDING_FIELDS
        if new_fields[name] != old_fields[name]
        or (name in changes and state.conflict_on("finding", finding_id, name))
    ]
    ctx.record(audit_id, edits)
    return ctx.state(audit_id)


def _check_evidence(state: AuditState, evidence_ids: Sequence[str]) -> None:
    known = state.evidence_by_id()
    for evidence_id in evidence_ids:
        if evidence_id not in known:
            raise ValidationError(f"no evidence with id {evidence_id!r} in this audit", "evidence_ids")
