"""Fakes for the field screens' services: checklist outlines, a photo processor and a ready FieldAudits."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from auditapp.domain.errors import AuditAppError, NotFoundError
from auditapp.services.catalog import ChecklistInfo, ChecklistItemRef
from auditapp.services.field_audits import FieldAudits
from auditapp.services.outline import ChecklistChoice, ChecklistOutline, OutlineItem, OutlineSection
from auditapp.store.memory import MemoryEventStore
from tests.unit.services.fakes import FakePhoto

PRODUCTION_OUTLINE = ChecklistOutline(
    checklist_id="iso13485-production",
    title="ISO 13485 production and service provision",
    version="2026.1",
    sections=(
        OutlineSection("7", "Product realization"),
        OutlineSection("7.5", "Production and service provision", "7"),
        OutlineSection("7.5.1", "Control of production and service provision", "7.5"),
        OutlineSection("7.5.6", "Validation of processes for production", "7.5"),
        OutlineSection("7.5.8", "Identification", "7.5"),
    ),
    items=(
        OutlineItem(
            "P-01",
            "7.5.1",
            "Are work instructions at the moulding machine current?",
            "Compare the revision at the machine with the master list.",
            ("document", "observation"),
            ("work instructions",),
            "Production and Service Controls",
        ),
        OutlineItem(
            "P-02",
            "7.5.6",
            "Is the sealing process validated and revalidated after changes?",
            "Ask for the IQ/OQ/PQ reports.",
            ("record",),
            ("validation reports",),
            "Production and Service Controls",
        ),
        OutlineItem("P-03", "7.5.8", "Is product identified throughout production?", "", (), (), None),
    ),
    process_order=("Management", "Production and Service Controls"),
)
CAPA_OUTLINE = ChecklistOutline(
    checklist_id="iso13485-capa",
    title="Corrective action",
    version="2026.1",
    sections=(
        OutlineSection("8", "Measurement, analysis and improvement"),
        OutlineSection("8.5.2", "Corrective action", "8"),
    ),
    items=(
        OutlineItem(
            "C-01",
            "8.5.2",
            "Are corrective actions verified for effectiveness?",
            "Pick two closed CAPAs.",
            process="Measurement Analysis and Improvement",
        ),
    ),
)
OUTLINES = {o.checklist_id: o for o in (PRODUCTION_OUTLINE, CAPA_OUTLINE)}
HASHES = {"iso13485-production": "c" * 64, "iso13485-capa": "d" * 64}


class FakeOutlines:
    """ChecklistOutlines over the two small outlines above (the same items as fakes.FakeCatalog)."""

    def get(self, checklist_id: str, content_hash: str | None = None) -> ChecklistInfo:
        outline = self.outline(checklist_id)
        items = tuple(ChecklistItemRef(i.item_id, i.clause) for i in outline.items)
        return ChecklistInfo(checklist_id, outline.version, HASHES[checklist_id], outline.title, items)

    def outline(self, checklist_id: str, content_hash: str | None = None) -> ChecklistOutline:
        try:
            return OUTLINES[checklist_id]
        except KeyError:
            raise NotFoundError(f"checklist {checklist_id!r} is not in the catalog") from None

    def available(self) -> list[ChecklistChoice]:
        return [ChecklistChoice(o.checklist_id, o.title, o.version, len(o.items)) for o in OUTLINES.values()]


class FakeProcessor:
    """PhotoProcessor that accepts files starting with the JPEG magic bytes and refuses anything else."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, data: bytes, *, keep_gps: bool = False) -> FakePhoto:
        self.calls += 1
        if not data.startswith(b"\xff\xd8"):
            raise AuditAppError("the photo file is damaged and cannot be read (not an image)")
        digest = hashlib.sha256(data).hexdigest()[:8].encode()
        return FakePhoto(
            image=data, thumbnail=b"\xff\xd8thumb" + digest, gps=(48.1, 11.5) if keep_gps else None
        )


PLAN_VALUES: dict[str, str] = {
    "title": "Production walkthrough",
    "organisation": "Acme Medical",
    "site": "Plant 1",
    "audit_type": "internal",
    "objectives": "Verify production controls work in practice",
    "scope": "Moulding and packaging",
    "criteria": "iso13485-production, iso13485-capa",
    "start_date": "2026-03-02",
    "end_date": "2026-03-03",
    "lead_auditor": "R. Lead",
    "team": "T. Member\nS. Second",
    "auditees": "Pat Production, Production manager\nQ. Quality, QA lead",
}


def field_audits(store: MemoryEventStore | None = None) -> tuple[FieldAudits, MemoryEventStore]:
    """A FieldAudits over an in-memory store (a new one, or the given one as after a reload)."""
    store = store if store is not None else MemoryEventStore()
    audits = FieldAudits(lambda: store, FakeOutlines(), FakeProcessor(), today=lambda: dt.date(2026, 3, 2))
    return audits, store


def pulled(store: MemoryEventStore, kind: str, *records: dict[str, Any]) -> None:
    """Keep records as the sync agent does under sync.pulled.<kind>."""
    key = f"sync.pulled.{kind}"
    store.put(key, json.dumps(json.loads(store.get(key) or "[]") + list(records)))
