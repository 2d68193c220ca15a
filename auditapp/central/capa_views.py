"""The API form of CAPAs: a bundle of rows becomes a CapaDetail with gates, signatures and their match."""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditapp.central.capa_models import (
    ActionOut,
    CapaDetail,
    CapaSummary,
    CheckOut,
    ClosureStatus,
    GapOut,
    ReopeningOut,
    RootCauseOut,
    SignatureOut,
    TaskOut,
    VerificationOut,
)
from auditapp.central.capa_records import CapaBundle
from auditapp.central.capa_tables import (
    CapaReopeningRow,
    CapaRow,
    EffectivenessCheckRow,
    EffectivenessTaskRow,
)
from auditapp.central.finding_routes import summary
from auditapp.central.signatures import signatures_of
from auditapp.domain.capa import (
    ActionKind,
    ActionStatus,
    CapaStage,
    CheckMethod,
    CheckResult,
    RootCauseMethod,
)


def capa_summary(row: CapaRow, owner: str) -> CapaSummary:
    """A CAPA as listed."""
    return CapaSummary(
        id=row.id,
        title=row.title,
        stage=CapaStage(row.stage),
        owner=owner,
        round=row.round,
        created_at=row.created_at,
        updated_at=row.updated_at,
        closed_at=row.closed_at,
    )


def task_out(task: EffectivenessTaskRow) -> TaskOut:
    """A field task as shown with its check."""
    return TaskOut(
        id=task.id,
        finding_id=task.finding_id,
        site=task.site,
        device_count=len(json.loads(task.devices or "[]")),
        result=task.result,
        result_comment=task.result_comment,
        result_audit_id=task.result_audit_id,
        result_evidence_ids=json.loads(task.result_evidence_ids or "[]"),
        created_at=task.created_at,
        closed_at=task.closed_at,
    )


def check_out(
    check: EffectivenessCheckRow,
    tasks: Sequence[EffectivenessTaskRow],
    current_round: int,
    capa_title: str = "",
) -> CheckOut:
    """An effectiveness check with its tasks."""
    return CheckOut(
        id=check.id,
        capa_id=check.capa_id,
        capa_title=capa_title,
        criterion=check.criterion,
        method=CheckMethod(check.method),
        window_start=check.window_start,
        window_end=check.window_end,
        result=CheckResult(check.result),
        comment=check.comment,
        evidence=json.loads(check.evidence or "[]"),
        decided_by=check.decided_by,
        decided_at=check.decided_at,
        round=check.round,
        current=check.round == current_round,
        tasks=[task_out(t) for t in tasks],
    )


def tasks_by_check(session: Session, check_ids: Sequence[str]) -> dict[str, list[EffectivenessTaskRow]]:
    """The field tasks of some checks, grouped by check."""
    out: dict[str, list[EffectivenessTaskRow]] = {c: [] for c in check_ids}
    if check_ids:
        query = (
            select(EffectivenessTaskRow)
            .where(EffectivenessTaskRow.check_id.in_(check_ids))
            .order_by(EffectivenessTaskRow.created_at, EffectivenessTaskRow.id)
        )
        for task in session.scalars(query):
            out[task.check_id].append(task)
    return out


def closure_status(bundle: CapaBundle) -> ClosureStatus:
    """The closure gates of a CAPA."""
    gaps = [GapOut(**g.to_dict()) for g in bundle.gaps]  # type: ignore[arg-type]
    return ClosureStatus(
        capa_id=bundle.row.id,
        stage=CapaStage(bundle.row.stage),
        ready_to_close=not gaps and bundle.row.closed_at is None,
        missing=gaps,
        content_sha256=bundle.digest,
    )


def capa_detail(session: Session, bundle: CapaBundle) -> CapaDetail:
    """Everything recorded on a CAPA, its gates, and whether its signatures still match its content."""
    row, capa = bundle.row, bundle.capa
    digest = bundle.digest
    signatures = [
        SignatureOut(
            printed_name=s.printed_name,
            username=s.username,
            meaning=s.meaning,
            signed_at=s.signed_at,
            signer_local_time=s.signer_local_time,
            signer_timezone=s.signer_timezone,
            content_sha256=s.content_sha256,
            matches_current_content=s.matches(digest),
            manifestation=s.manifestation(),
        )
        for s in signatures_of(session, row.id)
    ]
    tasks = tasks_by_check(session, [c.id for c in bundle.checks])
    reopenings = session.scalars(
        select(CapaReopeningRow).where(CapaReopeningRow.capa_id == row.id).order_by(CapaReopeningRow.id)
    )
    status = closure_status(bundle)
    return CapaDetail(
        **capa_summary(row, capa.owner).model_dump(),
        problem_statement=row.problem_statement,
        containment=row.containment,
        correction=row.correction,
        root_cause=RootCauseOut(
            method=RootCauseMethod(row.root_cause_method) if row.root_cause_method else None,
            result=row.root_cause_result,
        ),
        actions=[
            ActionOut(
                id=a.id,
                kind=ActionKind(a.kind),
                description=a.description,
                owner=bundle.usernames.get(a.owner_id, ""),
                due_date=a.due_date,
                status=ActionStatus(a.status),
                evidence=a.evidence,
                document_id=a.document_id,
                document_revision=a.document_revision,
                communication_record=a.communication_record,
                cancel_reason=a.cancel_reason,
                created_at=a.created_at,
                updated_at=a.updated_at,
            )
            for a in bundle.actions
        ],
        document_update_justification=row.document_update_justification,
        communication_justification=row.communication_justification,
        verification=None
        if capa.verification is None
        else VerificationOut(
            compliance_unaffected=capa.verification.compliance_unaffected,
            safety_performance_unaffected=capa.verification.safety_performance_unaffected,
            comment=capa.verification.comment,
            verified_by=row.verified_by,
            verified_at=row.verified_at,
        ),
        effectiveness_checks=[check_out(c, tasks[c.id], row.round) for c in bundle.checks],
        source_findings=[summary(f) for f in bundle.sources],
        reopenings=[
            ReopeningOut(
                at=r.at,
                reason=r.reason,
                actor=r.actor,
                check_id=r.check_id,
                task_id=r.task_id,
                finding_id=r.finding_id,
                audit_id=r.audit_id,
                event_id=r.event_id,
                evidence_ids=json.loads(r.evidence_ids or "[]"),
                comment=r.comment,
            )
            for r in reopenings
        ],
        missing=status.missing,
        ready_to_close=status.ready_to_close,
        content_sha256=digest,
        signatures=signatures,
        signature_valid=signatures[-1].matches_current_content if signatures else None,
    )
