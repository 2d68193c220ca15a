"""The read tables ingest keeps: audits, answers and findings, projected from events per field (ADR 0010).

Audits and findings keep every write to each field in a `registers` column and show the domain merge's
winner, so the store agrees with the devices whatever order events arrive in. Changes to findings that
arrive by sync are written to the audit trail with the device as actor.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from auditapp.central import trail
from auditapp.central.auth import now
from auditapp.central.registers import FieldRegisters, process_of
from auditapp.central.tables import Audit, Finding, Response, StoredEvent
from auditapp.domain.events import DomainEvent, EventKind
from auditapp.domain.findings import FINDING_FIELDS

AUDIT_COLUMNS = ("title", "organisation", "site", "audit_type")
GRADE_RANK = {"major_nc": 0, "minor_nc": 1, "observation": 2, "ofi": 3, "good_practice": 4}
"""Severity order of grades for sorting the inbox (most severe first)."""
_TRAILED = (
    "item_id",
    "clause",
    "grade",
    "requirement",
    "statement",
    "n19_grade",
    "evidence_ids",
    "conflicts",
)
_REPEAT_FIELDS = frozenset({"grade", "clause"})
"""Finding fields whose change can make a stored finding a repeat (its site follows its audit's)."""
_FINDING_KINDS = (EventKind.FINDING_RAISED, EventKind.FINDING_EDITED, EventKind.EVIDENCE_LINKED)


def moment(event: DomainEvent) -> datetime:
    """The wall-clock part of an event's clock time, as a UTC datetime."""
    return datetime.fromtimestamp(event.hlc.wall_ms / 1000, UTC)


def _snapshot(finding: Finding) -> dict[str, Any]:
    return {name: getattr(finding, name) for name in _TRAILED}


class ReadTables:
    """The audit, response and finding rows one batch touches, read up front and updated in memory."""

    def __init__(self, session: Session, events: Sequence[DomainEvent]) -> None:
        self.session = session
        audit_ids = {e.audit_id for e in events}
        self.audits = {a.id: a for a in session.scalars(select(Audit).where(Audit.id.in_(audit_ids)))}
        self._audit_registers: dict[str, FieldRegisters] = {}
        keys = {
            (e.audit_id, str(e.payload.get("item_id")))
            for e in events
            if e.kind is EventKind.RESPONSE_RECORDED
        }
        self.responses: dict[tuple[str, str], Response] = {}
        if keys:
            query = select(Response).where(
                Response.audit_id.in_({a for a, _ in keys}), Response.item_id.in_({i for _, i in keys})
            )
            self.responses = {(r.audit_id, r.item_id): r for r in session.scalars(query)}
        finding_ids = {str(e.payload.get("finding_id")) for e in events if e.kind in _FINDING_KINDS}
        self.findings: dict[str, Finding] = {}
        if finding_ids:
            query_f = select(Finding).where(Finding.id.in_(finding_ids))
            self.findings = {f.id: f for f in session.scalars(query_f)}
        self._finding_registers: dict[str, FieldRegisters] = {}
        self._response_registers: dict[tuple[str, str], FieldRegisters] = {}
        self._orphans: list[DomainEvent] = []
        self._created: set[str] = set()
        self.new_findings: list[Finding] = []
        """Findings this batch created (the CAPA hooks look for repeats among them)."""
        self.regraded: dict[str, Finding] = {}
        """Findings stored before this batch whose grade or clause it changed (a repeat may be among them)."""
        self.planned: list[DomainEvent] = []
        """AuditPlanned events of this batch (the CAPA hooks send prior findings for them)."""
        self.sites_changed: set[str] = set()
        """Audits whose site, or the organisation whose site it is, this batch changed."""

    # ------------------------------------------------------------------ per event
    def project(self, event: DomainEvent) -> None:
        """Update the read tables from one event."""
        payload = event.payload
        kind = event.kind
        if kind is EventKind.AUDIT_PLANNED:
            plan = dict(payload.get("plan") or {})
            self._audit_writes(event, {name: plan.get(name) for name in AUDIT_COLUMNS}, None)
            self.planned.append(event)
        elif kind is EventKind.AUDIT_PLAN_EDITED:
            name = str(payload["field"])
            if name in AUDIT_COLUMNS:
                self._audit_writes(event, {name: payload.get("value")}, payload.get("base"))
        elif kind is EventKind.RESPONSE_RECORDED:
            self._response(event)
        elif kind in _FINDING_KINDS:
            self._finding_event(event)

    def finish(self) -> None:
        """Apply edits that arrived before their finding, carry changed audit sites to findings, and keep
        the answers' registers."""
        for key, registers in self._response_registers.items():
            self.responses[key].registers = registers.to_text()
        if self._orphans:
            self._adopt_orphans()
        for audit_id in self.sites_changed:
            site = self.audits[audit_id].site
            for finding in self.findings.values():
                if finding.audit_id == audit_id:
                    finding.site = site
            self.session.flush()
            self.session.execute(
                update(Finding)
                .where(Finding.audit_id == audit_id, Finding.site != site)
                .values(site=site)
                .execution_options(synchronize_session=False)
            )

    # ------------------------------------------------------------------ audits
    def _audit_writes(self, event: DomainEvent, values: dict[str, Any], base: Any) -> None:
        audit = self.audits.get(event.audit_id)
        if audit is None:
            audit = Audit(id=event.audit_id, title="", organisation="", site="", audit_type="", hlc="")
            self.session.add(audit)
            self.audits[audit.id] = audit
        registers = self._audit_registers.get(audit.id)
        if registers is None:
            registers = FieldRegisters(audit.registers)
            for name in AUDIT_COLUMNS:
                registers.seed(name, audit.hlc, getattr(audit, name))
            self._audit_registers[audit.id] = registers
        for name, value in values.items():
            registers.add(name, event, value, base)
        old_place = (audit.organisation, audit.site)
        for name in AUDIT_COLUMNS:
            value = registers.value(name)
            setattr(audit, name, "" if value is None else str(value))
        audit.hlc = registers.latest()
        audit.registers = registers.to_text()
        if (audit.organisation, audit.site) != old_place:
            self.sites_changed.add(audit.id)  # another organisation's site of the same name is another site

    def site_of(self, audit_id: str) -> str:
        """The site of an audit this batch knows (empty when its plan has not arrived)."""
        audit = self.audits.get(audit_id)
        return audit.site if audit is not None else ""

    def organisation_of(self, audit_id: str) -> str:
        """The organisation of an audit this batch knows (empty when its plan has not arrived)."""
        audit = self.audits.get(audit_id)
        return audit.organisation if audit is not None else ""

    # ------------------------------------------------------------------ responses
    def _response(self, event: DomainEvent) -> None:
        payload = event.payload
        key = (event.audit_id, str(payload["item_id"]))
        row = self.responses.get(key)
        if row is None:
            row = Response(
                audit_id=key[0],
                item_id=key[1],
                clause=str(payload["clause"]),
                answer="",
                notes="",
                hlc="",
                device_id=event.device_id,
                registers="{}",
            )
            self.session.add(row)
            self.responses[key] = row
        registers = self._response_registers.get(key)
        if registers is None:
            registers = FieldRegisters(row.registers)
            registers.seed("answer", row.hlc, row.answer)  # a row projected before registers were kept
            self._response_registers[key] = registers
        registers.add("answer", event, str(payload["answer"]), payload.get("base"))
        resolved = registers.resolved("answer")
        assert resolved is not None  # just written
        row.answer, row.hlc = str(resolved.value), registers.latest()
        row.device_id = resolved.heads[0].device_id or row.device_id

    # ------------------------------------------------------------------ findings
    def _finding_event(self, event: DomainEvent) -> None:
        finding_id = str(event.payload["finding_id"])
        finding = self.findings.get(finding_id)
        if finding is None and event.kind is not EventKind.FINDING_RAISED:
            self._orphans.append(event)  # its FindingRaised has not arrived yet
            return
        if finding is None:
            finding = self._create_finding(event)
            before: dict[str, Any] = {}
            action = "raised"
        else:
            before = _snapshot(finding)
            action = {"FindingRaised": "raised", "FindingEdited": "edited"}.get(
                event.kind.value, "evidence_linked"
            )
        self._apply(finding, event)
        after = _snapshot(finding)
        changes = {k: (before.get(k), v) for k, v in after.items() if before.get(k) != v}
        if finding.id not in self._created and _REPEAT_FIELDS & changes.keys():
            self.regraded[finding.id] = finding
        if changes:
            trail.record(self.session, f"device:{event.device_id}", "finding", finding.id, action, changes)

    def _create_finding(self, event: DomainEvent) -> Finding:
        payload = event.payload
        finding = Finding(
            id=str(payload["finding_id"]),
            audit_id=event.audit_id,
            item_id="",
            clause="",
            grade="",
            statement="",
            requirement="",
            status="new",
            site=self.site_of(event.audit_id),
            process="",
            grade_rank=9,
            evidence_ids="[]",
            registers="{}",
            conflicts="",
            decision_note="",
            repeat=False,
            hlc="",
            created_at=now(),
            raised_at=moment(event),
        )
        self.session.add(finding)
        self.findings[finding.id] = finding
        self._finding_registers[finding.id] = FieldRegisters()
        self.new_findings.append(finding)
        self._created.add(finding.id)
        return finding

    def _registers(self, finding: Finding) -> FieldRegisters:
        registers = self._finding_registers.get(finding.id)
        if registers is None:
            registers = FieldRegisters(finding.registers)
            for name in ("item_id", "clause", "grade", "statement"):
                registers.seed(name, finding.hlc, getattr(finding, name))
            self._finding_registers[finding.id] = registers
        return registers

    def _apply(self, finding: Finding, event: DomainEvent) -> None:
        payload = event.payload
        registers = self._registers(finding)
        if event.kind is EventKind.FINDING_RAISED:
            for name in FINDING_FIELDS:
                registers.add(name, event, payload.get(name))
            self._link(finding, [str(e) for e in payload.get("evidence_ids") or ()])
            raised = moment(event)
            if finding.raised_at is None or raised < _aware(finding.raised_at):
                finding.raised_at = raised
        elif event.kind is EventKind.FINDING_EDITED:
            registers.add(str(payload["field"]), event, payload.get("value"), payload.get("base"))
        else:
            self._link(finding, [str(payload["evidence_id"])])
        item_id = registers.value("item_id")
        finding.item_id = str(item_id or "")
        finding.clause = str(registers.value("clause") or "")
        finding.grade = str(registers.value("grade") or "")
        finding.requirement = str(registers.value("requirement") or "")
        finding.statement = str(registers.value("statement") or "")
        n19 = registers.value("n19_grade")
        finding.n19_grade = n19 if isinstance(n19, int) and not isinstance(n19, bool) else None
        finding.grade_rank = GRADE_RANK.get(finding.grade, 9)
        finding.process = process_of(finding.item_id)
        finding.conflicts = ",".join(registers.conflicts())[:200]
        finding.hlc = registers.latest()
        finding.registers = registers.to_text()

    @staticmethod
    def _link(finding: Finding, evidence_ids: list[str]) -> None:
        known = json.loads(finding.evidence_ids or "[]")
        merged = list(dict.fromkeys([*known, *evidence_ids]))
        if merged != known:
            finding.evidence_ids = json.dumps(merged)

    def _adopt_orphans(self) -> None:
        """Edits whose finding was unknown: apply those whose finding now exists (this batch raised it)."""
        waiting = [e for e in self._orphans if str(e.payload["finding_id"]) in self.findings]
        for event in waiting:
            self._finding_event(event)

    def adopt_stored_edits(self) -> None:
        """Apply edits stored before their FindingRaised arrived (from other devices, in earlier batches)."""
        fresh = {f.id: f for f in self.new_findings}
        if not fresh:
            return
        query = select(StoredEvent.body).where(
            StoredEvent.audit_id.in_({f.audit_id for f in fresh.values()}),
            StoredEvent.kind.in_([EventKind.FINDING_EDITED.value, EventKind.EVIDENCE_LINKED.value]),
        )
        for body in self.session.scalars(query):
            event = DomainEvent.from_dict(json.loads(body))
            if str(event.payload.get("finding_id")) in fresh:
                self._finding_event(event)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
