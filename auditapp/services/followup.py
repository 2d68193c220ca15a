"""Follow-up work pulled from the central store: effectiveness re-verification tasks, prior findings, CAPAs.

The sync agent keeps pulled records under the settings keys `sync.pulled.<kind>` (JSON lists). This
module reads them, keeps what belongs to the audit's site, and places each piece next to the checklist
items of its clause, so it appears in the walkthrough where the auditor will look. A record that does not
have the expected shape is skipped: pulled data must never stop the walkthrough from opening.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from auditapp.domain import drafts
from auditapp.domain.errors import ValidationError
from auditapp.domain.payloads import EFFECTIVENESS_RESULTS
from auditapp.domain.places import same_name
from auditapp.domain.state import AuditState
from auditapp.services.context import CaptureContext
from auditapp.services.ports import Settings

PULLED_PREFIX = "sync.pulled."
TASKS = PULLED_PREFIX + "effectiveness_task"
CLOSED_TASKS = PULLED_PREFIX + "task_closed"
PRIOR = PULLED_PREFIX + "prior_findings"


@dataclass(frozen=True)
class OriginalFinding:
    """The finding a CAPA was opened for, as the central store sent it."""

    finding_id: str
    audit_id: str
    item_id: str | None
    clause: str
    grade: str
    statement: str


@dataclass(frozen=True)
class EffectivenessTask:
    """A re-verification task: check in the field that the CAPA's actions worked."""

    task_id: str
    capa_id: str
    check_id: str
    capa_title: str
    site: str
    criterion: str
    window_start: str
    window_end: str
    finding: OriginalFinding
    photos: tuple[tuple[str, str], ...]  # (sha256, caption)
    evidence: tuple[tuple[str, str], ...]  # (kind, text)
    result: str | None = None
    comment: str = ""

    @property
    def clause(self) -> str:
        """The requirement to re-verify."""
        return self.finding.clause


@dataclass(frozen=True)
class PriorFinding:
    """A finding of an earlier audit of the site, with its CAPA if one was opened."""

    finding_id: str
    audit_id: str
    clause: str
    grade: str
    statement: str
    status: str
    capa_id: str | None
    capa_status: str | None


@dataclass(frozen=True)
class OpenCapa:
    """A CAPA still open for the site, with the clauses it concerns."""

    capa_id: str
    title: str
    stage: str
    clauses: tuple[str, ...]
    due: str | None


@dataclass(frozen=True)
class FollowUp:
    """The follow-up work of one audit, and where it belongs."""

    tasks: tuple[EffectivenessTask, ...] = ()
    prior_findings: tuple[PriorFinding, ...] = ()
    capas: tuple[OpenCapa, ...] = ()

    @property
    def count(self) -> int:
        """How many pieces of follow-up work there are."""
        return len(self.tasks) + len(self.prior_findings) + len(self.capas)

    @property
    def open_tasks(self) -> int:
        """Tasks not answered yet."""
        return sum(1 for task in self.tasks if task.result is None)

    def for_clause(self, clause: str) -> FollowUp:
        """What belongs to an item of this clause (the same clause, a parent or a sub-clause of it)."""
        return FollowUp(
            tuple(t for t in self.tasks if related(t.clause, clause)),
            tuple(f for f in self.prior_findings if related(f.clause, clause)),
            tuple(c for c in self.capas if any(related(c_, clause) for c_ in c.clauses)),
        )

    def item_ids(self, items: Iterable[tuple[str, str]]) -> set[str]:
        """Ids of the (item_id, clause) pairs that have follow-up work; a task's own item always does."""
        own = {t.finding.item_id for t in self.tasks if t.finding.item_id}
        return {item_id for item_id, clause in items if item_id in own or self.for_clause(clause).count}


def related(a: str, b: str) -> bool:
    """Whether two clause numbers are the same or one is a sub-clause of the other."""
    a, b = a.strip(), b.strip()
    return bool(a and b) and (a == b or a.startswith(b + ".") or b.startswith(a + "."))


def for_this_audit(record: Mapping[str, Any], organisation: str, site: str) -> bool:
    """Whether a pulled record concerns the audit's organisation and site, compared by `places.name_key`;
    a record from a store that did not name the organisation is matched by its site alone (REP-020)."""
    other = record.get("organisation")
    same_client = other is None or same_name(str(other), organisation)
    return same_client and same_name(_text(record, "site"), site)


def pulled(settings: Settings, key: str) -> list[Mapping[str, Any]]:
    """The records kept under a pulled key (an unreadable list counts as empty)."""
    try:
        values = json.loads(settings.get(key) or "[]")
    except ValueError:
        return []
    return [v for v in values if isinstance(v, Mapping)] if isinstance(values, list) else []


def follow_up_for(settings: Settings, state: AuditState) -> FollowUp:
    """The follow-up work pulled for this audit's site, with the results recorded in this audit."""
    if state.plan is None:
        return FollowUp()
    site, organisation = state.plan.site, state.plan.organisation
    closed = {str(r.get("task_id")) for r in pulled(settings, CLOSED_TASKS)}
    tasks: dict[str, EffectivenessTask] = {}
    for record in pulled(settings, TASKS):
        task = _task(record)
        if task is None or task.task_id in closed or not for_this_audit(record, organisation, site):
            continue
        done = state.effectiveness.get(task.task_id)
        if done is not None:
            task = _answered(task, done.result, done.comment)
        tasks[task.task_id] = task  # a later copy of the same task replaces the earlier one
    findings: dict[str, PriorFinding] = {}
    capas: dict[str, OpenCapa] = {}
    for record in pulled(settings, PRIOR):
        if not for_this_audit(record, organisation, site):
            continue  # another client's or site's history, or this audit's before its site was changed
        for raw in _list(record.get("findings")):
            if (finding := _prior(raw)) is not None and finding.audit_id != state.audit_id:
                findings[finding.finding_id] = finding
        for raw in _list(record.get("capas")):
            if (capa := _capa(raw)) is not None:
                capas[capa.capa_id] = capa
    return FollowUp(tuple(tasks.values()), tuple(findings.values()), tuple(capas.values()))


def record_effectiveness(
    ctx: CaptureContext,
    settings: Settings,
    audit_id: str,
    task_id: str,
    result: str,
    comment: str = "",
    evidence_ids: Sequence[str] = (),
) -> AuditState:
    """Record the auditor's verdict on a task as EffectivenessRecorded on the audit where it was checked."""
    state = ctx.open_for_capture(audit_id)
    task = next((t for t in follow_up_for(settings, state).tasks if t.task_id == task_id), None)
    if task is None:
        raise ValidationError(f"no open re-verification task {task_id!r} for this audit's site", "task_id")
    if result not in EFFECTIVENESS_RESULTS:
        raise ValidationError("choose effective or not effective", "result")
    if result == "not_effective" and not comment.strip():
        raise ValidationError("say what shows the action did not work", "comment")
    known = state.evidence_by_id()
    for evidence_id in evidence_ids:
        if evidence_id not in known:
            raise ValidationError(f"no evidence with id {evidence_id!r} in this audit", "evidence_ids")
    draft = drafts.effectiveness_recorded(
        task.task_id,
        task.capa_id,
        task.check_id,
        task.finding.finding_id,
        result,
        comment.strip(),
        list(dict.fromkeys(evidence_ids)),
    )
    ctx.record(audit_id, [draft])
    return ctx.state(audit_id)


def _answered(task: EffectivenessTask, result: str, comment: str) -> EffectivenessTask:
    return replace(task, result=result, comment=comment)


def _list(value: Any) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _text(record: Mapping[str, Any], name: str) -> str:
    value = record.get(name)
    return "" if value is None else str(value)


def _task(record: Mapping[str, Any]) -> EffectivenessTask | None:
    finding = record.get("finding")
    if not isinstance(finding, Mapping) or not _text(record, "task_id") or not _text(finding, "clause"):
        return None
    photos = tuple((_text(p, "sha256"), _text(p, "caption")) for p in _list(record.get("photos")))
    evidence = tuple((_text(e, "kind"), _text(e, "text")) for e in _list(record.get("evidence")))
    return EffectivenessTask(
        task_id=_text(record, "task_id"),
        capa_id=_text(record, "capa_id"),
        check_id=_text(record, "check_id"),
        capa_title=_text(record, "capa_title"),
        site=_text(record, "site"),
        criterion=_text(record, "criterion"),
        window_start=_text(record, "window_start"),
        window_end=_text(record, "window_end"),
        finding=OriginalFinding(
            finding_id=_text(finding, "id"),
            audit_id=_text(finding, "audit_id"),
            item_id=_text(finding, "item_id") or None,
            clause=_text(finding, "clause"),
            grade=_text(finding, "grade"),
            statement=_text(finding, "statement"),
        ),
        photos=photos,
        evidence=evidence,
    )


def _prior(raw: Mapping[str, Any]) -> PriorFinding | None:
    if not _text(raw, "id") or not _text(raw, "clause"):
        return None
    return PriorFinding(
        finding_id=_text(raw, "id"),
        audit_id=_text(raw, "audit_id"),
        clause=_text(raw, "clause"),
        grade=_text(raw, "grade"),
        statement=_text(raw, "statement"),
        status=_text(raw, "status"),
        capa_id=_text(raw, "capa_id") or None,
        capa_status=_text(raw, "capa_status") or None,
    )


def _capa(raw: Mapping[str, Any]) -> OpenCapa | None:
    if not _text(raw, "id"):
        return None
    clauses = raw.get("clauses")
    return OpenCapa(
        capa_id=_text(raw, "id"),
        title=_text(raw, "title"),
        stage=_text(raw, "stage"),
        clauses=tuple(str(c) for c in clauses) if isinstance(clauses, list) else (),
        due=_text(raw, "due") or None,
    )
