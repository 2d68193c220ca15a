"""Field re-verification tasks: queued once when a check's window opens, to the site auditors' devices.

`evaluate_windows` finds current-round field checks of open CAPAs whose window is open today and that have
no tasks yet, and creates one task per source finding (the finding, its photos and evidence, the
criterion), queued as an `effectiveness_task` pull record to every active device that sent events for an
audit at the finding's site of the same organisation (another client's site of the same name is another
site; names compare as `auditapp.domain.places` compares them). It runs on a background tick and before
the CAPA routes answer; the check row is locked while it is evaluated and (check, finding) is unique, so
running it twice, or in two workers at once, queues each task once (ADR 0062).
"""

from __future__ import annotations

import json
import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditapp.central import pull_feed, trail
from auditapp.central.auth import now
from auditapp.central.capa_feed import audits_at_place
from auditapp.central.capa_tables import CapaRow, EffectivenessCheckRow, EffectivenessTaskRow
from auditapp.central.finding_detail import finding_evidence
from auditapp.central.tables import Audit, Device, Finding, StoredEvent
from auditapp.domain.capa import CheckMethod, CheckResult

SYSTEM = "system"


def today() -> date:
    """Today's date in UTC (windows are UTC dates)."""
    return now().date()


def task_record(
    task: EffectivenessTaskRow,
    check: EffectivenessCheckRow,
    capa: CapaRow,
    finding: Finding,
    session: Session,
) -> dict[str, object]:
    """The `effectiveness_task` pull record of one task (contracts.md)."""
    evidence = finding_evidence(session, finding)
    return {
        "task_id": task.id,
        "capa_id": capa.id,
        "check_id": check.id,
        "capa_title": capa.title,
        "organisation": organisation_of(session, finding),
        "site": finding.site,
        "criterion": check.criterion,
        "window_start": check.window_start.isoformat(),
        "window_end": check.window_end.isoformat(),
        "finding": {
            "id": finding.id,
            "audit_id": finding.audit_id,
            "item_id": finding.item_id,
            "clause": finding.clause,
            "grade": finding.grade,
            "statement": finding.statement,
        },
        "photos": evidence.photos(),
        "evidence": evidence.texts(),
    }


def organisation_of(session: Session, finding: Finding) -> str:
    """The organisation whose site the finding was raised at (its audit's)."""
    return session.scalar(select(Audit.organisation).where(Audit.id == finding.audit_id)) or ""


def devices_at_place(session: Session, organisation: str, site: str) -> list[str]:
    """Active devices of the auditors of the site of an organisation: those that sent events for an audit
    there, however its plans spell the organisation and site. An auditor of another client's site of the
    same name is not sent the task (REP-020)."""
    audit_ids = audits_at_place(session, organisation, site)
    if not audit_ids:
        return []
    query = (
        select(StoredEvent.device_id)
        .join(Device, Device.id == StoredEvent.device_id)
        .where(StoredEvent.audit_id.in_(audit_ids), Device.status == "active")
        .distinct()
    )
    return sorted(session.scalars(query))


def _due_checks(
    session: Session, day: date, capa_id: str | None
) -> list[tuple[EffectivenessCheckRow, CapaRow]]:
    query = (
        select(EffectivenessCheckRow, CapaRow)
        .join(CapaRow, CapaRow.id == EffectivenessCheckRow.capa_id)
        .where(
            EffectivenessCheckRow.method == CheckMethod.FIELD_REVERIFICATION.value,
            EffectivenessCheckRow.result == CheckResult.PENDING.value,
            EffectivenessCheckRow.window_start <= day,
            EffectivenessCheckRow.window_end >= day,
            EffectivenessCheckRow.tasks_queued_at.is_(None),
            EffectivenessCheckRow.round == CapaRow.round,
            CapaRow.closed_at.is_(None),
        )
        .order_by(EffectivenessCheckRow.window_start, EffectivenessCheckRow.id)
    )
    if capa_id is not None:
        query = query.where(CapaRow.id == capa_id)
    return [(check, capa) for check, capa in session.execute(query)]


def queue_tasks(session: Session, check: EffectivenessCheckRow, capa: CapaRow) -> list[EffectivenessTaskRow]:
    """Create and queue the tasks of one check (the caller has checked that it is due)."""
    locked = session.scalar(
        select(EffectivenessCheckRow).where(EffectivenessCheckRow.id == check.id).with_for_update()
    )
    if locked is None or locked.tasks_queued_at is not None:
        return []  # another worker queued them first
    sources = session.scalars(select(Finding).where(Finding.capa_id == capa.id).order_by(Finding.created_at))
    tasks = []
    for finding in sources:
        devices = devices_at_place(session, organisation_of(session, finding), finding.site)
        task = EffectivenessTaskRow(
            id=str(uuid.uuid4()),
            check_id=check.id,
            capa_id=capa.id,
            finding_id=finding.id,
            site=finding.site,
            devices=json.dumps(devices),
            result_comment="",
            result_evidence_ids="[]",
            created_at=now(),
        )
        session.add(task)
        record = task_record(task, check, capa, finding, session)
        for device_id in devices:
            pull_feed.queue_for_device(session, device_id, pull_feed.EFFECTIVENESS_TASK, record)
        tasks.append(task)
    locked.tasks_queued_at = now()
    trail.record(
        session,
        SYSTEM,
        "effectiveness_check",
        check.id,
        "tasks queued",
        {
            "tasks": (
                None,
                [
                    {"task_id": t.id, "finding_id": t.finding_id, "devices": json.loads(t.devices)}
                    for t in tasks
                ],
            )
        },
    )
    session.flush()
    return tasks


def top_up(session: Session) -> int:
    """Send open tasks to devices that started auditing their site after the task was queued."""
    sent = 0
    open_tasks = session.scalars(select(EffectivenessTaskRow).where(EffectivenessTaskRow.closed_at.is_(None)))
    for task in open_tasks:
        known = json.loads(task.devices or "[]")
        finding = session.get(Finding, task.finding_id)
        if finding is None:
            continue
        place = devices_at_place(session, organisation_of(session, finding), task.site)
        fresh = [d for d in place if d not in known]
        if not fresh:
            continue
        check = session.get(EffectivenessCheckRow, task.check_id)
        capa = session.get(CapaRow, task.capa_id)
        if check is None or capa is None:
            continue
        record = task_record(task, check, capa, finding, session)
        for device_id in fresh:
            pull_feed.queue_for_device(session, device_id, pull_feed.EFFECTIVENESS_TASK, record)
        task.devices = json.dumps(known + fresh)
        sent += len(fresh)
    return sent


def evaluate_windows(session: Session, day: date | None = None, capa_id: str | None = None) -> int:
    """Queue the tasks of every field check whose window is open (of one CAPA, or all); returns how many."""
    count = 0
    for check, capa in _due_checks(session, day or today(), capa_id):
        count += len(queue_tasks(session, check, capa))
    return count
