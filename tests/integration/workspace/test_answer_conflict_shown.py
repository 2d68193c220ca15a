"""Two auditors answering one item differently, offline, see it as a conflict on the tablet and settle it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import flet as ft
import pytest

from auditapp.bootstrap import FieldStoreOpener
from auditapp.client.device_checklists import DeviceChecklists
from auditapp.demo import demo_plan
from auditapp.media import process_photo
from auditapp.services.field_audits import FieldAudits
from auditapp.services.workspace import FieldWorkspace
from auditapp.ui.field.audit_flow import AuditScreens
from auditapp.ui.field.item_context import ItemContext
from auditapp.ui.field.item_detail import ItemScreen
from tests.support.controls import texts, walk

PASSPHRASE = "a long passphrase"


@dataclass
class Tablet:
    ws: FieldWorkspace
    audits: FieldAudits

    @property
    def device(self) -> str:
        return self.ws.device_id[:8]

    def receive(self, other: Tablet, audit_id: str) -> None:
        """What a sync round brings: the other tablet's events of the audit."""
        self.ws.store().merge_remote(other.ws.store().events(audit_id))

    def item_screen(self, audit_id: str, item_id: str) -> ItemScreen:
        ctx = ItemContext(self.audits, audit_id, item_id, lambda: None, lambda _: None, lambda: None)  # type: ignore[arg-type, return-value]
        return ItemScreen(ctx, lambda: None)


class _Page:
    def __init__(self) -> None:
        self.services: list[object] = []


def _tablet(folder: Path) -> Tablet:
    ws = FieldWorkspace(folder, FieldStoreOpener(), DeviceChecklists(lambda: ws.store()))
    ws.set_up(PASSPHRASE, PASSPHRASE)
    return Tablet(ws, FieldAudits(ws.store, DeviceChecklists(ws.store), process_photo))


@pytest.fixture
def team(tmp_path: Path) -> Iterator[tuple[Tablet, Tablet, str, str]]:
    lead, mate = _tablet(tmp_path / "lead"), _tablet(tmp_path / "mate")
    audit_id = lead.ws.plan_audit(demo_plan(dt.date(2026, 11, 2)))
    mate.receive(lead, audit_id)
    item_id = lead.audits.walkthrough(audit_id).rows[0].item_id
    yield lead, mate, audit_id, item_id
    lead.ws.close()
    mate.ws.close()


def _conflict_line(screen: ItemScreen) -> str | None:
    return next((t for t in texts(screen.control) if t.startswith("Answered differently")), None)


@pytest.mark.req("FLD-124")
@pytest.mark.req("SYN-207")
def test_an_item_answered_differently_on_two_tablets_shows_both_answers_until_settled(
    team: tuple[Tablet, Tablet, str, str],
) -> None:
    lead, mate, audit_id, item_id = team
    lead.audits.answer(audit_id, item_id, "conforming")
    mate.audits.answer(audit_id, item_id, "nonconforming")
    lead.receive(mate, audit_id)
    mate.receive(lead, audit_id)

    for tablet in (lead, mate):
        screen = tablet.item_screen(audit_id, item_id)
        line = _conflict_line(screen)
        assert line is not None, texts(screen.control)
        assert f"Conforming on tablet {lead.device}" in line
        assert f"Nonconforming on tablet {mate.device}" in line
        assert line.endswith("Tap the answer that is right to settle it.")
        [row] = [r for r in tablet.audits.walkthrough(audit_id).rows if r.item_id == item_id]
        assert row.conflict
        walkthrough = AuditScreens(_Page(), tablet.audits, lambda _: None).build(  # type: ignore[arg-type]
            "walkthrough", {"audit_id": audit_id}
        )
        assert any(t.startswith("Answered differently on two tablets") for t in texts(walkthrough))

    # The lead taps the right answer on the item screen: settled there, and on the mate's tablet once synced.
    screen = lead.item_screen(audit_id, item_id)
    [tap] = [
        c
        for c in walk(screen.control)
        if isinstance(c, ft.OutlinedButton | ft.FilledButton) and c.content == "Nonconforming"
    ]
    tap.on_click(None)  # type: ignore[misc]
    assert _conflict_line(screen) is None
    mate.receive(lead, audit_id)
    assert _conflict_line(mate.item_screen(audit_id, item_id)) is None
    [row] = [r for r in mate.audits.walkthrough(audit_id).rows if r.item_id == item_id]
    assert (row.answer, row.conflict) == ("nonconforming", False)


@pytest.mark.req("FLD-124")
def test_an_answer_changed_after_seeing_the_other_tablets_is_no_conflict(
    team: tuple[Tablet, Tablet, str, str],
) -> None:
    lead, mate, audit_id, item_id = team
    lead.audits.answer(audit_id, item_id, "conforming")
    mate.receive(lead, audit_id)
    mate.audits.answer(
        audit_id, item_id, "observation"
    )  # seen the lead's answer first: a change, not a conflict
    lead.receive(mate, audit_id)
    assert _conflict_line(lead.item_screen(audit_id, item_id)) is None
