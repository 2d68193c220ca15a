"""Locking and switching workspaces on a tablet whose disk is full, on real encrypted workspaces."""

from __future__ import annotations

import datetime as dt
import errno
import logging
import os
from dataclasses import replace
from pathlib import Path

import pytest

from auditapp.bootstrap import FieldStoreOpener, LibraryChecklists, field_workspaces
from auditapp.config import FieldConfig
from auditapp.demo import demo_plan
from auditapp.domain.errors import AuditAppError
from auditapp.services.field_views import SyncView
from auditapp.services.workspace import FieldWorkspace
from auditapp.store import FieldStore

PASS_A = "passphrase of client A"
PASS_B = "passphrase of client B"
TITLE_A = "Audit of Acme Orthopaedics cleanroom 3"


def _disk_full(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Make every checkpoint write fail as on a full disk; returns the files it tried to write."""
    tried: list[Path] = []

    def full(path: Path, data: bytes) -> None:
        tried.append(path)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path) + ".tmp")

    monkeypatch.setattr("auditapp.store.views.write_atomically", full)
    return tried


@pytest.mark.req("STO-014")
def test_switching_client_on_a_full_disk_locks_the_first_and_loses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    workspaces = field_workspaces(FieldConfig(workspace=tmp_path / "field" / "default", reopen_last=True))
    b, _ = workspaces.create("Beta Implants", "", PASS_B, PASS_B)
    a, ws_a = workspaces.create("Acme Orthopaedics", "", PASS_A, PASS_A)
    audit_id = ws_a.plan_audit(replace(demo_plan(dt.date(2026, 11, 2)), title=TITLE_A))
    item = ws_a.walkthrough(audit_id).items[0]
    ws_a.record_answer(audit_id, item.item_id, "nonconforming")
    tried = _disk_full(monkeypatch)

    with caplog.at_level(logging.WARNING):
        ws_b = workspaces.switch(b.workspace_id)  # the first try works: it locks A first

    assert tried, "locking A tried its final checkpoint"
    assert workspaces.current == b
    assert not ws_a.unlocked
    with pytest.raises(AuditAppError, match="the workspace is locked"):
        ws_a.audits()  # client A's data is no longer readable in this app
    ws_b.unlock(PASS_B)
    assert ws_b.audits() == []
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "No space left on device" in logged
    assert TITLE_A not in logged
    assert PASS_A not in logged

    workspaces.lock()  # locking a second time, still on a full disk, is no error either
    monkeypatch.undo()  # space freed
    workspaces.switch(a.workspace_id).unlock(PASS_A)  # A's folder was released: it opens again
    [summary] = workspaces.workspace.audits()
    assert (summary.title, summary.answered) == (TITLE_A, 1)
    answer = workspaces.workspace.walkthrough(audit_id).items[0].answer
    assert answer == "nonconforming"
    workspaces.close()


@pytest.mark.req("STO-014")
def test_locking_on_a_full_disk_forgets_the_key_and_the_passphrase_opens_it_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspaces = field_workspaces(FieldConfig(workspace=tmp_path / "field" / "default", reopen_last=True))
    _, ws = workspaces.create("Acme Orthopaedics", "", PASS_A, PASS_A)
    audit_id = ws.plan_audit(replace(demo_plan(dt.date(2026, 11, 2)), title=TITLE_A))
    _disk_full(monkeypatch)

    workspaces.lock()

    assert not ws.unlocked
    with pytest.raises(AuditAppError, match="the workspace is locked"):
        ws.walkthrough(audit_id)
    ws.unlock(PASS_A)  # same process, same folder: the store's lock was released by the failed close
    assert ws.walkthrough(audit_id).title == TITLE_A
    workspaces.close()


class _StuckSync:
    """A sync agent whose background thread cannot be stopped cleanly."""

    enrolled = False

    def __init__(self, store: object) -> None:
        self.store = store

    def start(self) -> None:
        """Nothing runs."""

    def stop(self) -> None:
        raise AuditAppError("the sync round could not be stopped")

    def sync_now(self) -> None:
        """Nothing to send."""

    def view(self) -> SyncView:
        return SyncView(configured=True, online=False, waiting_events=0, last_success=None, last_error=None)

    def enroll(self, code: str, name: str = "") -> object:
        raise AuditAppError("not used here")


@pytest.mark.req("STO-014")
def test_a_workspace_whose_sync_fails_to_stop_is_still_locked_and_released(tmp_path: Path) -> None:
    ws = FieldWorkspace(tmp_path / "ws", FieldStoreOpener(), LibraryChecklists(), _StuckSync)
    ws.set_up(PASS_A, PASS_A)
    audit_id = ws.plan_audit(replace(demo_plan(dt.date(2026, 11, 2)), title=TITLE_A))

    with pytest.raises(AuditAppError, match="could not be stopped"):  # said after the lock is done
        ws.close()

    assert not ws.unlocked
    with pytest.raises(AuditAppError, match="the workspace is locked"):
        ws.walkthrough(audit_id)
    with FieldStore.open(tmp_path / "ws", PASS_A) as store:  # released: another opener gets it
        assert store.audit_ids() == [audit_id]
