"""`auditapp admin init`, devices over the API, and the admin commands that change users."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from auditapp.central import enrollment, trail
from auditapp.central.database import Database
from auditapp.central.tables import User
from sync.keys import DeviceKeys
from tests.support.processes import run_cli

DEVICE_ID = "5e3a1c2b-7d4f-4a8e-b1c2-d3e4f5a6b7c8"


@pytest.mark.req("PLT-007")
def test_init_creates_the_first_admin_and_the_keys_once(
    database: Database, cli_env: dict[str, str], tmp_path: Path
) -> None:
    env = {**cli_env, "AUDITAPP_PASSWORD": "first-admin-pw"}
    made = run_cli(["admin", "init", "ada", "--name", "Ada Admin"], env)
    assert made.returncode == 0, made.stderr
    assert "created administrator ada" in made.stdout
    key_file = tmp_path / "home" / "central" / "store-keys.bin"
    assert key_file.exists()
    assert key_file.stat().st_mode & 0o777 == 0o600
    again = run_cli(["admin", "init", "bob"], env)
    assert again.returncode == 2
    assert "already set up: administrator 'ada' exists" in again.stderr
    with database.transaction() as session:
        admin_id = session.scalars(select(User.id).where(User.username == "ada")).one()
        [entry] = trail.history(session, "user", admin_id)
        assert entry.actor.startswith("cli:")
        assert '"role":"admin"' in entry.new_values


@pytest.mark.req("PLT-007")
def test_init_asks_for_the_password_twice_and_keeps_nothing_on_a_mismatch(
    database: Database, cli_env: dict[str, str]
) -> None:
    # Without a terminal getpass reads stdin lines.
    mismatch = run_cli(["admin", "init"], cli_env, stdin="first-password-1\nother-password-1\n")
    assert mismatch.returncode == 2
    assert "the two entries differ" in mismatch.stderr
    weak = run_cli(["admin", "init"], cli_env, stdin="short\nshort\n")
    assert weak.returncode == 2
    assert "at least 10 characters" in weak.stderr
    good = run_cli(["admin", "init"], cli_env, stdin="first-password-1\nfirst-password-1\n")
    assert good.returncode == 0, good.stderr


@pytest.mark.req("PLT-007")
def test_set_role_and_deactivate_from_the_command_line(database: Database, cli_env: dict[str, str]) -> None:
    env = {**cli_env, "AUDITAPP_PASSWORD": "some-password-1"}
    assert run_cli(["admin", "init"], env).returncode == 0
    assert run_cli(["admin", "create-user", "pat", "--role", "viewer"], env).returncode == 0
    moved = run_cli(["admin", "set-role", "pat", "quality_manager"], env)
    assert moved.returncode == 0, moved.stderr
    bad = run_cli(["admin", "set-role", "pat", "boss"], env)
    assert bad.returncode == 2
    assert "role: 'boss' is not one of" in bad.stderr
    assert run_cli(["admin", "deactivate", "pat"], env).returncode == 0
    last = run_cli(["admin", "deactivate", "admin"], env)
    assert last.returncode == 2
    assert "last active admin" in last.stderr
    assert run_cli(["admin", "verify-trail"], env).returncode == 0


def _enroll(database: Database, username: str) -> None:
    keys = DeviceKeys.generate()
    with database.transaction() as session:
        code = enrollment.issue_code(session, username, issued_by="admin").code
        request = enrollment.EnrollRequest(
            code, DEVICE_ID, keys.signing_public_b64, keys.receiving_public_b64
        )
        enrollment.enroll(session, request)


@pytest.mark.req("PLT-008")
def test_an_admin_lists_and_revokes_devices_over_the_api(
    client: TestClient, headers: dict[str, dict[str, str]], database: Database
) -> None:
    _enroll(database, "auditor")
    listed = client.get("/api/devices", headers=headers["admin"])
    assert listed.status_code == 200
    [device] = listed.json()["items"]
    assert (device["id"], device["username"], device["status"]) == (DEVICE_ID, "auditor", "active")
    assert client.get("/api/devices", headers=headers["quality_manager"]).status_code == 403
    revoked = client.post(f"/api/devices/{DEVICE_ID}/revoke", headers=headers["admin"])
    assert revoked.status_code == 200
    assert revoked.json()["status"] == "revoked"
    assert revoked.json()["revoked_at"]
    assert (
        client.get("/api/devices", params={"status": "active"}, headers=headers["admin"]).json()["items"]
        == []
    )
    unknown = client.post("/api/devices/nope/revoke", headers=headers["admin"])
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "unknown_device"
    with database.transaction() as session:
        actions = [(e.actor, e.action) for e in trail.history(session, "device", DEVICE_ID)]
    assert actions == [(f"device:{DEVICE_ID}", "enroll"), ("admin", "revoke")]


@pytest.mark.req("PLT-013")
def test_reminder_addresses_are_set_by_admins_and_recorded(
    client: TestClient,
    headers: dict[str, dict[str, str]],
    users: dict[str, str],
    database: Database,
    cli_env: dict[str, str],
) -> None:
    owner = users["capa_owner"]
    url = f"/api/users/{owner}/email"
    assert client.get(url, headers=headers["admin"]).json()["email"] is None
    bad = client.put(url, json={"email": "not an address"}, headers=headers["admin"])
    assert bad.status_code == 422
    assert "email" in bad.json()["error"]["message"]
    assert (
        client.put(url, json={"email": "co@example.test"}, headers=headers["quality_manager"]).status_code
        == 403
    )
    assert client.put(url, json={"email": "co@example.test"}, headers=headers["admin"]).status_code == 200
    assert client.get(url, headers=headers["admin"]).json()["email"] == "co@example.test"
    env = {**cli_env, "AUDITAPP_PASSWORD": "some-password-1"}
    made = run_cli(
        ["admin", "create-user", "sam", "--role", "capa_owner", "--email", "sam@example.test"], env
    )
    assert made.returncode == 0, made.stderr
    wrong = run_cli(["admin", "create-user", "tom", "--email", "tom"], env)
    assert wrong.returncode == 2
    assert "email: 'tom' is not an e-mail address" in wrong.stderr
    with database.transaction() as session:
        changes = [(e.actor, e.action, e.new_values) for e in trail.history(session, "user", owner)]
    assert changes[-1] == ("admin", "change_email", '{"email":"co@example.test"}')
