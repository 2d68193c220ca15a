"""A journal damaged before its last checkpoint is found when the workspace is unlocked, while the views
still hold every audit: the workspace opens as it was and the sync panel says what is wrong and what to do."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from auditapp.bootstrap import FieldStoreOpener
from auditapp.client.device_checklists import DeviceChecklists
from auditapp.demo import demo_plan
from auditapp.services.sync_panel import sync_panel
from auditapp.services.workspace import FieldWorkspace
from auditapp.store import FieldStore
from auditapp.store.journal import HEADER

PASSPHRASE = "a long passphrase"


def _workspace(folder: Path) -> FieldWorkspace:
    ws: FieldWorkspace = FieldWorkspace(folder, FieldStoreOpener(), DeviceChecklists(lambda: ws.store()))
    return ws


def _flip(journal: Path, offset: int) -> None:
    data = bytearray(journal.read_bytes())
    data[offset] ^= 0x01
    journal.write_bytes(bytes(data))


@pytest.fixture
def planned(tmp_path: Path) -> tuple[Path, str, list[str]]:
    """A locked workspace (no central store) holding one planned audit with two answers, checkpointed."""
    folder = tmp_path / "ws"
    ws = _workspace(folder)
    ws.set_up(PASSPHRASE, PASSPHRASE)
    audit_id = ws.plan_audit(demo_plan(dt.date(2026, 11, 2)))
    for item in ws.walkthrough(audit_id).items[:2]:
        ws.record_answer(audit_id, item.item_id, "conforming")
    events = [e.event_id for e in ws.events(audit_id)]
    ws.close()  # checkpoints: every record is now before the checkpoint
    return folder, audit_id, events


@pytest.mark.req("STO-016")
def test_a_journal_damaged_before_its_checkpoint_opens_as_it_was_and_the_sync_panel_says_so(
    planned: tuple[Path, str, list[str]],
) -> None:
    folder, audit_id, events = planned
    _flip(folder / "journal.bin", HEADER + 40)  # inside the first record's ciphertext

    ws = _workspace(folder)
    ws.unlock(PASSPHRASE)
    try:
        assert [e.event_id for e in ws.events(audit_id)] == events  # every audit as the views hold it
        view = ws.sync_view()
        assert view.journal_damage == f"record at byte {HEADER} fails its authentication tag"
        notice = sync_panel(view).notice
        assert notice == (
            f"This workspace's journal on this tablet is damaged (record at byte {HEADER} fails its "
            "authentication tag). Its audits are intact; export its audit reports to keep a copy off this "
            "tablet, and tell IT before relying on this tablet alone."
        )
        ws.record_answer(audit_id, ws.walkthrough(audit_id).items[2].item_id, "conforming")  # work goes on
    finally:
        ws.close()


@pytest.mark.req("STO-016")
def test_a_whole_journal_gives_no_notice(planned: tuple[Path, str, list[str]]) -> None:
    folder, _, _ = planned
    ws = _workspace(folder)
    ws.unlock(PASSPHRASE)
    try:
        assert ws.sync_view().journal_damage is None
        assert sync_panel(ws.sync_view()).notice is None
    finally:
        ws.close()


@pytest.mark.req("STO-016")
def test_a_damaged_header_before_the_checkpoint_is_named_by_its_place(
    planned: tuple[Path, str, list[str]],
) -> None:
    folder, _, _ = planned
    _flip(folder / "journal.bin", HEADER + 1)  # the first record's length
    store = FieldStore.open(folder, PASSPHRASE)
    try:
        assert store.journal_damage == f"record at byte {HEADER} has a damaged header"
    finally:
        store.close()


@pytest.mark.req("STO-016")
def test_damage_before_the_checkpoint_does_not_stop_the_records_after_it_from_being_replayed(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "ws"
    ws = _workspace(folder)
    ws.set_up(PASSPHRASE, PASSPHRASE)
    audit_id = ws.plan_audit(demo_plan(dt.date(2026, 11, 2)))
    ws.store().checkpoint()  # the plan is before the checkpoint, the answers after it
    items = ws.walkthrough(audit_id).items
    for item in items[:3]:
        ws.record_answer(audit_id, item.item_id, "conforming")
    events = [e.event_id for e in ws.events(audit_id)]
    store = ws.store()
    assert isinstance(store, FieldStore)
    store._journal.close()  # a power cut: no checkpoint at close, the answers only in the journal's tail
    store._lock_fd, lock = -1, store._lock_fd
    os.close(lock)
    _flip(folder / "journal.bin", HEADER + 40)

    reopened = FieldStore.open(folder, PASSPHRASE)
    try:
        assert reopened.journal_damage == f"record at byte {HEADER} fails its authentication tag"
        assert [e.event_id for e in reopened.events(audit_id)] == events  # the tail replayed over the views
    finally:
        reopened.close()
