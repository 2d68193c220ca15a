"""Device names and printed names refuse control characters, and a listing cannot be made to change the
terminal by a name stored before (PLT-023)."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from auditapp.central import enrollment
from auditapp.central.database import Database
from auditapp.central.tables import Device
from sync.keys import DeviceKeys
from tests.support.processes import run_cli

BAD_NAMES = {
    "newline": ("Evil\nfake-device  revoked  admin", "U+000A"),
    "escape": ("Red\x1b[31mName", "U+001B"),
    "nul": ("a\x00b", "U+0000"),
    "tab": ("a\tb", "U+0009"),
    "delete": ("a\x7fb", "U+007F"),
    "c1": ("a\x9bb", "U+009B"),
    "bidi-override": ("txt.\u202eexe", "U+202E"),
    "bidi-isolate": ("a\u2066b", "U+2066"),
}


def _enroll_body(code: str, name: str, device_id: str | None = None) -> dict[str, str]:
    keys = DeviceKeys.generate()
    return {
        "code": code,
        "device_id": device_id or str(uuid.uuid4()),
        "signing_public": keys.signing_public_b64,
        "receiving_public": keys.receiving_public_b64,
        "name": name,
    }


@pytest.mark.req("PLT-023")
@pytest.mark.parametrize(("name", "char"), BAD_NAMES.values(), ids=BAD_NAMES.keys())
def test_the_api_refuses_a_printed_name_with_a_control_character_naming_the_field(
    name: str, char: str, client: TestClient, headers: dict[str, dict[str, str]], users: dict[str, str]
) -> None:
    body = {"username": "pat", "display_name": name, "role": "auditor", "password": "pat-password-1"}
    refused = client.post("/api/users", json=body, headers=headers["admin"])
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error["code"] == "invalid_field"
    # A NUL is refused for every field by the store's guard ("the text contains"), the rest by the name rule.
    assert error["message"].startswith("display_name: the ")
    assert f"contains the control character {char}" in error["message"]
    people = client.get("/api/people", headers=headers["viewer"]).json()["items"]
    assert "pat" not in {p["username"] for p in people}
    ordinary = "Zoë O'Brien-Łukasiewicz 渡辺 (QA)"  # any script and punctuation is fine
    made = client.post("/api/users", json={**body, "display_name": ordinary}, headers=headers["admin"])
    assert made.status_code == 201, made.text
    assert made.json()["display_name"] == ordinary


@pytest.mark.req("PLT-023")
@pytest.mark.parametrize(("name", "char"), BAD_NAMES.values(), ids=BAD_NAMES.keys())
def test_enrollment_refuses_a_device_name_with_a_control_character_and_keeps_the_code(
    name: str, char: str, client: TestClient, database: Database, users: dict[str, str]
) -> None:
    with database.transaction() as session:
        code = enrollment.issue_code(session, "auditor", issued_by="admin").code

    refused = client.post("/api/enroll", json=_enroll_body(code, name))

    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["code"] == "invalid_field"
    assert refused.json()["error"]["message"].startswith("name: the ")
    assert f"contains the control character {char}" in refused.json()["error"]["message"]
    enrolled = client.post("/api/enroll", json=_enroll_body(code, "Plant 1 tablet"))
    assert enrolled.status_code == 200, enrolled.text  # the code was not used up by the refusal


@pytest.mark.req("PLT-023")
def test_the_command_line_refuses_a_printed_name_with_a_control_character_before_asking_a_password(
    database: Database, cli_env: dict[str, str]
) -> None:
    for args in (
        ["admin", "create-user", "pat", "--name", "Bad\x1b[31mName"],
        ["admin", "init", "--name", "A\nB"],
    ):
        refused = run_cli(args, cli_env, stdin="")  # no AUDITAPP_PASSWORD: a prompt would fail differently
        assert refused.returncode == 2
        assert "Traceback" not in refused.stderr
        assert (
            "auditapp admin: error: --name: the printed name contains the control character U+00"
            in refused.stderr
        )
        assert "password" not in refused.stderr.lower()


@pytest.mark.req("PLT-023")
def test_admin_devices_shows_a_stored_name_escaped_one_line_per_device(
    client: TestClient, database: Database, users: dict[str, str], cli_env: dict[str, str]
) -> None:
    with database.transaction() as session:
        code = enrollment.issue_code(session, "auditor", issued_by="admin").code
    device_id = client.post("/api/enroll", json=_enroll_body(code, "tablet")).json()["device_id"]
    stored = "Evil\nfake-device  revoked  admin\x1b[2J\x1b[31mRED\u202e"
    with database.transaction() as session:  # a name stored before names were checked
        session.execute(update(Device).where(Device.id == device_id).values(name=stored))

    listed = run_cli(["admin", "devices"], cli_env)

    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.count("\n") == 1
    assert "\x1b" not in listed.stdout
    assert "\u202e" not in listed.stdout
    assert listed.stdout.rstrip("\n").endswith(r"Evil\nfake-device  revoked  admin\x1b[2J\x1b[31mRED\u202e")
