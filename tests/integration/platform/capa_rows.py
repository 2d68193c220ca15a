"""CAPA, action and effectiveness-check rows written straight to the tables, for tests that read them."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from auditapp.central.auth import now
from auditapp.central.capa_tables import CapaActionRow, CapaRow, EffectivenessCheckRow


def capa_row(owner: str, stage: str, age_days: int, title: str = "t") -> CapaRow:
    """A CAPA opened `age_days` ago."""
    at = now() - timedelta(days=age_days)
    return CapaRow(
        id=str(uuid.uuid4()),
        title=title,
        owner_id=owner,
        stage=stage,
        created_by="qm",
        created_at=at,
        updated_at=at,
    )


def action_row(capa: CapaRow, owner: str, status: str, due: date | None, what: str = "d") -> CapaActionRow:
    """An action of the CAPA."""
    return CapaActionRow(
        id=str(uuid.uuid4()),
        capa_id=capa.id,
        kind="corrective",
        description=what,
        owner_id=owner,
        due_date=due,
        status=status,
        created_at=now(),
        updated_at=now(),
    )


def check_row(capa: CapaRow, result: str, window_end: date | None = None) -> EffectivenessCheckRow:
    """An effectiveness check of the CAPA whose window ends on `window_end` (today)."""
    today = now().date()
    return EffectivenessCheckRow(
        id=str(uuid.uuid4()),
        capa_id=capa.id,
        criterion="c",
        method="record_review",
        window_start=today,
        window_end=window_end or today,
        result=result,
        created_by="qm",
        created_at=now(),
    )
