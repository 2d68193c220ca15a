"""On a real encrypted workspace with the checklists shipped on the device: record ids pasted from a
spreadsheet are separate records, and ticking a checklist keeps one this tablet does not hold."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import flet as ft
import pytest

from auditapp.bootstrap import FieldStoreOpener
from auditapp.client.device_checklists import DeviceChecklists
from auditapp.demo import demo_plan
from auditapp.domain.plan import ChecklistRef
from auditapp.media import process_photo
from auditapp.services.field_audits import FieldAudits
from auditapp.services.queries import audit_state
from auditapp.services.workspace import FieldWorkspace
from auditapp.ui.field.item_context import ItemContext
from auditapp.ui.field.plan_form import PlanScreen
from auditapp.ui.field.sample_entry import SampleEntry
from tests.support.controls import walk

PASSPHRASE = "a long passphrase"
# Planned on a teammate's tablet, which holds a checklist this one does not.
STERILE = ChecklistRef("acme-sterile-packaging", "2", "a" * 64)


@dataclass
class Opened:
    """A set-up workspace with the audit screens' use cases."""

    ws: FieldWorkspace
    audits: FieldAudits

    def plan(self, *extra: ChecklistRef) -> str:
        """Plan the demo audit (against ISO 13485), with `extra` checklists as another tablet would."""
        plan = demo_plan(dt.date(2026, 11, 2))
        return self.ws.plan_audit(replace(plan, criteria=(*plan.criteria, *extra)))


@pytest.fixture
def opened(tmp_path: Path) -> Iterator[Opened]:
    ws: FieldWorkspace = FieldWorkspace(
        tmp_path / "ws", FieldStoreOpener(), DeviceChecklists(lambda: ws.store())
    )
    ws.set_up(PASSPHRASE, PASSPHRASE)
    audits = FieldAudits(
        ws.store, DeviceChecklists(ws.store), process_photo, today=lambda: dt.date(2026, 11, 2)
    )
    yield Opened(ws, audits)
    ws.close()


def _drawn(opened: Opened, pasted: str) -> tuple[str, ...]:
    """Paste record ids into the sample form, draw three, and read the sample's population."""
    audit_id = opened.plan()
    item_id = opened.audits.walkthrough(audit_id).rows[0].item_id
    ctx = ItemContext(opened.audits, audit_id, item_id, lambda: None, lambda _: None, lambda: None)  # type: ignore[arg-type, return-value]
    entry = SampleEntry(ctx)
    entry._form["population_description"].value = "batch records"
    entry._form["population_ids"].value = pasted
    entry._form["sample_size"].value = "3"
    entry._draw(None)
    assert not entry._form.error.visible, entry._form.error.value
    assert {name: box.error for name, box in entry._form.fields.items() if box.error} == {}
    sample = opened.audits.item(audit_id, item_id).samples[-1].sample
    assert sample.population_ids is not None
    return tuple(sample.population_ids)


@pytest.mark.req("FLD-122")
def test_record_ids_pasted_from_a_spreadsheet_row_are_separate_records(opened: Opened) -> None:
    assert _drawn(opened, "BR-001\tBR-002\tBR-003\tBR-004\n") == ("BR-001", "BR-002", "BR-003", "BR-004")


@pytest.mark.req("FLD-122")
def test_ids_separated_by_semicolons_ranges_and_ids_with_spaces_are_read_as_typed(opened: Opened) -> None:
    pasted = "Batch 12; Batch 13;BR-098..BR-101\r\nLOT 7,LOT 8"

    assert _drawn(opened, pasted) == (
        "Batch 12",
        "Batch 13",
        "BR-098",
        "BR-099",
        "BR-100",
        "BR-101",
        "LOT 7",
        "LOT 8",
    )


@pytest.mark.req("FLD-120")
def test_ticking_a_checklist_keeps_a_teammates_checklist_with_its_version(opened: Opened) -> None:
    audit_id = opened.plan(STERILE)
    screen = PlanScreen(opened.audits, audit_id, lambda _: None, lambda: None)

    screen._criteria["eu-mdr-qms"].value = True  # the auditor adds the MDR checklist
    screen._criteria_changed(None)

    plan = audit_state(opened.ws.store(), audit_id).plan
    assert plan is not None
    assert [ref.checklist_id for ref in plan.criteria] == [
        "iso13485-2016",
        "acme-sterile-packaging",
        "eu-mdr-qms",
    ]
    assert plan.criteria[1] == STERILE
    assert not screen._criteria_error.visible
    reopened = PlanScreen(opened.audits, audit_id, lambda _: None, lambda: None)
    assert [
        (c.label, c.value, c.disabled)
        for c in walk(reopened.control)
        if isinstance(c, ft.Checkbox) and "acme" in str(c.label)
    ] == [("acme-sterile-packaging (2): not on this device", True, True)]
