"""AuditState: what an audit looks like after applying every known event, whatever their order."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from auditapp.domain.clock import Timestamp
from auditapp.domain.errors import ValidationError
from auditapp.domain.events import DomainEvent, EventKind
from auditapp.domain.evidence import Evidence, Note, evidence_from_payload
from auditapp.domain.findings import Finding, finding_from_fields
from auditapp.domain.merge import Conflict, FieldKey, Resolved, Write, effective_base, resolve
from auditapp.domain.payloads import EVIDENCE_KINDS
from auditapp.domain.plan import PLAN_FIELDS, AuditPlan, decode_plan_field
from auditapp.domain.responses import Answer


@dataclass(frozen=True)
class ResponseState:
    """An item's current answer, the clock time of that answer, and the notes written on the item."""

    item_id: str
    clause: str
    answer: Answer
    hlc: str
    notes: tuple[Note, ...] = ()


@dataclass(frozen=True)
class EffectivenessResult:
    """The auditor's verdict on a re-verification task pulled from the central store."""

    task_id: str
    capa_id: str
    check_id: str
    finding_id: str
    result: str
    comment: str
    evidence_ids: tuple[str, ...]
    hlc: str


@dataclass(frozen=True)
class Progress:
    """How many of an audit's checklist items have an answer."""

    answered: int
    total: int

    @property
    def percent(self) -> int:
        """Answered share, rounded down, 0 for an empty checklist."""
        return self.answered * 100 // self.total if self.total else 0


@dataclass(frozen=True)
class AuditState:
    """The projection of one audit's events; equal for any order or duplication of the same events."""

    audit_id: str
    plan: AuditPlan | None = None
    meetings: Mapping[str, str] = field(default_factory=dict)
    responses: Mapping[str, ResponseState] = field(default_factory=dict)
    evidence: tuple[Evidence, ...] = ()
    findings: Mapping[str, Finding] = field(default_factory=dict)
    closed: bool = False
    conflicts: tuple[Conflict, ...] = ()
    versions: Mapping[FieldKey, str] = field(default_factory=dict)
    effectiveness: Mapping[str, EffectivenessResult] = field(default_factory=dict)

    def version(self, *key: str) -> str | None:
        """Clock time of a field's shown value, the `base` of an edit made from this state (None if empty)."""
        return self.versions.get(tuple(key))

    def evidence_by_id(self) -> dict[str, Evidence]:
        """Every piece of evidence by its id."""
        return {e.evidence_id: e for e in self.evidence}

    def evidence_for_item(self, item_id: str) -> list[Evidence]:
        """Evidence attached to one checklist item."""
        return [e for e in self.evidence if e.target.item_id == item_id]

    def evidence_for_finding(self, finding_id: str) -> list[Evidence]:
        """Evidence attached to a finding or cited as its objective evidence."""
        finding = self.findings.get(finding_id)
        cited = set(finding.evidence_ids) if finding else set()
        return [e for e in self.evidence if e.target.finding_id == finding_id or e.evidence_id in cited]

    def progress(self, item_ids: Iterable[str]) -> Progress:
        """Answered/total over the given items (any recorded answer counts, not_audited included)."""
        ids = set(item_ids)
        return Progress(answered=len(ids & set(self.responses)), total=len(ids))

    def conflict_on(self, *key: str) -> Conflict | None:
        """The conflict on one field, if its edits were concurrent."""
        return next((c for c in self.conflicts if c.key == tuple(key)), None)


class Projector:
    """Accumulates events (in any order, duplicates ignored) and builds the AuditState on demand."""

    def __init__(self, audit_id: str) -> None:
        self.audit_id = audit_id
        self._seen: set[str] = set()
        self._registers: dict[FieldKey, list[Write]] = {}
        self._evidence: dict[str, tuple[Timestamp, str, Evidence]] = {}
        self._links: dict[str, dict[str, tuple[Timestamp, str]]] = {}
        self._raised: dict[str, tuple[Timestamp, str, tuple[str, ...]]] = {}
        self._closed = False
        self._verdicts: dict[str, tuple[Timestamp, str, dict[str, Any]]] = {}

    def __contains__(self, event_id: str) -> bool:
        return event_id in self._seen

    def add_all(self, events: Iterable[DomainEvent]) -> Projector:
        """Apply many events; returns self for chaining."""
        for event in events:
            self.add(event)
        return self

    def add(self, event: DomainEvent) -> None:
        """Apply one event of this audit (a repeat of a known event id changes nothing)."""
        if event.event_id in self._seen or event.audit_id != self.audit_id:
            return
        self._seen.add(event.event_id)
        kind, p = event.kind, event.payload
        if kind in EVIDENCE_KINDS:
            self._add_evidence(event)
        elif kind is EventKind.RESPONSE_RECORDED:
            self._write(
                ("response", str(p["item_id"]), "answer"), event, p["answer"], p.get("base"), p["clause"]
            )
        elif kind is EventKind.FINDING_EDITED:
            self._write(
                ("finding", str(p["finding_id"]), str(p["field"])), event, p.get("value"), p.get("base")
            )
        elif kind is EventKind.AUDIT_PLAN_EDITED:
            self._write(("plan", str(p["field"])), event, p.get("value"), p.get("base"))
        elif kind is EventKind.MEETING_NOTE_RECORDED:
            self._write(("meeting", str(p["meeting"])), event, p.get("text") or "", p.get("base"))
        elif kind is EventKind.AUDIT_PLANNED:
            for name in PLAN_FIELDS:
                self._write(("plan", name), event, p["plan"].get(name), None)
        elif kind is EventKind.FINDING_RAISED:
            self._raise(event)
        elif kind is EventKind.EVIDENCE_LINKED:
            links = self._links.setdefault(str(p["finding_id"]), {})
            stamp = (event.hlc, event.event_id)
            evidence_id = str(p["evidence_id"])
            links[evidence_id] = min(links.get(evidence_id, stamp), stamp)
        elif kind is EventKind.AUDIT_CLOSED:
            self._closed = True
        elif kind is EventKind.EFFECTIVENESS_RECORDED:
            # One verdict per task: the latest by clock replaces earlier ones (a changed mind, no conflict).
            verdict = (event.hlc, event.event_id, dict(p))
            known_verdict = self._verdicts.get(str(p["task_id"]))
            if known_verdict is None or verdict[:2] > known_verdict[:2]:
                self._verdicts[str(p["task_id"])] = verdict

    def _write(self, key: FieldKey, event: DomainEvent, value: Any, base: Any, meta: Any = None) -> None:
        try:
            base_ts = Timestamp.from_text(str(base)) if base else None
        except ValueError:
            base_ts = None  # an unreadable base saw nothing; it must not stop the whole projection
        write = Write(
            event.hlc, event.event_id, effective_base(event.hlc, base_ts), value, event.device_id, meta
        )
        self._registers.setdefault(key, []).append(write)

    def _raise(self, event: DomainEvent) -> None:
        p = event.payload
        finding_id = str(p["finding_id"])
        for name in ("item_id", "clause", "grade", "requirement", "statement", "n19_grade"):
            self._write(("finding", finding_id, name), event, p.get(name), None)
        candidate = (event.hlc, event.event_id, tuple(p.get("evidence_ids") or ()))
        known = self._raised.get(finding_id)
        if known is None or candidate[:2] < known[:2]:
            self._raised[finding_id] = candidate

    def _add_evidence(self, event: DomainEvent) -> None:
        evidence = evidence_from_payload(event.kind.value, event.payload, event.hlc.to_text())
        known = self._evidence.get(evidence.evidence_id)
        if known is None or (event.hlc, event.event_id) < known[:2]:
            self._evidence[evidence.evidence_id] = (event.hlc, event.event_id, evidence)

    def state(self) -> AuditState:
        """The current AuditState (a fresh immutable value)."""
        resolved = {key: resolve(writes) for key, writes in self._registers.items()}
        evidence = tuple(e for _, _, e in sorted(self._evidence.values(), key=lambda t: (t[0], t[1])))
        notes: dict[str, list[Note]] = {}
        for item in evidence:
            if isinstance(item, Note) and item.target.item_id is not None:
                notes.setdefault(item.target.item_id, []).append(item)
        conflicts = tuple(
            sorted(
                (c for key, r in resolved.items() if (c := r.conflict(key)) is not None), key=lambda c: c.key
            )
        )
        return AuditState(
            audit_id=self.audit_id,
            plan=self._plan(resolved),
            meetings={k[1]: str(r.value) for k, r in resolved.items() if k[0] == "meeting"},
            responses=self._responses(resolved, notes),
            evidence=evidence,
            findings=self._findings(resolved),
            closed=self._closed,
            conflicts=conflicts,
            versions={key: r.version for key, r in resolved.items()},
            effectiveness=self._effectiveness(),
        )

    def _plan(self, resolved: Mapping[FieldKey, Resolved]) -> AuditPlan | None:
        if not all(("plan", name) in resolved for name in PLAN_FIELDS):
            return None
        try:
            values = {name: decode_plan_field(name, resolved["plan", name].value) for name in PLAN_FIELDS}
        except ValidationError:
            return None
        return AuditPlan(**values)

    def _responses(
        self, resolved: Mapping[FieldKey, Resolved], notes: Mapping[str, list[Note]]
    ) -> dict[str, ResponseState]:
        out: dict[str, ResponseState] = {}
        for key, r in resolved.items():
            if key[0] != "response":
                continue
            item_id = key[1]
            out[item_id] = ResponseState(
                item_id, str(r.winner.meta), Answer(r.value), r.version, tuple(notes.get(item_id, ()))
            )
        return out

    def _effectiveness(self) -> dict[str, EffectivenessResult]:
        out: dict[str, EffectivenessResult] = {}
        for task_id, (hlc, _, v) in self._verdicts.items():
            out[task_id] = EffectivenessResult(
                task_id=task_id,
                capa_id=str(v.get("capa_id") or ""),
                check_id=str(v.get("check_id") or ""),
                finding_id=str(v.get("finding_id") or ""),
                result=str(v.get("result") or ""),
                comment=str(v.get("comment") or ""),
                evidence_ids=tuple(str(e) for e in v.get("evidence_ids") or ()),
                hlc=hlc.to_text(),
            )
        return out

    def _findings(self, resolved: Mapping[FieldKey, Resolved]) -> dict[str, Finding]:
        out: dict[str, Finding] = {}
        for finding_id, (_, _, initial) in self._raised.items():
            values = {
                name: r.value
                for name in ("item_id", "clause", "grade", "requirement", "statement", "n19_grade")
                if (r := resolved.get(("finding", finding_id, name))) is not None
            }
            linked = sorted(self._links.get(finding_id, {}).items(), key=lambda kv: (kv[1], kv[0]))
            ids = list(dict.fromkeys([*initial, *(eid for eid, _ in linked)]))
            out[finding_id] = finding_from_fields(finding_id, values, tuple(ids))
        return out


def project(events: Iterable[DomainEvent], audit_id: str | None = None) -> AuditState:
    """The AuditState of the events (of `audit_id`, or of the first event's audit)."""
    events = list(events)
    if audit_id is None:
        if not events:
            raise ValueError("project() needs an audit id when there are no events")
        audit_id = events[0].audit_id
    return Projector(audit_id).add_all(events).state()
