"""CAPA API: list and open CAPAs, record each 8.5.2 section and the actions, see the closure gates, close
with an electronic signature, reopen. Owners may record work only on their own CAPAs (403 otherwise)."""

from datetime import datetime
from enum import Enum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from auditapp.central import auth, capa_checks, capa_service, throttle
from auditapp.central.capa_models import (
    ActionUpdate,
    AssignRequest,
    CapaDetail,
    CapaSummary,
    CloseRequest,
    ClosureStatus,
    ContainmentSection,
    JustificationSection,
    NewAction,
    OpenCapaRequest,
    ProblemSection,
    ReopenRequest,
    RootCauseSection,
    SectionUpdate,
    VerificationSection,
)
from auditapp.central.capa_records import CapaBundle, get_capa, refresh
from auditapp.central.capa_tables import CapaActionRow, CapaRow
from auditapp.central.capa_views import capa_detail, capa_summary, closure_status
from auditapp.central.cursor_types import check_cursor
from auditapp.central.deps import CapaManager, CapaSigner, CapaWorker, Db, Reader
from auditapp.central.effectiveness_tick import evaluate_now
from auditapp.central.errors import ApiError
from auditapp.central.finding_models import TriageDecision, TriageRequest
from auditapp.central.paging import Page, PageQuery, SortKey, keyset_page
from auditapp.central.signatures import close_capa
from auditapp.central.tables import User
from auditapp.central.triage import triage
from auditapp.domain.capa import CapaStage, check_justification
from auditapp.domain.errors import ValidationError

router = APIRouter(tags=["CAPAs"])

CapaId = Annotated[str, Path(min_length=1, max_length=64)]
Evaluated = Depends(evaluate_now)


def _detail(session: Session, row: CapaRow) -> CapaDetail:
    return capa_detail(session, refresh(session, row, touched=False))


@router.get("/api/capas", dependencies=[Evaluated])
def list_capas(
    s: Db,
    _user: Reader,
    page: PageQuery,
    stage: CapaStage | None = None,
    owner: Annotated[str | None, Query(max_length=80, description="owner's username")] = None,
    open_only: bool = False,
) -> Page[CapaSummary]:
    """CAPAs, newest first, filtered by stage and owner (or open only); cursor paging."""
    check_cursor(page, [datetime, str])
    query: Select[*tuple[Any, ...]] = select(CapaRow, User.username).join(User, User.id == CapaRow.owner_id)
    if stage is not None:
        query = query.where(CapaRow.stage == stage.value)
    if owner is not None:
        query = query.where(
            CapaRow.owner_id == select(User.id).where(User.username == owner).scalar_subquery()
        )
    if open_only:
        query = query.where(CapaRow.stage != CapaStage.CLOSED.value)
    return keyset_page(
        s,
        query,
        [SortKey(CapaRow.created_at, True), SortKey(CapaRow.id, True)],
        page,
        key_of=lambda row: [row[0].created_at, row[0].id],
        item=lambda row: capa_summary(row[0], row[1]),
    )


@router.post("/api/capas", status_code=201)
def open_capa(body: OpenCapaRequest, s: Db, user: CapaManager) -> CapaDetail:
    """Open a CAPA: from findings (they are triaged `open_capa`) or on its own (e.g. preventive, 8.5.3)."""
    if body.finding_ids:
        request = TriageRequest(decision=TriageDecision.OPEN_CAPA, capa=body)
        _, capa_id = triage(s, user, body.finding_ids, request)
        row = get_capa(s, str(capa_id))
    else:
        row = capa_service.open_capa(s, user, body.title, body.problem_statement, body.owner)
    return _detail(s, row)


@router.get("/api/capas/{capa_id}", dependencies=[Evaluated])
def get_capa_detail(capa_id: CapaId, s: Db, _user: Reader) -> CapaDetail:
    """Everything recorded on a CAPA: sources, sections, actions, verification, checks and their field tasks,
    reopenings, what is missing before closure, and each signature with whether the record still matches."""
    return _detail(s, get_capa(s, capa_id))


@router.get("/api/capas/{capa_id}/closure")
def get_closure(capa_id: CapaId, s: Db, _user: Reader) -> ClosureStatus:
    """The closure gates: what is missing (machine-readable) and the digest a signature would bind now."""
    return closure_status(refresh(s, get_capa(s, capa_id), touched=False))


@router.post("/api/capas/{capa_id}/assign")
def assign(capa_id: CapaId, body: AssignRequest, s: Db, user: CapaManager) -> CapaDetail:
    """Give the CAPA to another owner (a capa_owner or quality_manager)."""
    row = get_capa(s, capa_id, lock=True)
    capa_service.assign(s, user, row, body.owner)
    return _detail(s, row)


def _section(s: Session, user: User, capa_id: str, section: str, values: dict[str, Any]) -> CapaDetail:
    row = get_capa(s, capa_id, lock=True)
    bundle: CapaBundle = capa_service.record_section(s, user, row, section, values)
    return capa_detail(s, bundle)


def _sent(body: SectionUpdate) -> dict[str, Any]:
    """The fields a section update gave, stripped; 422 when it gave none (it would change nothing)."""
    sent = {
        name: value.strip() if isinstance(value, str) and not isinstance(value, Enum) else value
        for name, value in body.sent().items()
    }
    if not sent:
        fields = ", ".join(type(body).model_fields)
        raise ApiError(
            422,
            "invalid_request",
            f"body: send at least one of {fields}; a field left out keeps what is recorded",
        )
    return sent


@router.put("/api/capas/{capa_id}/problem")
def record_problem(capa_id: CapaId, body: ProblemSection, s: Db, user: CapaWorker) -> CapaDetail:
    """8.5.2 a: title and problem statement. Only the fields sent change: a field left out (or null) keeps
    what is recorded; a field the store does not know is refused (422 naming it) and nothing changes."""
    values = _sent(body)
    for name, value in values.items():
        if not value:
            raise ApiError(422, "invalid_field", f"{name}: must not be blank")
    return _section(s, user, capa_id, "problem", values)


@router.put("/api/capas/{capa_id}/containment")
def record_containment(capa_id: CapaId, body: ContainmentSection, s: Db, user: CapaWorker) -> CapaDetail:
    """Containment of the effect and correction of the instance. Only the fields sent change: a field left
    out (or null) keeps what is recorded, "" clears it; a field the store does not know is refused (422
    naming it) and nothing changes."""
    return _section(s, user, capa_id, "containment", _sent(body))


@router.put("/api/capas/{capa_id}/root-cause")
def record_root_cause(capa_id: CapaId, body: RootCauseSection, s: Db, user: CapaWorker) -> CapaDetail:
    """8.5.2 b: the root cause, its method (five_whys, fishbone, other) and result. Only the fields sent
    change: a field left out (or null) keeps what is recorded; a field the store does not know is refused
    (422 naming it) and nothing changes."""
    sent = _sent(body)
    values: dict[str, Any] = {}
    if "method" in sent:
        values["root_cause_method"] = sent["method"].value
    if "result" in sent:
        if not sent["result"]:
            raise ApiError(422, "invalid_field", "result: state the root cause")
        values["root_cause_result"] = sent["result"]
    return _section(s, user, capa_id, "root-cause", values)


@router.put("/api/capas/{capa_id}/verification")
def record_verification(capa_id: CapaId, body: VerificationSection, s: Db, user: CapaWorker) -> CapaDetail:
    """8.5.2 e: the actions do not adversely affect regulatory compliance or device safety and performance.
    Every field is required (the verification is one statement); an unknown field is refused (422)."""
    if not body.comment.strip():
        raise ApiError(422, "invalid_field", "comment: say how the verification was done")
    values = {
        "verification_compliance": body.compliance_unaffected,
        "verification_safety": body.safety_performance_unaffected,
        "verification_comment": body.comment.strip(),
    }
    return _section(s, user, capa_id, "verification", values)


def _justification(body: JustificationSection) -> str:
    if not body.justification.strip():
        return ""
    try:
        return check_justification(body.justification, "justification")
    except ValidationError as exc:
        raise ApiError(422, "justification_required", str(exc)) from exc


@router.put("/api/capas/{capa_id}/document-update")
def record_document_justification(
    capa_id: CapaId, body: JustificationSection, s: Db, user: CapaWorker
) -> CapaDetail:
    """Why no controlled document changes (instead of a changed document on an action); "" clears it.
    `justification` is required and an unknown field is refused (422), so a misspelt body erases nothing."""
    return _section(
        s, user, capa_id, "document-update", {"document_update_justification": _justification(body)}
    )


@router.put("/api/capas/{capa_id}/communication")
def record_communication_justification(
    capa_id: CapaId, body: JustificationSection, s: Db, user: CapaWorker
) -> CapaDetail:
    """Why no training or communication is needed (instead of a record on an action); "" clears it.
    `justification` is required and an unknown field is refused (422), so a misspelt body erases nothing."""
    return _section(s, user, capa_id, "communication", {"communication_justification": _justification(body)})


@router.post("/api/capas/{capa_id}/actions", status_code=201)
def add_action(capa_id: CapaId, body: NewAction, s: Db, user: CapaWorker) -> CapaDetail:
    """Add a correction, corrective or preventive action (owner defaults to the CAPA's owner); an unknown
    field is refused (422, naming it) and no action is added."""
    row = get_capa(s, capa_id, lock=True)
    values = body.model_dump()
    values["kind"], values["status"] = body.kind.value, body.status.value
    capa_service.add_action(s, user, row, values)
    return _detail(s, row)


@router.patch("/api/capas/{capa_id}/actions/{action_id}")
def update_action(
    capa_id: CapaId,
    action_id: Annotated[str, Path(min_length=1, max_length=64)],
    body: ActionUpdate,
    s: Db,
    user: CapaWorker,
) -> CapaDetail:
    """Record progress on an action: status, evidence of implementation, changed document and revision,
    training or communication record, owner, due date. The action's owner may do this too. An unknown
    field is refused (422, naming it) and so is a body with no field to change: nothing changes then."""
    row = get_capa(s, capa_id, lock=True)
    action = s.get(CapaActionRow, action_id)
    if action is None or action.capa_id != row.id:
        raise ApiError(404, "unknown_action", f"action_id: CAPA {row.id} has no action {action_id!r}")
    values = _sent(body)
    for name in ("kind", "status"):
        if values.get(name) is not None:
            values[name] = values[name].value
    capa_service.update_action(s, user, row, action, values)
    return _detail(s, row)


@router.post("/api/capas/{capa_id}/close")
def close(capa_id: CapaId, body: CloseRequest, request: Request, s: Db, user: CapaSigner) -> CapaDetail:
    """Close with an electronic signature (meaning "approved closure"): re-enter your password. Refused with
    401 `bad_signature_password` (nothing changes), or 409 `closure_gates` listing what is missing in
    `error.missing`, or 409 `content_changed` when `expected_sha256` no longer matches. Wrong passwords
    count as failed sign-ins of the signer: after too many, 429 `too_many_attempts` as at sign-in."""
    source = request.client.host if request.client else "unknown"
    at = auth.now()
    limits = throttle.ThrottleLimits.from_env()
    # Counted as a failure in this request's transaction (no second connection), locked until it ends.
    attempt = throttle.claim(s, user.username, source, limits, at)
    row = get_capa(s, capa_id, lock=True)
    try:
        with s.begin_nested():  # a refusal undoes the closure's work, not the counted attempt
            bundle = close_capa(
                s,
                user,
                row,
                password=body.password,
                signer_timezone=body.signer_timezone,
                signer_local_time=body.signer_local_time,
                expected_sha256=body.expected_sha256,
            )
    except ApiError as exc:
        if exc.code == "bad_signature_password":
            s.commit()  # keep the counted failure: the request's transaction ends here, with the refusal
        raise
    throttle.clear(s, user.username, up_to=attempt)
    return capa_detail(s, bundle)


@router.post("/api/capas/{capa_id}/reopen")
def reopen(capa_id: CapaId, body: ReopenRequest, s: Db, user: CapaManager) -> CapaDetail:
    """Reopen a CAPA by hand (it starts a new round: a new effectiveness check must pass before closure)."""
    row = get_capa(s, capa_id, lock=True)
    bundle = capa_checks.reopen(s, user.username, row, "manual", comment=body.reason.strip())
    return capa_detail(s, bundle)
