"""Read-side use cases: the audit list with progress, an audit's state, what is left and what was found."""

from __future__ import annotations

from dataclasses import dataclass

from auditapp.domain.errors import NotFoundError
from auditapp.domain.findings import Finding
from auditapp.domain.state import AuditState, project
from auditapp.services.catalog import ChecklistItemRef
from auditapp.services.field_views import AuditSummary
from auditapp.services.ports import ChecklistCatalog, EventStore


@dataclass(frozen=True)
class ItemFindings:
    """A checklist item and the findings raised against it."""

    item: ChecklistItemRef
    findings: tuple[Finding, ...]


def audit_state(store: EventStore, audit_id: str) -> AuditState:
    """The audit as every event on this device describes it; NotFoundError if the device has no plan of it."""
    events = store.events(audit_id)
    state = project(events, audit_id)
    if state.plan is None:
        raise NotFoundError(f"no audit with id {audit_id} on this device")
    return state


def checklist_items(catalog: ChecklistCatalog, state: AuditState) -> list[ChecklistItemRef]:
    """Every item of the audit's checklists in order; a checklist the catalog lacks contributes none."""
    if state.plan is None:
        return []
    items: list[ChecklistItemRef] = []
    for ref in state.plan.criteria:
        try:
            items.extend(catalog.get(ref.checklist_id, ref.content_hash).items)
        except (NotFoundError, KeyError):
            continue
    return items


def list_audits(store: EventStore, catalog: ChecklistCatalog) -> list[AuditSummary]:
    """Every audit on this device with its progress, the most recently started first."""
    summaries: list[tuple[str, AuditSummary]] = []
    for audit_id in store.audit_ids():
        state = project(store.events(audit_id), audit_id)
        if state.plan is None:
            continue  # only other devices' edits arrived so far; the plan will follow
        progress = state.progress(i.item_id for i in checklist_items(catalog, state))
        summary = AuditSummary(
            audit_id=audit_id,
            title=state.plan.title,
            site=state.plan.site,
            audit_type=state.plan.audit_type.value,
            answered=progress.answered,
            total=progress.total,
            closed=state.closed,
        )
        summaries.append((state.plan.start_date.isoformat(), summary))
    summaries.sort(key=lambda pair: pair[0], reverse=True)
    return [summary for _, summary in summaries]


def unanswered_items(store: EventStore, catalog: ChecklistCatalog, audit_id: str) -> list[ChecklistItemRef]:
    """Items of the audit's checklists that have no answer yet, in checklist order."""
    state = audit_state(store, audit_id)
    return [item for item in checklist_items(catalog, state) if item.item_id not in state.responses]


def items_with_findings(store: EventStore, catalog: ChecklistCatalog, audit_id: str) -> list[ItemFindings]:
    """Items that have at least one finding, with those findings, in checklist order."""
    state = audit_state(store, audit_id)
    by_item: dict[str, list[Finding]] = {}
    for finding in state.findings.values():
        if finding.item_id is not None:
            by_item.setdefault(finding.item_id, []).append(finding)
    return [
        ItemFindings(item, tuple(sorted(by_item[item.item_id], key=lambda f: f.finding_id)))
        for item in checklist_items(catalog, state)
        if item.item_id in by_item
    ]
