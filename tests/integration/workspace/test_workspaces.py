"""Workspaces on real encrypted stores: isolation between clients, the list file, and the earlier layout."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import replace
from pathlib import Path

import pytest

from auditapp.bootstrap import JsonWorkspaceIndex, field_workspace, field_workspaces
from auditapp.config import FieldConfig
from auditapp.demo import demo_plan
from auditapp.domain.errors import AuditAppError

PASS_A = "passphrase of client A"
PASS_B = "passphrase of client B"
CLIENT_A_TITLE = "Audit of Acme Orthopaedics cleanroom 3"


def config(home: Path, **changes: object) -> FieldConfig:
    """The configuration `auditapp field` gets with AUDITAPP_HOME=home and no workspace named."""
    base = FieldConfig(workspace=home / "field" / "default", reopen_last=True)
    return replace(base, **changes)  # type: ignore[arg-type]


def files_of(folder: Path) -> dict[str, str]:
    """Every file under a folder with its SHA-256."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "lock"
    }


@pytest.mark.req("FLD-001")
def test_what_is_captured_in_one_workspace_cannot_be_seen_or_read_from_another(tmp_path: Path) -> None:
    workspaces = field_workspaces(config(tmp_path))
    a, ws_a = workspaces.create("Acme Orthopaedics", "", PASS_A, PASS_A)
    plan = replace(demo_plan(dt.date(2026, 11, 2)), title=CLIENT_A_TITLE)
    audit_id = ws_a.plan_audit(plan)
    item = ws_a.walkthrough(audit_id).items[0]
    ws_a.record_answer(audit_id, item.item_id, "nonconforming")

    b, ws_b = workspaces.create("Beta Implants", "", PASS_B, PASS_B)
    assert not ws_a.unlocked
    assert ws_b.audits() == []
    with pytest.raises(AuditAppError, match="no audit"):
        ws_b.walkthrough(audit_id)
    assert ws_b.store().pending_count() == 0
    workspaces.close()

    # Each store opens only with its own passphrase.
    again = field_workspaces(config(tmp_path))
    assert again.current == b
    with pytest.raises(AuditAppError, match="wrong passphrase"):
        again.workspace.unlock(PASS_A)
    again.switch(a.workspace_id)
    with pytest.raises(AuditAppError, match="wrong passphrase"):
        again.workspace.unlock(PASS_B)
    again.workspace.unlock(PASS_A)
    [summary] = again.workspace.audits()
    assert (summary.title, summary.answered) == (CLIENT_A_TITLE, 1)
    again.close()

    # Nothing of client A is in clear anywhere on disk, and B's folder holds nothing of A's.
    secret = CLIENT_A_TITLE.encode()
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert secret not in path.read_bytes(), path
    assert a.folder != b.folder
    assert not a.folder.is_relative_to(b.folder)
    assert not b.folder.is_relative_to(a.folder)
    assert (a.folder / "key.json").read_bytes() != (b.folder / "key.json").read_bytes()


@pytest.mark.req("FLD-001")
def test_the_list_file_names_folders_and_stores_but_holds_no_secret(tmp_path: Path) -> None:
    workspaces = field_workspaces(config(tmp_path))
    workspaces.create("Acme Orthopaedics", "http://127.0.0.1:8765/", PASS_A, PASS_A)
    workspaces.close()
    raw = (tmp_path / "field" / "workspaces.json").read_text()
    listing = json.loads(raw)
    assert [w["name"] for w in listing["workspaces"]] == ["Default", "Acme Orthopaedics"]
    assert listing["workspaces"][1] == {
        "id": "acme-orthopaedics",
        "name": "Acme Orthopaedics",
        "folder": "acme-orthopaedics",
        "server_url": "http://127.0.0.1:8765",
    }
    assert listing["current"] == "acme-orthopaedics"
    assert PASS_A not in raw


@pytest.mark.req("FLD-005")
def test_the_earlier_single_workspace_joins_the_list_with_its_data_untouched(tmp_path: Path) -> None:
    # An existing user: one workspace in AUDITAPP_HOME/field/default, made by the earlier version.
    folder = tmp_path / "field" / "default"
    old = field_workspace(FieldConfig(workspace=folder))
    old.set_up(PASS_A, PASS_A)
    audit_id = old.plan_audit(demo_plan(dt.date(2026, 11, 2)))
    first = old.walkthrough(audit_id).items[0]
    old.record_answer(audit_id, first.item_id, "observation")
    device_id = old.device_id
    old.close()
    before = files_of(folder)

    workspaces = field_workspaces(config(tmp_path))
    [entry] = workspaces.entries()
    assert (entry.workspace_id, entry.name, entry.folder) == ("default", "Default", folder)
    assert workspaces.current == entry
    assert not workspaces.workspace.needs_setup()
    workspaces.workspace.unlock(PASS_A)
    assert workspaces.workspace.device_id == device_id
    assert workspaces.workspace.walkthrough(audit_id).items[0].answer == "observation"
    assert workspaces.workspace.store().pending_count() == 2

    # A second workspace goes beside it; the earlier one keeps its folder and files.
    workspaces.create("Client B", "", PASS_B, PASS_B)
    workspaces.close()
    assert files_of(folder) == before
    assert (tmp_path / "field" / "client-b" / "key.json").exists()

    # Next start reopens the workspace used last; switching back finds the old data.
    again = field_workspaces(config(tmp_path))
    assert again.current is not None
    assert again.current.name == "Client B"
    again.switch("default").unlock(PASS_A)
    assert [a.audit_id for a in again.workspace.audits()] == [audit_id]
    again.close()


@pytest.mark.req("FLD-005")
def test_a_named_workspace_folder_is_opened_at_start_and_gets_the_given_store(tmp_path: Path) -> None:
    workspaces = field_workspaces(config(tmp_path))
    workspaces.create("Client B", "", PASS_B, PASS_B)
    workspaces.close()

    named = tmp_path / "elsewhere" / "tablet"
    started = field_workspaces(
        config(
            tmp_path,
            workspace=named,
            workspaces=tmp_path / "field",
            reopen_last=False,
            server_url="http://s:1",
        )
    )
    assert started.current is not None
    assert (started.current.folder, started.current.server_url) == (named, "http://s:1")
    assert started.workspace.needs_setup()
    assert [e.name for e in started.entries()] == ["Default", "Client B", "Tablet"]
    listing = json.loads((tmp_path / "field" / "workspaces.json").read_text())
    assert listing["workspaces"][2]["folder"] == str(named.resolve())
    started.close()


@pytest.mark.req("FLD-005")
def test_an_unreadable_list_file_is_reported_and_left_as_it_is(tmp_path: Path) -> None:
    (tmp_path / "field").mkdir()
    broken = tmp_path / "field" / "workspaces.json"
    broken.write_text('{"format": "auditapp-workspaces/1", "workspaces": [{"id": ')
    with pytest.raises(AuditAppError, match=r"workspace list .*workspaces.json cannot be read"):
        field_workspaces(config(tmp_path))
    assert broken.read_text().endswith('"id": ')


def test_new_folders_never_reuse_a_name_that_is_taken(tmp_path: Path) -> None:
    (tmp_path / "blobs").mkdir()
    index = JsonWorkspaceIndex(tmp_path)
    assert index.new_folder("blobs") == tmp_path / "blobs-2"
    assert index.new_folder("client") == tmp_path / "client"
