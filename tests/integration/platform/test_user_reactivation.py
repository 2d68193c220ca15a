"""An administrator reactivates a deactivated user over the API and from the command line: recorded in the
audit trail, the user signs in again with their password, and what the deactivation ended stays ended."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from auditapp.central import enrollment, trail
from auditapp.central.database import Database
from auditapp.central.tables import User
from sync.keys import DeviceKeys
from tests.integration.platform.conftest import PASSWORD
from tests.support.processes import run_cli

DEVICE_ID = "0c6b1e2a-4f3d-4b5a-9c8d-7e6f5a4b3c2d"


def _enroll(database: Database, username: str) -> None:
    keys = DeviceKeys.generate()
    with database.transaction() as session:
        code = enrollment.issue_code(session, username, issued_by="admin").code
        request = enrollment.EnrollRequest(
            code, DEVICE_ID, keys.signing_public_b64, keys.receiving_public_b64
        )
        enrollment.enroll(session, request)


def _actions(database: Database, user_id: str) -> list[tuple[str, str, str, str]]:
    with database.transaction() as session:
        return [
            (e.actor, e.action, e.old_values, e.new_values) for e in trail.history(session, "user", user_id)
        ]


@pytest.mark.req("PLT-024")
def test_a_reactivated_user_signs_in_again_while_old_sessions_and_devices_stay_ended(
    client: TestClient, headers: dict[str, dict[str, str]], users: dict[str, str], database: Database
) -> None:
    auditor = users["auditor"]
    _enroll(database, "auditor")
    old_session = headers["auditor"]
    assert client.post(f"/api/users/{auditor}/deactivate", headers=headers["admin"]).status_code == 200

    back = client.post(f"/api/users/{auditor}/reactivate", headers=headers["admin"])

    assert back.status_code == 200, back.text
    assert (back.json()["username"], back.json()["active"], back.json()["role"]) == (
        "auditor",
        True,
        "auditor",
    )
    listed = client.get("/api/users", params={"active": True}, headers=headers["admin"]).json()["items"]
    assert "auditor" in [u["username"] for u in listed]
    # The session the deactivation ended stays ended.
    refused = client.get("/api/me", headers=old_session)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "invalid_token"
    # The user signs in again with their own password.
    signed_in = client.post("/api/auth/login", json={"username": "auditor", "password": PASSWORD})
    assert signed_in.status_code == 200, signed_in.text
    fresh = {"Authorization": f"Bearer {signed_in.json()['token']}"}
    assert client.get("/api/me", headers=fresh).json()["username"] == "auditor"
    # Their tablet, revoked by the deactivation, stays revoked until enrolled again with a new code.
    devices = client.get("/api/devices", headers=headers["admin"]).json()["items"]
    assert [(d["id"], d["status"]) for d in devices] == [(DEVICE_ID, "revoked")]
    assert _actions(database, auditor)[-2:] == [
        ("admin", "deactivate", '{"active":true}', '{"active":false}'),
        ("admin", "reactivate", '{"active":false}', '{"active":true}'),
    ]
    with database.transaction() as session:
        assert trail.verify(session).intact


@pytest.mark.req("PLT-024")
def test_reactivating_an_active_or_unknown_user_is_refused_and_only_admins_may(
    client: TestClient, headers: dict[str, dict[str, str]], users: dict[str, str], database: Database
) -> None:
    viewer = users["viewer"]
    active = client.post(f"/api/users/{viewer}/reactivate", headers=headers["admin"])
    assert active.status_code == 409
    assert active.json()["error"]["code"] == "user_active"
    assert "'viewer' is active" in active.json()["error"]["message"]
    unknown = client.post("/api/users/nobody/reactivate", headers=headers["admin"])
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "unknown_user")

    assert client.post(f"/api/users/{viewer}/deactivate", headers=headers["admin"]).status_code == 200
    for role in ("quality_manager", "capa_owner", "auditor"):
        reply = client.post(f"/api/users/{viewer}/reactivate", headers=headers[role])
        assert (reply.status_code, reply.json()["error"]["code"]) == (403, "forbidden")
    assert client.post(f"/api/users/{viewer}/reactivate").status_code == 401
    assert [action for _, action, _, _ in _actions(database, viewer)] == ["create", "deactivate"]
    refused = client.post("/api/auth/login", json={"username": "viewer", "password": PASSWORD})
    assert refused.status_code == 401  # still deactivated


@pytest.mark.req("PLT-024")
def test_reactivate_from_the_command_line(database: Database, cli_env: dict[str, str]) -> None:
    env = {**cli_env, "AUDITAPP_PASSWORD": "some-password-1"}
    assert run_cli(["admin", "init"], env).returncode == 0
    assert run_cli(["admin", "create-user", "pat", "--role", "viewer"], env).returncode == 0
    assert run_cli(["admin", "deactivate", "pat"], env).returncode == 0

    back = run_cli(["admin", "reactivate", "pat"], env)

    assert back.returncode == 0, back.stderr
    assert (
        back.stdout == "user pat is active again: they sign in with their password\n"
    )  # a viewer: no tablet
    with database.transaction() as session:
        user = session.scalars(select(User).where(User.username == "pat")).one()
        assert user.active
        user_id = user.id
    (actor, action, old, new) = _actions(database, user_id)[-1]
    assert (actor.startswith("cli:"), action, old, new) == (
        True,
        "reactivate",
        '{"active":false}',
        '{"active":true}',
    )

    again = run_cli(["admin", "reactivate", "pat"], env)
    assert again.returncode == 2
    assert again.stderr == (
        "auditapp admin: error: user 'pat' is active: only a deactivated user can be reactivated\n"
    )
    unknown = run_cli(["admin", "reactivate", "nobody"], env)
    assert unknown.returncode == 2
    assert "user: no user named 'nobody'" in unknown.stderr
    assert run_cli(["admin", "verify-trail"], env).returncode == 0
    described = run_cli(["admin", "reactivate", "--help"], env)
    assert "Switch a deactivated user on again" in described.stdout


@pytest.mark.req("PLT-024")
def test_an_enrollment_code_issued_before_the_deactivation_stays_void_after_reactivation(
    client: TestClient, headers: dict[str, dict[str, str]], users: dict[str, str], database: Database
) -> None:
    auditor = users["auditor"]
    with database.transaction() as session:
        code = enrollment.issue_code(session, "auditor", issued_by="admin").code
    assert client.post(f"/api/users/{auditor}/deactivate", headers=headers["admin"]).status_code == 200
    assert client.post(f"/api/users/{auditor}/reactivate", headers=headers["admin"]).status_code == 200

    keys = DeviceKeys.generate()
    answer = client.post(
        "/api/enroll",
        json={
            "code": code,
            "device_id": DEVICE_ID,
            "signing_public": keys.signing_public_b64,
            "receiving_public": keys.receiving_public_b64,
        },
    )

    assert answer.status_code == 410, answer.text
    assert answer.json()["error"]["code"] == "expired_code"
    assert client.get("/api/devices", headers=headers["admin"]).json()["items"] == []


@pytest.mark.req("PLT-024")
def test_reactivating_an_auditor_from_the_command_line_names_the_command_that_enrolls_a_tablet_again(
    database: Database, cli_env: dict[str, str]
) -> None:
    env = {**cli_env, "AUDITAPP_PASSWORD": "some-password-1"}
    assert run_cli(["admin", "init"], env).returncode == 0
    assert run_cli(["admin", "create-user", "ann", "--role", "auditor"], env).returncode == 0
    assert run_cli(["admin", "deactivate", "ann"], env).returncode == 0

    back = run_cli(["admin", "reactivate", "ann"], env)

    assert back.returncode == 0, back.stderr
    assert back.stdout == (
        "user ann is active again: they sign in with their password; devices revoked by the deactivation "
        "stay revoked (`auditapp admin enroll-code --user ann` enrolls one again)\n"
    )
