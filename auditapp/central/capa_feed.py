"""What synced events mean for CAPAs: field results, repeat findings, and prior findings for planned audits.

- `EffectivenessRecorded`: the first answer to a task counts (a teammate's later answer is kept in the
  event log only); the other devices get `task_closed`. All tasks effective: the check passes. One 'not
  effective': the CAPA reopens, linked to the event, its audit and the evidence cited.
- A new nonconformity on a watched clause at a watched site of the same organisation inside a window
  reopens that CAPA and is recorded on the finding as a repeat (for N19 grading).
- `AuditPlanned` for a site with earlier findings or open CAPAs: they go to the planning device as
  `prior_findings`.

A site is a site of one organisation: two clients' sites of the same name share no history or repeats.
Organisations and sites compare by `auditapp.domain.places` (case-folded, spaces collapsed) everywhere: in
Python over the audits' names, never by SQL's `lower()`, which SQLite and PostgreSQL apply differently.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditapp.central import pull_feed, trail
from auditapp.central.capa_checks import close_task, decide, reopen
from auditapp.central.capa_tables import CapaRow, EffectivenessCheckRow, EffectivenessTaskRow
from auditapp.central.reminders import capa_due_dates
from auditapp.central.tables import Audit, Finding
from auditapp.central.timestamps import as_utc
from auditapp.domain.capa import CheckResult
from auditapp.domain.effectiveness import WatchedScope, check_outcome, counts_as_repeat, repeat_hits
from auditapp.domain.events import DomainEvent
from auditapp.domain.places import name_key, place_key

PRIOR_FINDINGS_LIMIT = 200
"""Most earlier findings sent with one planned audit (newest first)."""


def apply_result(session: Session, event: DomainEvent) -> None:
    """Apply an auditor's effective / not effective answer to its task and check."""
    p = event.payload
    actor = f"device:{event.device_id}"
    task = session.scalar(
        select(EffectivenessTaskRow).where(EffectivenessTaskRow.id == str(p["task_id"])).with_for_update()
    )
    if task is None or task.check_id != str(p["check_id"]) or task.result is not None:
        return  # unknown task, or already answered by a teammate: the event stays in the log
    evidence_ids = [str(e) for e in p.get("evidence_ids") or ()]
    task.result = str(p["result"])
    task.result_device = event.device_id
    task.result_event_id = event.event_id
    task.result_audit_id = event.audit_id
    task.result_comment = str(p.get("comment") or "")
    task.result_evidence_ids = json.dumps(evidence_ids)
    close_task(session, task, keep_device=event.device_id)
    trail.record(
        session,
        actor,
        "effectiveness_task",
        task.id,
        "answered",
        {
            "result": (None, task.result),
            "comment": (None, task.result_comment),
            "audit_id": (None, event.audit_id),
        },
    )
    check = session.scalar(
        select(EffectivenessCheckRow).where(EffectivenessCheckRow.id == task.check_id).with_for_update()
    )
    capa = session.get(CapaRow, task.capa_id)
    if (
        check is None
        or capa is None
        or check.result != CheckResult.PENDING.value
        or check.round != capa.round
    ):
        return
    session.flush()
    results = session.scalars(
        select(EffectivenessTaskRow.result).where(EffectivenessTaskRow.check_id == check.id)
    )
    outcome = check_outcome(list(results))
    if outcome is CheckResult.FAILED:
        reopen(
            session,
            actor,
            capa,
            "not_effective",
            check=check,
            task_id=task.id,
            finding_id=task.finding_id,
            audit_id=event.audit_id,
            event_id=event.event_id,
            evidence_ids=evidence_ids,
            comment=task.result_comment or "not effective in the field",
        )
    elif outcome is CheckResult.PASSED:
        decide(session, actor, capa, check, CheckResult.PASSED, "effective in the field", evidence_ids)


def _day(finding: Finding) -> date:
    moment = finding.raised_at or finding.created_at
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC).date()


def detect_repeats(session: Session, findings: Iterable[Finding]) -> None:
    """Mark repeats among new findings and reopen the CAPAs whose windows they fall into."""
    candidates = [f for f in findings if counts_as_repeat(f.grade) and f.site and f.clause and not f.repeat]
    if not candidates:
        return
    days = [_day(f) for f in candidates]
    source = Finding.__table__.alias("source")
    source_audit = Audit.__table__.alias("source_audit")
    query = (
        select(EffectivenessCheckRow, CapaRow, source.c.site, source.c.clause, source_audit.c.organisation)
        .join(CapaRow, CapaRow.id == EffectivenessCheckRow.capa_id)
        .join(source, source.c.capa_id == CapaRow.id)
        .outerjoin(source_audit, source_audit.c.id == source.c.audit_id)
        .where(
            EffectivenessCheckRow.round == CapaRow.round,
            EffectivenessCheckRow.result != CheckResult.FAILED.value,
            EffectivenessCheckRow.window_start <= max(days),
            EffectivenessCheckRow.window_end >= min(days),
            source.c.clause.in_({f.clause for f in candidates}),
        )
    )
    rows = list(session.execute(query))
    checks = {check.id: check for check, _, _, _, _ in rows}
    capas = {capa.id: capa for _, capa, _, _, _ in rows}
    # Sites as `places.name_key` compares them, so repeat_hits sees one spelling of each site.
    scopes = [
        (
            name_key(organisation or ""),
            WatchedScope(
                capa.id,
                check.id,
                name_key(site or ""),
                clause,
                check.window_start,
                check.window_end,
                CheckResult(check.result),
            ),
        )
        for check, capa, site, clause, organisation in rows
    ]
    organisations = dict(
        session.execute(
            select(Audit.id, Audit.organisation).where(Audit.id.in_({f.audit_id for f in candidates}))
        ).all()
    )
    for finding in candidates:
        # Only the CAPAs of this organisation's site: another client's site of the same name is not watched.
        ours = name_key(organisations.get(finding.audit_id) or "")
        mine = [scope for org, scope in scopes if org == ours]
        hits = [
            h
            for h in repeat_hits(name_key(finding.site), finding.clause, finding.grade, _day(finding), mine)
            if h.capa_id != finding.capa_id
        ]
        if not hits:
            continue
        finding.repeat = True
        finding.repeat_capa_id = hits[0].capa_id
        trail.record(
            session,
            "system",
            "finding",
            finding.id,
            "repeat",
            {"repeat": (False, True), "repeat_capa_id": (None, hits[0].capa_id)},
        )
        for capa_id in dict.fromkeys(h.capa_id for h in hits):
            check = checks[next(h.check_id for h in hits if h.capa_id == capa_id)]
            if check.result == CheckResult.FAILED.value and capas[capa_id].awaiting_rework:
                continue  # an earlier finding of this batch already reopened it
            reopen(
                session,
                "system",
                capas[capa_id],
                "repeat_finding",
                check=check,
                finding_id=finding.id,
                audit_id=finding.audit_id,
                evidence_ids=json.loads(finding.evidence_ids or "[]"),
                comment=f"repeat finding on {finding.clause} at {finding.site}: {finding.statement}"[:2000],
            )


@dataclass(frozen=True)
class AuditPlace:
    """An audit's organisation and site as the store holds them; `hlc` orders its plans' latest writes."""

    audit_id: str
    organisation: str
    site: str
    hlc: str


def audits_at_site(session: Session, site: str) -> list[AuditPlace]:
    """Every audit of a site of that name, of any organisation, the latest plan first. Names are compared
    here by `places.name_key`: one row of three short columns per audit is read, so the rule is the same
    on SQLite and PostgreSQL (their `lower()` differ outside ASCII) and spaces count as the tablet counts
    them."""
    wanted = name_key(site)
    if not wanted:
        return []
    rows = session.execute(select(Audit.id, Audit.organisation, Audit.site, Audit.hlc))
    found = [AuditPlace(*row) for row in rows if name_key(row.site) == wanted]
    return sorted(found, key=lambda a: (a.hlc, a.audit_id), reverse=True)


def audits_at_place(session: Session, organisation: str, site: str) -> list[str]:
    """The ids of the audits of the site of the organisation (REP-020); two audits that both name no
    organisation are of the same one."""
    key = place_key(organisation, site)
    return [a.audit_id for a in audits_at_site(session, site) if place_key(a.organisation, a.site) == key]


def send_prior_findings(
    session: Session, device_id: str, audit_id: str, site: str, organisation: str | None = None
) -> bool:
    """Queue `prior_findings` for an audit just planned at a site of an organisation (by default the
    audit's own); False when the site has no history. Another organisation's site of the same name is
    another site: its findings and CAPAs are never sent (CAP-016, REP-020)."""
    if not site.strip():
        return False
    if organisation is None:
        organisation = session.scalar(select(Audit.organisation).where(Audit.id == audit_id)) or ""
    # A finding's site follows its audit's (projection), so the audits at the place give its findings.
    at_place = select(Finding.id).where(Finding.audit_id.in_(audits_at_place(session, organisation, site)))
    earlier = list(
        session.scalars(
            select(Finding)
            .where(Finding.id.in_(at_place), Finding.audit_id != audit_id)
            .order_by(Finding.created_at.desc(), Finding.id.desc())
            .limit(PRIOR_FINDINGS_LIMIT)
        )
    )
    open_capas = list(
        session.scalars(
            select(CapaRow)
            .where(
                CapaRow.closed_at.is_(None),
                CapaRow.id.in_(select(Finding.capa_id).where(Finding.id.in_(at_place))),
            )
            .order_by(CapaRow.created_at)
        )
    )
    if not earlier and not open_capas:
        return False
    stages = {
        c.id: c.stage
        for c in session.scalars(
            select(CapaRow).where(CapaRow.id.in_({f.capa_id for f in earlier if f.capa_id}))
        )
    }
    dues = capa_due_dates(session, [c.id for c in open_capas])
    clauses: dict[str, set[str]] = {}
    for capa_id, clause in session.execute(
        select(Finding.capa_id, Finding.clause).where(Finding.capa_id.in_([c.id for c in open_capas]))
    ):
        clauses.setdefault(str(capa_id), set()).add(clause)
    pull_feed.queue_for_device(
        session,
        device_id,
        pull_feed.PRIOR_FINDINGS,
        {
            "audit_id": audit_id,
            "organisation": organisation,
            "site": site,
            "findings": [
                {
                    "id": f.id,
                    "audit_id": f.audit_id,
                    "clause": f.clause,
                    "grade": f.grade,
                    "statement": f.statement,
                    "status": f.status,
                    "capa_id": f.capa_id,
                    "capa_status": stages.get(f.capa_id) if f.capa_id else None,
                }
                for f in earlier
            ],
            "capas": [
                {
                    "id": c.id,
                    "title": c.title,
                    "stage": c.stage,
                    "created_at": as_utc(c.created_at).isoformat(),
                    "clauses": sorted(clauses.get(c.id, ())),
                    "due": dues[c.id].isoformat() if c.id in dues else None,
                }
                for c in open_capas
            ],
        },
    )
    return True
