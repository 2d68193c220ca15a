"""Reports from the central store: an audit's report (PDF) and exports, and a site's readiness (ADR 0091).

The store builds them itself from the events it holds, with the same `auditapp.reports` code the field app
runs offline; photos come from the synced blobs. Every route needs a signed-in reader.
"""

import datetime as dt
import json
import logging
from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import Annotated, TypeVar

from fastapi import APIRouter, Path, Query, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from auditapp.central.capa_feed import audits_at_place, audits_at_site
from auditapp.central.capa_tables import CapaRow, EffectivenessCheckRow
from auditapp.central.checklist_texts import PublishedTexts
from auditapp.central.deps import Db, Reader
from auditapp.central.errors import ApiError
from auditapp.central.photo_routes import read_photo
from auditapp.central.reminders import capa_due_dates
from auditapp.central.tables import Audit, Finding, StoredEvent, User
from auditapp.config import ServerConfig
from auditapp.domain.errors import ValidationError
from auditapp.domain.events import DomainEvent
from auditapp.domain.places import name_key, same_name
from auditapp.domain.readiness import CapaFacts, Effectiveness, assess, check_as_of
from auditapp.reports.audit_json import to_json
from auditapp.reports.audit_report import render_audit_pdf
from auditapp.reports.document import ReportError
from auditapp.reports.exports import capa_table, findings_table, to_csv, to_xlsx
from auditapp.reports.library import standard_clauses
from auditapp.reports.readiness_json import readiness_to_dict
from auditapp.reports.readiness_report import render_readiness_pdf
from auditapp.services.reporting import AuditDossier, PriorFinding, build_dossier, readiness_inputs
from sync.blob_receiver import BlobReceiver

log = logging.getLogger(__name__)
_T = TypeVar("_T")

PDF, CSV = "application/pdf", "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_RESULTS = {"passed": Effectiveness.VERIFIED, "failed": Effectiveness.NOT_EFFECTIVE}


class ReportFormat(StrEnum):
    """What `GET /api/audits/{id}/report` returns."""

    PDF = "pdf"
    CSV = "csv"
    XLSX = "xlsx"
    JSON = "json"


class ReportTable(StrEnum):
    """Which table a CSV export holds (an XLSX export holds both, a sheet each)."""

    FINDINGS = "findings"
    CAPAS = "capas"


class ReadinessFormat(StrEnum):
    """What `GET /api/readiness` returns."""

    JSON = "json"
    PDF = "pdf"


class BlobPhotos:
    """PhotoSource over the store's synced photo blobs; a photo not received yet is None (a placeholder)."""

    def __init__(self, session: Session, config: ServerConfig) -> None:
        self.session = session
        self.config = config

    def photo(self, sha256: str) -> bytes | None:
        """The decrypted display image, or None when its blob has not arrived."""
        try:
            return read_photo(self.session, BlobReceiver(self.config.blob_dir), sha256, "image")
        except ApiError:
            return None


def audit_events(session: Session, audit_ids: Sequence[str]) -> dict[str, list[DomainEvent]]:
    """The stored events of the audits, by audit."""
    out: dict[str, list[DomainEvent]] = {a: [] for a in audit_ids}
    rows = session.execute(
        select(StoredEvent.audit_id, StoredEvent.body).where(StoredEvent.audit_id.in_(audit_ids))
    )
    for audit_id, body in rows:
        out[audit_id].append(DomainEvent.from_dict(json.loads(body)))
    return out


def capa_facts(session: Session, capa_ids: Sequence[str]) -> list[CapaFacts]:
    """CAPAs as readiness and the CAPA log see them: stage, dates, owner, linked findings, effectiveness."""
    if not capa_ids:
        return []
    owners = dict(session.execute(select(User.id, User.username)).all())
    linked: dict[str, list[Finding]] = {}
    for finding in session.scalars(select(Finding).where(Finding.capa_id.in_(capa_ids))):
        linked.setdefault(str(finding.capa_id), []).append(finding)
    latest: dict[str, str] = {}
    checks = select(EffectivenessCheckRow).where(EffectivenessCheckRow.capa_id.in_(capa_ids))
    for check in session.scalars(checks.order_by(EffectivenessCheckRow.created_at)):
        latest[check.capa_id] = check.result
    due = capa_due_dates(session, capa_ids)  # actions done are not due: the dashboard's and reminders' rule
    out = []
    for row in session.scalars(select(CapaRow).where(CapaRow.id.in_(capa_ids))):
        findings = linked.get(row.id, [])
        result = latest.get(row.id)
        out.append(
            CapaFacts(
                capa_id=row.id,
                title=row.title,
                status="closed" if row.stage == "closed" else "open",
                opened_on=row.created_at.date(),
                closed_on=row.closed_at.date() if row.closed_at else None,
                due_on=due.get(row.id),
                finding_ids=tuple(f.id for f in findings),
                clauses=tuple(sorted({f.clause for f in findings})),
                effectiveness=_RESULTS.get(result, Effectiveness.PENDING) if result else Effectiveness.NONE,
                owner=str(owners.get(row.owner_id, "")),
                stage=row.stage,
            )
        )
    return out


def _start_dates(session: Session, audit_ids: Sequence[str]) -> dict[str, str]:
    query = select(StoredEvent.audit_id, StoredEvent.body).where(
        StoredEvent.audit_id.in_(audit_ids), StoredEvent.kind == "AuditPlanned"
    )
    return {
        a: str(json.loads(body)["payload"]["plan"].get("start_date", ""))
        for a, body in session.execute(query)
    }


def prior_findings(session: Session, audit_id: str, organisation: str, site: str) -> list[PriorFinding]:
    """Findings of the latest earlier audit of the same site of the same organisation, with their status
    and CAPA: two clients' sites of the same name are different sites, two spellings of one client's site
    are one (REP-020)."""
    others = [a for a in audits_at_place(session, organisation, site) if a != audit_id]
    starts = _start_dates(session, [audit_id, *others])
    mine = starts.get(audit_id, "")
    earlier = sorted((starts[a], a) for a in others if a in starts and starts[a] <= mine)
    if not earlier:
        return []
    previous = earlier[-1][1]
    findings = list(session.scalars(select(Finding).where(Finding.audit_id == previous)))
    stages = dict(
        session.execute(
            select(CapaRow.id, CapaRow.stage).where(
                CapaRow.id.in_([f.capa_id for f in findings if f.capa_id])
            )
        ).all()
    )
    return [
        PriorFinding(
            f.id,
            f.audit_id,
            f.clause,
            f.grade,
            f.statement,
            f.status,
            f.capa_id or "",
            str(stages.get(f.capa_id or "", "")),
        )
        for f in sorted(findings, key=lambda f: (f.clause, f.id))
    ]


def audits_of_site(session: Session, site: str, organisation: str | None) -> tuple[str, str, list[str]]:
    """The organisation, the site and the audits of a site the store holds: of the organisation given, or of
    the one organisation with a site of that name; 404 `unknown_site` when there is none, 422
    `ambiguous_site` naming the organisations when several have a site of that name and none is given
    (REP-020). Names compare by `places.name_key`; each is returned as its latest plan spells it."""
    rows = audits_at_site(session, site)  # the latest plan first
    if not rows:
        raise ApiError(404, "unknown_site", f"site: no audit of the site {site!r} has reached the store")
    owners: dict[str, tuple[str, str]] = {}  # organisation key -> (organisation, site) as spelled last
    for row in rows:
        owners.setdefault(name_key(row.organisation), (row.organisation, row.site))
    listed = ", ".join(_named(org) for org, _site in sorted(owners.values()))
    if organisation is None and len(owners) > 1:
        raise ApiError(
            422,
            "ambiguous_site",
            f"organisation: {len(owners)} organisations have a site called {site!r} ({listed}); give the "
            "organisation whose site to assess",
        )
    wanted = name_key(organisation) if organisation is not None else next(iter(owners))
    if wanted not in owners:
        raise ApiError(
            404,
            "unknown_site",
            f"organisation: no audit of the site {site!r} of {organisation!r} has reached the store; the "
            f"site {site!r} is audited for {listed}",
        )
    chosen, spelled = owners[wanted]
    return chosen, spelled, [row.audit_id for row in rows if same_name(row.organisation, chosen)]


def _named(organisation: str) -> str:
    return repr(organisation) if organisation else "(no organisation)"


def central_dossier(session: Session, config: ServerConfig, audit_id: str) -> AuditDossier:
    """The dossier of an audit held by the store; 404 `unknown_audit` when it holds no plan of it."""
    events = audit_events(session, [audit_id])[audit_id]
    audit = session.get(Audit, audit_id)
    if not events or audit is None:
        raise ApiError(404, "unknown_audit", f"audit_id: the store holds no audit {audit_id}; check the id")
    findings = list(session.scalars(select(Finding).where(Finding.audit_id == audit_id)))
    prior = prior_findings(session, audit_id, audit.organisation, audit.site)
    capa_ids = sorted({f.capa_id for f in findings if f.capa_id} | {p.capa_id for p in prior if p.capa_id})
    return build_dossier(
        events,
        audit_id,
        PublishedTexts(session),
        photos=BlobPhotos(session, config),
        prior_findings=prior,
        capas=capa_facts(session, capa_ids),
        finding_statuses={f.id: f.status for f in findings},
        source="the central store",
    )


def _drawn(render: Callable[[_T], bytes], source: _T) -> bytes:
    """A PDF, or 500 `report_failed` with the report's own words (not "try again": it would fail again)."""
    try:
        return render(source)
    except ReportError as exc:
        log.error("a report could not be drawn: %s", exc, exc_info=exc.__cause__)
        raise ApiError(500, "report_failed", str(exc)) from exc


def report_router(config: ServerConfig) -> APIRouter:
    """GET /api/audits/{id}/report and GET /api/readiness."""
    router = APIRouter()

    @router.get("/api/audits/{audit_id}/report")
    def audit_report(
        audit_id: Annotated[str, Path(min_length=1, max_length=64)],
        s: Db,
        _user: Reader,
        format: ReportFormat = ReportFormat.PDF,
        table: ReportTable = ReportTable.FINDINGS,
        photos: bool = False,
    ) -> Response:
        """An audit's report (PDF), findings or CAPA log (CSV, XLSX) or its JSON document (any reader)."""
        dossier = central_dossier(s, config, audit_id)
        name = f"audit-{audit_id}"
        if format is ReportFormat.PDF:
            return _file(_drawn(render_audit_pdf, dossier), PDF, f"{name}.pdf")
        if format is ReportFormat.JSON:
            return _file(to_json(dossier, with_photos=photos), "application/json", f"{name}.json")
        if format is ReportFormat.XLSX:
            return _file(to_xlsx([findings_table(dossier), capa_table(dossier)]), XLSX, f"{name}.xlsx")
        chosen = findings_table(dossier) if table is ReportTable.FINDINGS else capa_table(dossier)
        return _file(to_csv(chosen), CSV, f"{name}-{table.value}.csv")

    @router.get("/api/readiness")
    def readiness(
        s: Db,
        _user: Reader,
        site: Annotated[str, Query(min_length=1, max_length=300)],
        organisation: Annotated[str | None, Query(max_length=300)] = None,
        as_of: dt.date | None = None,
        format: ReadinessFormat = ReadinessFormat.JSON,
    ) -> Response:
        """A site's certification readiness from every audit and CAPA the store holds of the site of one
        organisation (any reader); `organisation` may be left out while only one organisation has a site of
        that name (422 `ambiguous_site` otherwise); `as_of` (default today) lies between 1900-01-01 and a
        year from today (422 `invalid_field` otherwise)."""
        today = dt.datetime.now(dt.UTC).date()
        day = as_of or today
        try:
            check_as_of(day, today, "as_of")
        except ValidationError as exc:
            raise ApiError(422, "invalid_field", str(exc)) from None
        chosen, spelled, audit_ids = audits_of_site(s, site, organisation)
        events = audit_events(s, audit_ids)
        triaged = s.execute(
            select(Finding.id, Finding.status, Finding.capa_id).where(Finding.audit_id.in_(audit_ids))
        ).all()
        capa_ids = sorted({capa for _id, _status, capa in triaged if capa})
        statuses = {finding_id: status for finding_id, status, _capa in triaged}
        capas = capa_facts(s, capa_ids)
        inputs = readiness_inputs(
            events, spelled, day, standard_clauses(), capas, (), statuses, organisation=chosen
        )
        result = assess(inputs)
        if format is ReadinessFormat.PDF:
            return _file(_drawn(render_readiness_pdf, result), PDF, f"readiness-{day.isoformat()}.pdf")
        return Response(json.dumps(readiness_to_dict(result)), media_type="application/json")

    return router


def _file(data: bytes, media_type: str, filename: str) -> Response:
    return Response(
        data, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )
