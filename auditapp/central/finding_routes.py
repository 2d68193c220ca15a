"""Findings API: the triage inbox (filters, sort, cursor paging), a finding's detail with its evidence, and
triage decisions by a quality manager (one finding, or several at once)."""

import json
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from auditapp.central.auth import now
from auditapp.central.capa_tables import CapaRow
from auditapp.central.cursor_types import check_cursor
from auditapp.central.deps import Db, Reader, Triager
from auditapp.central.finding_detail import evidence_out, finding_evidence, findings_photos
from auditapp.central.finding_models import (
    ID,
    BulkTriageRequest,
    CapaRef,
    ConflictValue,
    FindingDetail,
    FindingPhotos,
    FindingSort,
    FindingStatus,
    FindingSummary,
    TriageDecision,
    TriageReply,
    TriageRequest,
)
from auditapp.central.paging import MAX_LIMIT, Page, PageQuery, SortKey, keyset_page
from auditapp.central.registers import FieldRegisters
from auditapp.central.tables import Audit, Finding
from auditapp.central.triage import get_finding, get_findings, triage
from auditapp.domain.findings import FindingGrade

router = APIRouter(tags=["findings and triage"])

FindingId = Annotated[str, Path(min_length=1, max_length=64)]
Filter = Annotated[str | None, Query(max_length=300)]

_SORTS: dict[FindingSort, list[SortKey]] = {
    FindingSort.NEWEST: [SortKey(Finding.created_at, True), SortKey(Finding.id, True)],
    FindingSort.OLDEST: [SortKey(Finding.created_at), SortKey(Finding.id)],
    FindingSort.GRADE: [SortKey(Finding.grade_rank), SortKey(Finding.created_at), SortKey(Finding.id)],
    FindingSort.CLAUSE: [SortKey(Finding.clause), SortKey(Finding.created_at), SortKey(Finding.id)],
    FindingSort.SITE: [SortKey(Finding.site), SortKey(Finding.created_at), SortKey(Finding.id)],
    FindingSort.PROCESS: [SortKey(Finding.process), SortKey(Finding.created_at), SortKey(Finding.id)],
    FindingSort.AUDIT: [SortKey(Finding.audit_id), SortKey(Finding.created_at), SortKey(Finding.id)],
}
_KEY_TYPES: dict[FindingSort, list[type]] = {
    FindingSort.NEWEST: [datetime, str],
    FindingSort.OLDEST: [datetime, str],
    FindingSort.GRADE: [int, datetime, str],
}
_KEY_NAMES = {
    FindingSort.GRADE: "grade_rank",
    FindingSort.CLAUSE: "clause",
    FindingSort.SITE: "site",
    FindingSort.PROCESS: "process",
    FindingSort.AUDIT: "audit_id",
}


def summary(finding: Finding, audit_title: str = "") -> FindingSummary:
    """The inbox form of a finding."""
    return FindingSummary(
        id=finding.id,
        audit_id=finding.audit_id,
        audit_title=audit_title or "",
        site=finding.site,
        item_id=finding.item_id,
        clause=finding.clause,
        process=finding.process,
        grade=finding.grade,
        statement=finding.statement,
        status=FindingStatus(finding.status),
        n19_grade=finding.n19_grade,
        repeat=bool(finding.repeat),
        repeat_capa_id=finding.repeat_capa_id,
        capa_id=finding.capa_id,
        duplicate_of=finding.duplicate_of,
        conflicts=[c for c in finding.conflicts.split(",") if c],
        raised_at=finding.raised_at,
        received_at=finding.created_at,
    )


def _key(sort: FindingSort, finding: Finding) -> list[Any]:
    if sort in (FindingSort.NEWEST, FindingSort.OLDEST):
        return [finding.created_at, finding.id]
    return [getattr(finding, _KEY_NAMES[sort]), finding.created_at, finding.id]


def _filtered(
    query: Select[*tuple[Any, ...]],
    *,
    audit_id: str | None,
    site: str | None,
    clause: str | None,
    process: str | None,
    grade: FindingGrade | None,
    status: FindingStatus | None,
    older_than_days: int | None,
    newer_than_days: int | None,
    repeat: bool | None,
    capa_id: str | None,
) -> Select[*tuple[Any, ...]]:
    for column, value in (
        (Finding.audit_id, audit_id),
        (Finding.site, site),
        (Finding.clause, clause),
        (Finding.process, process),
        (Finding.grade, grade.value if grade else None),
        (Finding.status, status.value if status else None),
        (Finding.capa_id, capa_id),
    ):
        if value is not None:
            query = query.where(column == value)
    if repeat is not None:
        query = query.where(Finding.repeat.is_(repeat))
    today = now()
    if older_than_days is not None:
        query = query.where(Finding.created_at <= today - timedelta(days=older_than_days))
    if newer_than_days is not None:
        query = query.where(Finding.created_at >= today - timedelta(days=newer_than_days))
    return query


@router.get("/api/findings")
def list_findings(
    s: Db,
    _user: Reader,
    page: PageQuery,
    audit_id: Filter = None,
    site: Filter = None,
    clause: Annotated[str | None, Query(max_length=40)] = None,
    process: Filter = None,
    grade: FindingGrade | None = None,
    status: FindingStatus | None = None,
    older_than_days: Annotated[
        int | None, Query(ge=0, le=36500, description="received at least N days ago")
    ] = None,
    newer_than_days: Annotated[
        int | None, Query(ge=0, le=36500, description="received at most N days ago")
    ] = None,
    repeat: bool | None = None,
    capa_id: Annotated[str | None, Query(max_length=64)] = None,
    sort: FindingSort = FindingSort.NEWEST,
) -> Page[FindingSummary]:
    """The triage inbox: findings synced from the field, filtered and sorted, one page at a time.

    `status=new` lists what waits for triage. Age filters count from when the store received a finding.
    Sorts: newest/oldest received, or grade (most severe first), clause, site, process, audit, each then
    oldest first. Pass `next_cursor` as `cursor` for the next page.
    """
    check_cursor(page, _KEY_TYPES.get(sort, [str, datetime, str]))
    query: Select[*tuple[Any, ...]] = select(Finding, Audit.title).outerjoin(
        Audit, Audit.id == Finding.audit_id
    )
    query = _filtered(
        query,
        audit_id=audit_id,
        site=site,
        clause=clause,
        process=process,
        grade=grade,
        status=status,
        older_than_days=older_than_days,
        newer_than_days=newer_than_days,
        repeat=repeat,
        capa_id=capa_id,
    )
    return keyset_page(
        s,
        query,
        _SORTS[sort],
        page,
        key_of=lambda row: _key(sort, row[0]),
        item=lambda row: summary(row[0], row[1] or ""),
    )


def detail(session: Session, finding: Finding) -> FindingDetail:
    """A finding with its evidence, conflicts, triage record and CAPA."""
    audit = session.get(Audit, finding.audit_id)
    evidence = finding_evidence(session, finding)
    registers = FieldRegisters(finding.registers)
    capa = session.get(CapaRow, finding.capa_id) if finding.capa_id else None
    return FindingDetail(
        **summary(finding, audit.title if audit else "").model_dump(),
        requirement=finding.requirement,
        evidence_ids=json.loads(finding.evidence_ids or "[]"),
        evidence=[evidence_out(e, evidence.blob_ids) for e in evidence.own],
        item_evidence=[evidence_out(e, evidence.blob_ids) for e in evidence.item],
        field_conflicts={
            name: [
                ConflictValue(**{k: h[k] for k in ("value", "hlc", "device_id")})
                for h in registers.heads(name)
            ]
            for name in registers.conflicts()
        },
        decision=TriageDecision(finding.decision) if finding.decision else None,
        decision_note=finding.decision_note,
        triaged_by=finding.triaged_by,
        triaged_at=finding.triaged_at,
        capa=CapaRef(id=capa.id, title=capa.title, stage=capa.stage) if capa else None,
    )


@router.get("/api/findings/photos")
def get_findings_photos(
    s: Db,
    _user: Reader,
    finding_id: Annotated[
        list[ID], Query(min_length=1, max_length=MAX_LIMIT, description="one or more finding ids (repeat it)")
    ],
) -> FindingPhotos:
    """The photos of several findings in one call (what the inbox shows as thumbnails): each finding's
    own photos, attached to it or cited by it. An unknown id is refused with 404 `unknown_finding`."""
    return FindingPhotos(photos=findings_photos(s, get_findings(s, finding_id, field="finding_id")))


@router.get("/api/findings/{finding_id}")
def get_finding_detail(finding_id: FindingId, s: Db, _user: Reader) -> FindingDetail:
    """One finding with its requirement, evidence (notes, interviews, photos, documents, samples with
    method and seed, sampled records), the evidence on its checklist item, conflicts and triage record."""
    return detail(s, get_finding(s, finding_id))


@router.post("/api/findings/triage")
def triage_many(body: BulkTriageRequest, s: Db, user: Triager) -> TriageReply:
    """One triage decision for several findings at once (e.g. all duplicates of one original)."""
    findings, capa_id = triage(s, user, body.finding_ids, body)
    return TriageReply(findings=[summary(f) for f in findings], capa_id=capa_id)


@router.post("/api/findings/{finding_id}/triage")
def triage_one(finding_id: FindingId, body: TriageRequest, s: Db, user: Triager) -> TriageReply:
    """Triage one finding: open a CAPA, link it to a CAPA, correction only, no action, duplicate, rejected."""
    findings, capa_id = triage(s, user, [finding_id], body)
    return TriageReply(findings=[summary(f) for f in findings], capa_id=capa_id)
