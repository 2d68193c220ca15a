"""The capture context: the adapters a capture use case needs, and the audit state it decides on."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from auditapp.domain.drafts import Draft
from auditapp.domain.errors import AuditClosedError, NotFoundError, ValidationError
from auditapp.domain.events import DomainEvent
from auditapp.domain.state import AuditState, Projector
from auditapp.services.catalog import ChecklistInfo, ChecklistItemRef
from auditapp.services.ports import ChecklistCatalog, EventStore, PhotoStore, Settings
from auditapp.services.recorder import Recorder


@dataclass
class CaptureContext:
    """Store, catalog, photo store and recorder, plus a per-audit projection kept up to date incrementally."""

    store: EventStore
    catalog: ChecklistCatalog
    photos: PhotoStore
    recorder: Recorder
    new_id: Callable[[], str] = field(default=lambda: str(uuid.uuid4()))
    _projections: dict[str, Projector] = field(default_factory=dict, init=False, repr=False)
    _lock: threading.RLock = field(default_factory=threading.RLock, init=False, repr=False)

    def state(self, audit_id: str) -> AuditState:
        """The audit as every event on this device describes it (NotFoundError if it has none)."""
        with self._lock:
            projector = self._projections.get(audit_id)
            if projector is None:
                projector = self._projections[audit_id] = Projector(audit_id)
            # Events merged from other devices since the last call are picked up here.
            for event in self.store.events(audit_id):
                if event.event_id not in projector:
                    projector.add(event)
            state = projector.state()
        if state.plan is None:
            raise NotFoundError(f"no audit with id {audit_id} on this device")
        return state

    def open_for_capture(self, audit_id: str) -> AuditState:
        """The audit's state, refusing with AuditClosedError when it has been closed."""
        state = self.state(audit_id)
        if state.closed:
            raise AuditClosedError(audit_id, state.plan.title if state.plan else None)
        return state

    def record(self, audit_id: str, drafts: Sequence[Draft]) -> list[DomainEvent]:
        """Store the drafts as this device's events (durable on return) and update the projection."""
        with self._lock:
            events = self.recorder.record(audit_id, drafts)
            projector = self._projections.get(audit_id)
            if projector is not None:
                projector.add_all(events)
            return events

    def checklist(self, checklist_id: str, content_hash: str | None = None) -> ChecklistInfo:
        """A checklist of the catalog (the pinned version where held); NotFoundError names the missing id."""
        try:
            return self.catalog.get(checklist_id, content_hash)
        except NotFoundError:
            raise
        except KeyError:
            raise NotFoundError(f"checklist {checklist_id!r} is not in the catalog") from None

    def items(self, state: AuditState) -> list[ChecklistItemRef]:
        """Every item of the audit's checklists this device holds, in checklist order.

        A checklist of the plan that is not on this device (a teammate planned with one this tablet has
        not received) contributes no items; the others are captured on as usual."""
        if state.plan is None:
            return []
        items: list[ChecklistItemRef] = []
        for ref in state.plan.criteria:
            try:
                items += self.checklist(ref.checklist_id, ref.content_hash).items
            except NotFoundError:
                continue
        return items

    def item(self, state: AuditState, item_id: str, clause: str | None = None) -> ChecklistItemRef:
        """The audit's item with this id; a wrong id or a clause that is not the item's is refused."""
        if not item_id.strip():
            raise ValidationError("choose the checklist item", "item_id")
        found = next((i for i in self.items(state) if i.item_id == item_id), None)
        if found is None:
            raise ValidationError(f"item {item_id!r} is not in the checklists of this audit", "item_id")
        if clause is not None and clause.strip() != found.clause:
            raise ValidationError(f"item {item_id!r} audits clause {found.clause}, not {clause!r}", "clause")
        return found


def capture_context(
    store: EventStore, settings: Settings, catalog: ChecklistCatalog, photos: PhotoStore
) -> CaptureContext:
    """Wire a capture context over a field store (which is also the settings) and its photo store."""
    return CaptureContext(store=store, catalog=catalog, photos=photos, recorder=Recorder(store, settings))
