"""A real field workspace (encrypted FieldStore) syncing through its agent to a real central store."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select

from auditapp.bootstrap import FieldStoreOpener, LibraryChecklists, field_workspace
from auditapp.central.database import Database
from auditapp.central.pull_feed import finding_status_changed, queue_for_device
from auditapp.central.tables import Finding
from auditapp.client.field_sync import FieldSyncAgent
from auditapp.config import FieldConfig
from auditapp.demo import demo_plan
from auditapp.domain.errors import ValidationError
from auditapp.services.context import capture_context
from auditapp.services.finding_capture import raise_finding
from auditapp.services.workspace import FieldWorkspace, WorkspaceStore
from sync.keys import DeviceKeys, PublicKeys, b64decode
from sync.transport import Backoff
from tests.integration.sync_e2e.devices import EnrolledDevice, issue_code, login
from tests.integration.sync_e2e.faulty_proxy import Fault, FaultyProxy
from tests.support.processes import Running, run_cli

PASSPHRASE = "a long passphrase"
CHUNK = 64 * 1024


class Field:
    """A field workspace with its sync agent, pointed at a server URL."""

    def __init__(self, folder: Path, server_url: str, **options: Any) -> None:
        self.agents: list[FieldSyncAgent] = []
        interval = float(options.pop("interval_s", 3600))
        options = {"chunk_size": CHUNK, "backoff": Backoff(base=0.01, cap=0.05), **options}

        def factory(store: WorkspaceStore) -> FieldSyncAgent:
            agent = FieldSyncAgent(store, server_url, interval, **options)
            self.agents.append(agent)
            return agent

        self.ws = FieldWorkspace(folder, FieldStoreOpener(), LibraryChecklists(), factory)
        if FieldStoreOpener().exists(folder):
            self.ws.unlock(PASSPHRASE)  # the app started again on the same workspace
        else:
            self.ws.set_up(PASSPHRASE, PASSPHRASE)

    @classmethod
    def reopen(cls, folder: Path, server_url: str, **options: Any) -> Field:
        """The app started again on an existing workspace folder."""
        return cls(folder, server_url, **options)

    @property
    def agent(self) -> FieldSyncAgent:
        return self.agents[-1]

    def capture(self) -> tuple[str, str, str]:
        """Plan an audit, answer its first item and raise a finding; returns (audit, item, finding) ids."""
        audit_id = self.ws.plan_audit(demo_plan(dt.date(2026, 11, 2)))
        item = self.ws.walkthrough(audit_id).items[0]
        self.ws.record_answer(audit_id, item.item_id, "nonconforming")
        store = self.ws.store()
        ctx = capture_context(store, store, LibraryChecklists(), store.photos)  # type: ignore[attr-defined]
        finding_id = raise_finding(
            ctx,
            audit_id,
            grade="minor_nc",
            statement="Gowning log unsigned on 3 of 10 days",
            requirement="Records shall be signed",
            item_id=item.item_id,
        )
        return audit_id, item.item_id, finding_id


@pytest.fixture
def field(central: Running, tmp_path: Path) -> Iterator[Field]:
    """A set-up field workspace syncing with the running central store."""
    made = Field(tmp_path / "field", central.url)
    try:
        yield made
    finally:
        made.ws.close()


def _as_device(field: Field, url: str) -> EnrolledDevice:
    """The same device seen from outside (its keys from the encrypted settings), to resend by hand."""
    store = field.ws.store()
    keys = DeviceKeys.from_private_bytes(b64decode(store.get("sync.device_keys") or "", what="keys"))
    public = PublicKeys(
        b64decode(store.get("sync.store_signing") or "", what="key"),
        b64decode(store.get("sync.store_receiving") or "", what="key"),
    )
    return EnrolledDevice(url, field.ws.device_id, keys, public)


@pytest.mark.req("SYN-104")
@pytest.mark.req("SYN-107")
@pytest.mark.req("SYN-109")
def test_workspace_pushes_once_and_pulls_the_status_of_its_finding(
    central: Running, field: Field, database_url: str
) -> None:
    audit_id, item_id, finding_id = field.capture()
    before = field.ws.sync_now()
    assert before.waiting_events == 3
    assert before.last_error is not None
    assert "not enrolled" in before.last_error  # capture worked all the same

    with pytest.raises(ValidationError, match="not known"):
        field.agent.enroll("AAAAA-AAAAA")
    enrolled = field.agent.enroll(issue_code(central))
    assert (enrolled.device_id, enrolled.username) == (field.ws.device_id, "admin")
    view = field.ws.sync_now()
    assert (view.waiting_events, view.last_error, view.online) == (0, None, True)
    assert view.last_success is not None

    user = login(central)
    findings = requests.get(f"{central.url}/api/findings", headers=user, timeout=10).json()["items"]
    assert [(f["id"], f["grade"], f["status"]) for f in findings] == [(finding_id, "minor_nc", "new")]
    answers = requests.get(f"{central.url}/api/audits/{audit_id}/responses", headers=user, timeout=10).json()
    assert [(a["item_id"], a["answer"]) for a in answers] == [(item_id, "nonconforming")]

    resent = _as_device(field, central.url).push(field.ws.events(audit_id))
    assert resent.status_code == 200, resent.text
    assert (resent.json()["new"], resent.json()["duplicates"]) == (0, 3)
    assert len(requests.get(f"{central.url}/api/findings", headers=user, timeout=10).json()["items"]) == 1

    database = Database(database_url)
    try:
        with database.transaction() as session:
            finding = session.scalars(select(Finding).where(Finding.id == finding_id)).one()
            finding.status = "accepted"
            finding_status_changed(session, finding)
    finally:
        database.dispose()
    field.ws.sync_now()
    assert field.agent.finding_statuses() == {finding_id: "accepted"}
    field.ws.sync_now()  # the cursor moved on: nothing is delivered twice
    assert field.agent.finding_statuses() == {finding_id: "accepted"}


@pytest.mark.req("SYN-105")
def test_revoked_device_is_told_plainly_and_keeps_its_changes(central: Running, field: Field) -> None:
    audit_id, item_id, _ = field.capture()
    field.agent.enroll(issue_code(central))
    assert field.ws.sync_now().waiting_events == 0
    revoked = run_cli(["admin", "revoke", field.ws.device_id], central.env)  # type: ignore[attr-defined]
    assert revoked.returncode == 0, revoked.stderr

    field.ws.record_answer(audit_id, item_id, "conforming")
    view = field.ws.sync_now()
    assert view.waiting_events == 1
    assert view.last_error is not None
    assert "revoked" in view.last_error
    assert "quality manager" in view.last_error
    assert "revoked" in view.headline
    listed = run_cli(["admin", "devices"], central.env)  # type: ignore[attr-defined]
    assert re.search(rf"{field.ws.device_id}\s+revoked", listed.stdout)


@pytest.mark.req("SYN-106")
def test_photo_upload_cut_mid_way_resumes_at_the_first_missing_chunk(
    central: Running, tmp_path: Path
) -> None:
    cut = {"on": True}

    def rule(method: str, path: str, _n: int) -> Fault:
        # The connection dies from the third chunk on, until the network heals.
        match = re.search(r"/chunks/(\d+)$", path)
        if cut["on"] and method == "PUT" and match and int(match.group(1)) >= 2:
            return Fault.RESET
        return Fault.NONE

    proxy = FaultyProxy(central.url, rule)
    field = Field(tmp_path / "field", proxy.url)
    try:
        field.agent.enroll(issue_code(central))
        assert field.agent.blobs is not None
        photo = os.urandom(5 * CHUNK + 1234)
        ref = field.agent.blobs.queue(photo)
        failed = field.ws.sync_now()
        assert failed.last_error is not None
        assert field.agent.blobs.pending_blobs() == [ref.blob_id]
        assert [d.path.rsplit("/", 1)[1] for d in proxy.delivered("PUT", "/chunks/")] == ["0", "1"]

        cut["on"] = False
        healed = field.ws.sync_now()
        assert healed.last_error is None
        sent = [d.path.rsplit("/", 1)[1] for d in proxy.delivered("PUT", "/chunks/")]
        assert sent == ["0", "1", "2", "3", "4", "5"]  # resumed at 2: no chunk sent twice
        assert field.agent.blobs.pending_blobs() == []
        stored = Path(central.env["AUDITAPP_HOME"]) / "central" / "blobs" / "complete"  # type: ignore[attr-defined]
        data = (stored / ref.blob_id[:2] / ref.blob_id).read_bytes()
        assert hashlib.sha256(data).hexdigest() == ref.blob_id
    finally:
        field.ws.close()
        proxy.close()


@pytest.mark.req("SYN-109")
def test_capture_goes_on_when_the_store_is_down_and_the_panel_says_so(
    central: Running, tmp_path: Path
) -> None:
    config = FieldConfig(workspace=tmp_path / "field", server_url=central.url, sync_interval_s=3600)
    ws = field_workspace(config)
    try:
        ws.set_up(PASSPHRASE, PASSPHRASE)
        FieldSyncAgent(ws.store(), central.url, 3600).enroll(issue_code(central), name="spare agent")
        audit_id = ws.plan_audit(demo_plan(dt.date(2026, 11, 2)))
        assert ws.sync_now().waiting_events == 0  # the workspace's own agent uses the enrollment
        central.stop()

        item = ws.walkthrough(audit_id).items[3]
        assert ws.record_answer(audit_id, item.item_id, "observation").answer == "observation"
        view = ws.sync_now()
        assert (view.waiting_events, view.online) == (1, False)
        assert view.last_error is not None
        assert "cannot be reached" in view.last_error
        assert "1 waiting" in view.headline
    finally:
        ws.close()


@pytest.mark.req("SYN-035")
def test_pull_pages_stay_small_whatever_the_records_hold(
    central: Running, tmp_path: Path, database_url: str
) -> None:
    proxy = FaultyProxy(central.url, lambda _m, _p, _n: Fault.NONE)
    field = Field(tmp_path / "field", proxy.url)
    try:
        field.agent.enroll(issue_code(central))
        database = Database(database_url)
        try:
            with database.transaction() as session:
                for n in range(3):  # 3.5 MB each, incompressible: together over one envelope's 8 MiB
                    text = os.urandom(1_750_000).hex()
                    queue_for_device(session, field.ws.device_id, "bulky", {"n": n, "text": text})
        finally:
            database.dispose()
        assert field.ws.sync_now().last_error is None
        pulled = json.loads(field.ws.store().get("sync.pulled.bulky") or "[]")
        assert [record["n"] for record in pulled] == [0, 1, 2]
        assert len(proxy.delivered("POST", "/sync/v1/pull")) >= 2
    finally:
        field.ws.close()
        proxy.close()


@pytest.mark.req("SYN-036")
def test_a_workspace_opened_again_shows_when_it_last_synced(central: Running, tmp_path: Path) -> None:
    first = Field(tmp_path / "ws", central.url)
    first.capture()
    first.agent.enroll(issue_code(central))
    synced = first.ws.sync_now()
    assert synced.last_success is not None
    first.ws.close()

    again = Field.reopen(
        tmp_path / "ws", central.url
    )  # the app started again, or the workspace switched back
    try:
        view = again.ws.sync_view()  # before its first round
        assert view.last_success == synced.last_success  # not "not synced yet"
        assert view.online
    finally:
        again.ws.close()
