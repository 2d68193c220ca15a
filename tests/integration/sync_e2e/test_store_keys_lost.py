"""A central store whose key file is lost: new keys, devices enrolled again, and nothing lost."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests

from auditapp.domain.errors import AuditAppError
from tests.integration.sync_e2e.devices import issue_code, login
from tests.integration.sync_e2e.test_field_agent import Field, field  # noqa: F401 - fixture
from tests.support.processes import Running, run_cli, start


def _enrolled_with_an_audit_sent(central: Running, field: Field) -> tuple[dict[str, str], str, str]:  # noqa: F811
    """The store's environment, and an audit (its id and an item's) captured on the tablet and synced."""
    audit_id, item_id, _ = field.capture()
    field.agent.enroll(issue_code(central))
    assert field.ws.sync_now().waiting_events == 0
    return central.env, audit_id, item_id  # type: ignore[attr-defined]


@pytest.mark.req("SYN-218")
def test_a_lost_store_key_file_is_replaced_and_devices_send_what_waited_once_enrolled_again(
    central: Running,
    field: Field,  # noqa: F811
    tmp_path: Path,
) -> None:
    env, audit_id, item_id = _enrolled_with_an_audit_sent(central, field)
    key_file = Path(env["AUDITAPP_HOME"]) / "central" / "store-keys.bin"
    assert key_file.exists()
    port = str(urlparse(central.url).port)
    central.stop()
    key_file.unlink()  # the key file is lost; the database is intact
    field.ws.record_answer(audit_id, item_id, "nonconforming")  # captured meanwhile: waits on the tablet

    refused = subprocess.run(
        [sys.executable, "-m", "auditapp", "server", "--port", port],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode != 0
    assert "replace-store-keys" in refused.stderr, refused.stderr
    assert not key_file.exists()  # no new key pair made in its place (PLT-022)

    unconfirmed = run_cli(["admin", "replace-store-keys"], env)
    assert unconfirmed.returncode != 0
    assert "--yes" in unconfirmed.stderr
    replaced = run_cli(["admin", "replace-store-keys", "--yes"], env)
    assert replaced.returncode == 0, replaced.stderr
    assert field.ws.device_id in replaced.stdout
    assert oct(key_file.stat().st_mode & 0o777) == oct(0o600)

    store = start(["server", "--port", port], env, f"{central.url}/api/health", tmp_path / "restarted.log")
    try:
        told = field.ws.sync_now()
        assert told.waiting_events == 1
        assert told.last_error is not None
        assert "revoked" in told.last_error

        field.agent.enroll(issue_code(store))  # a new code for the same user: the same device, new keys
        view = field.ws.sync_now()
        assert view.last_error is None, view.last_error
        assert view.waiting_events == 0
        answers = requests.get(
            f"{store.url}/api/audits/{audit_id}/responses", headers=login(store), timeout=30
        )
        assert {row["item_id"]: row["answer"] for row in answers.json()}[item_id] == "nonconforming"
        trail = run_cli(["admin", "verify-trail"], env)
        assert trail.returncode == 0, trail.stdout + trail.stderr
    finally:
        store.stop()
    assert key_file.read_bytes()
    assert not list(key_file.parent.glob("store-keys.bin.replaced-*"))  # the refused start made no key file
    assert not list(key_file.parent.glob("store-keys.bin.new"))


@pytest.mark.req("SYN-218")
def test_keys_replaced_while_the_server_runs_stop_sync_until_it_is_restarted(
    central: Running,
    field: Field,  # noqa: F811
    tmp_path: Path,
) -> None:
    env, audit_id, item_id = _enrolled_with_an_audit_sent(central, field)

    replaced = run_cli(["admin", "replace-store-keys", "--yes"], env)  # the key file was exposed
    assert replaced.returncode == 0, replaced.stderr
    field.ws.record_answer(audit_id, item_id, "observation")
    held = field.ws.sync_now()  # the running server still holds the old keys: it refuses, nothing is lost
    assert held.waiting_events == 1
    assert held.last_error is not None
    assert "new keys" in held.last_error
    code = issue_code(central)
    with pytest.raises(AuditAppError, match=r"new keys"):
        field.agent.enroll(code)

    port = str(urlparse(central.url).port)
    central.stop()
    store = start(["server", "--port", port], env, f"{central.url}/api/health", tmp_path / "restarted.log")
    try:
        field.agent.enroll(issue_code(store))
        view = field.ws.sync_now()
        assert view.last_error is None, view.last_error
        assert view.waiting_events == 0
    finally:
        store.stop()
