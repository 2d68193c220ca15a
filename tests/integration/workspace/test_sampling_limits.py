"""Samples from populations given by size, on a real encrypted workspace: limits, positions and redraws."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from auditapp.bootstrap import FieldStoreOpener, LibraryChecklists
from auditapp.demo import demo_plan
from auditapp.domain.errors import ValidationError
from auditapp.domain.evidence import Sample
from auditapp.services.field_audits import FieldAudits
from auditapp.services.workspace import FieldWorkspace

PASSPHRASE = "a long passphrase"


def positions(text: str) -> list[str]:
    """Positions written as one line of numbers, the way they read off a register."""
    return text.split()


# Drawn with seed "audit-2026-03-seed-7" from positions 1..100000 by the draw that listed every position.
DRAWN_BEFORE = positions(
    "4693 12155 17399 19478 25335 28455 38883 40129 40880 47568 48913 60609 61567 64038 65506 65824"
    " 66822 68426 71469 73175 80942 81862 84950 85680 87067 87229 87393 92705 96505 96746"
)


def _open(folder: Path) -> tuple[FieldWorkspace, FieldAudits]:
    ws = FieldWorkspace(folder, FieldStoreOpener(), LibraryChecklists())
    audits = FieldAudits(ws.store, LibraryChecklists(), lambda *_: None)  # type: ignore[arg-type]
    return ws, audits


def _samples(audits: FieldAudits, audit_id: str, item_id: str) -> list[Sample]:
    return [view.sample for view in audits.item(audit_id, item_id).samples]


@pytest.mark.req("FLD-111")
def test_a_mistyped_population_size_is_refused_and_a_large_one_redraws_after_reopening(
    tmp_path: Path,
) -> None:
    ws, audits = _open(tmp_path / "ws")
    ws.set_up(PASSPHRASE, PASSPHRASE)
    audit_id = ws.plan_audit(demo_plan(dt.date(2026, 11, 2)))
    item_id = ws.walkthrough(audit_id).items[0].item_id
    stored = ws.store().pending_count()

    with pytest.raises(ValidationError, match=r"^population_size: a population of 100,000,000,000 records"):
        audits.draw_sample(audit_id, item_id, {"population_size": "100000000000", "method": "random"})
    with pytest.raises(ValidationError, match=r"^selected_ids: 99 is not in a population of 50"):
        audits.draw_sample(
            audit_id,
            item_id,
            {
                "population_size": "50",
                "method": "judgmental",
                "selected_ids": "3, 99",
                "reason": "deviations",
            },
        )
    assert ws.store().pending_count() == stored  # nothing was recorded

    audits.draw_sample(
        audit_id,
        item_id,
        {
            "population_description": "serialised units of lot 2026-114",
            "population_size": "100000",
            "method": "random",
            "sample_size": "30",
            "seed": "audit-2026-03-seed-7",
        },
    )
    ws.close()

    again, audits = _open(tmp_path / "ws")
    again.unlock(PASSPHRASE)
    [sample] = _samples(audits, audit_id, item_id)
    assert (sample.population_size, sample.seed) == (100_000, "audit-2026-03-seed-7")
    assert list(sample.selected_ids) == DRAWN_BEFORE
    again.close()
