"""Triage: a quality manager's decision on synced findings, validated, recorded, and told to the devices.

Each decision needs its own piece: a new CAPA (open_capa), an existing open CAPA (link_capa), what was
corrected (correction_only), a justification (no_action, rejected) or the original finding (duplicate).
A refusal names the missing or wrong field and changes nothing. Findings that are the source of a CAPA
stay with it; the others may be triaged again (the trail keeps every decision).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditapp.central import pull_feed, trail
from auditapp.central.auth import now
from auditapp.central.capa_records import get_capa, is_closed, refresh
from auditapp.central.capa_service import open_capa
from auditapp.central.capa_tables import CapaRow
from auditapp.central.errors import ApiError
from auditapp.central.finding_models import FindingStatus, TriageDecision, TriageRequest
from auditapp.central.tables import Finding, User
from auditapp.domain.capa import check_justification
from auditapp.domain.errors import ValidationError

STATUS_AFTER: dict[TriageDecision, FindingStatus] = {
    TriageDecision.OPEN_CAPA: FindingStatus.CAPA,
    TriageDecision.LINK_CAPA: FindingStatus.CAPA,
    TriageDecision.CORRECTION_ONLY: FindingStatus.CORRECTED,
    TriageDecision.NO_ACTION: FindingStatus.NO_ACTION,
    TriageDecision.DUPLICATE: FindingStatus.DUPLICATE,
    TriageDecision.REJECTED: FindingStatus.REJECTED,
}
_TRAILED = ("status", "decision", "decision_note", "capa_id", "duplicate_of")


def get_finding(session: Session, finding_id: str) -> Finding:
    """The finding, or 404 `unknown_finding`."""
    finding = session.get(Finding, finding_id)
    if finding is None:
        raise ApiError(404, "unknown_finding", f"finding_id: there is no finding {finding_id!r}")
    return finding


def get_findings(
    session: Session, finding_ids: Sequence[str], *, field: str = "finding_ids", lock: bool = False
) -> list[Finding]:
    """The findings in the order asked (each once), or 404 `unknown_finding` naming every id not found;
    with `lock`, their rows are locked for update."""
    ids = list(dict.fromkeys(finding_ids))
    query = select(Finding).where(Finding.id.in_(ids))
    rows = {f.id: f for f in session.scalars(query.with_for_update() if lock else query)}
    missing = [i for i in ids if i not in rows]
    if missing:
        raise ApiError(
            404, "unknown_finding", f"{field}: there is no finding {', '.join(map(repr, missing))}"
        )
    return [rows[i] for i in ids]


def _findings(session: Session, finding_ids: Sequence[str]) -> list[Finding]:
    findings = get_findings(session, finding_ids, lock=True)
    for finding in findings:
        if finding.capa_id and finding.status in (FindingStatus.CAPA.value, FindingStatus.CLOSED.value):
            raise ApiError(
                409,
                "in_capa",
                f"finding_ids: finding {finding.id} is a source of CAPA {finding.capa_id} and stays with it",
            )
    return findings


def _note(body: TriageRequest) -> str:
    """The text the decision needs (correction or justification), or a 422 naming the field."""
    decision = body.decision
    if decision in (TriageDecision.NO_ACTION, TriageDecision.REJECTED):
        try:
            return check_justification(body.justification or "", "justification")
        except ValidationError as exc:
            raise ApiError(422, "justification_required", f"{exc} ({decision.value} needs a reason)") from exc
    if decision is TriageDecision.CORRECTION_ONLY:
        correction = (body.correction or "").strip()
        if not correction:
            raise ApiError(422, "correction_required", "correction: say what was corrected")
        return correction
    return (body.justification or body.correction or "").strip()


def _duplicate_target(session: Session, body: TriageRequest, ids: Sequence[str]) -> str:
    if not body.duplicate_of:
        raise ApiError(422, "duplicate_of_required", "duplicate_of: name the finding these duplicate")
    if body.duplicate_of in ids:
        raise ApiError(422, "invalid_field", "duplicate_of: a finding cannot be a duplicate of itself")
    original = session.get(Finding, body.duplicate_of)
    if original is None:
        raise ApiError(404, "unknown_finding", f"duplicate_of: there is no finding {body.duplicate_of!r}")
    if original.status == FindingStatus.DUPLICATE.value and original.duplicate_of:
        raise ApiError(
            422,
            "invalid_field",
            f"duplicate_of: {original.id} is itself a duplicate of {original.duplicate_of}; name that one",
        )
    return original.id


def _capa_for(session: Session, user: User, body: TriageRequest) -> CapaRow | None:
    if body.decision is TriageDecision.OPEN_CAPA:
        if body.capa is None:
            raise ApiError(422, "capa_required", "capa: give the new CAPA's title and problem statement")
        return open_capa(session, user, body.capa.title, body.capa.problem_statement, body.capa.owner)
    if body.decision is TriageDecision.LINK_CAPA:
        if not body.capa_id:
            raise ApiError(422, "capa_required", "capa_id: name the CAPA to link the findings to")
        row = get_capa(session, body.capa_id, lock=True)
        if is_closed(row):
            raise ApiError(409, "capa_closed", f"capa_id: CAPA {row.id} is closed; open a new CAPA instead")
        return row
    return None


def triage(
    session: Session, user: User, finding_ids: Sequence[str], body: TriageRequest
) -> tuple[list[Finding], str | None]:
    """Apply one decision to the findings; returns them and the CAPA they went to."""
    note = _note(body)
    findings = _findings(session, finding_ids)
    duplicate_of = (
        _duplicate_target(session, body, finding_ids) if body.decision is TriageDecision.DUPLICATE else None
    )
    capa = _capa_for(session, user, body)
    status = STATUS_AFTER[body.decision]
    at = now()
    for finding in findings:
        before = {name: getattr(finding, name) for name in _TRAILED}
        finding.status = status.value
        finding.decision = body.decision.value
        finding.decision_note = note
        finding.capa_id = capa.id if capa is not None else None
        finding.duplicate_of = duplicate_of
        finding.triaged_by = user.username
        finding.triaged_at = at
        after = {name: getattr(finding, name) for name in _TRAILED}
        changes = {k: (before[k], v) for k, v in after.items() if before[k] != v}
        trail.record(
            session,
            user.username,
            "finding",
            finding.id,
            "triaged",
            changes or {"decision": (None, finding.decision)},
        )
        if before["status"] != finding.status:
            pull_feed.finding_status_changed(session, finding)
    if capa is not None:
        session.flush()
        refresh(session, capa)
        trail.record(
            session,
            user.username,
            "capa",
            capa.id,
            "findings linked",
            {"finding_ids": (None, [f.id for f in findings])},
        )
    return findings, capa.id if capa is not None else None
