"""Fakes for the services' ports: a checklist catalog, processed photos, and a standard audit setup."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from auditapp.domain.errors import NotFoundError
from auditapp.services.catalog import ChecklistInfo, ChecklistItemRef
from auditapp.services.context import CaptureContext, capture_context
from auditapp.services.planning import plan_audit

PRODUCTION = ChecklistInfo(
    checklist_id="iso13485-production",
    version="2026.1",
    content_hash="c" * 64,
    title="ISO 13485 production and service provision",
    items=(
        ChecklistItemRef("P-01", "7.5.1"),
        ChecklistItemRef("P-02", "7.5.6"),
        ChecklistItemRef("P-03", "7.5.8"),
    ),
)
CAPA = ChecklistInfo(
    checklist_id="iso13485-capa",
    version="2026.1",
    content_hash="d" * 64,
    title="Corrective action",
    items=(ChecklistItemRef("C-01", "8.5.2"),),
)


class FakeCatalog:
    """ChecklistCatalog over a dictionary."""

    def __init__(self, *checklists: ChecklistInfo) -> None:
        self.checklists = {c.checklist_id: c for c in checklists or (PRODUCTION, CAPA)}

    def get(self, checklist_id: str, content_hash: str | None = None) -> ChecklistInfo:
        """The checklist (one version each), or NotFoundError."""
        try:
            return self.checklists[checklist_id]
        except KeyError:
            raise NotFoundError(f"checklist {checklist_id!r} is not in the catalog") from None


@dataclass(frozen=True)
class FakePhoto:
    """A ProcessedPhoto as the media pipeline would hand it over."""

    image: bytes = b"\xff\xd8display-image-bytes"
    thumbnail: bytes = b"\xff\xd8thumbnail-bytes"
    width: int = 2048
    height: int = 1536
    captured_at: dt.datetime | None = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
    gps: tuple[float, float] | None = (48.137, 11.575)


PLAN: dict[str, Any] = {
    "title": "Production walkthrough",
    "organisation": "Acme Medical",
    "site": "Plant 1",
    "audit_type": "internal",
    "objectives": "Verify production controls work in practice",
    "scope": "Moulding and packaging",
    "criteria": ["iso13485-production", "iso13485-capa"],
    "start_date": "2026-03-02",
    "end_date": "2026-03-03",
    "lead_auditor": "R. Lead",
    "team": ["T. Member"],
}


def context_over(store: Any, catalog: FakeCatalog | None = None) -> CaptureContext:
    """A capture context over a store that is also its settings and has `.photos`."""
    return capture_context(store, store, catalog or FakeCatalog(), store.photos)


def planned(ctx: CaptureContext, **changes: Any) -> str:
    """Plan the standard audit (with changes); its id."""
    return plan_audit(ctx, **{**PLAN, **changes})
