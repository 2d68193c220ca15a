"""Only roles that audit in the field get devices, and a device whose user left those roles is refused
(SYN-219)."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient

from auditapp.central import enrollment
from auditapp.central.database import Database
from auditapp.central.errors import ApiError
from auditapp.central.service import set_role
from sync.keys import DeviceKeys
from tests.integration.platform.conftest import ROLES
from tests.support.processes import run_cli

FIELD_ROLES = ("admin", "quality_manager", "auditor")
DESK_ROLES = ("capa_owner", "viewer")


def _enroll_body(code: str, name: str = "tablet") -> dict[str, str]:
    keys = DeviceKeys.generate()
    return {
        "code": code,
        "device_id": str(uuid.uuid4()),
        "signing_public": keys.signing_public_b64,
        "receiving_public": keys.receiving_public_b64,
        "name": name,
    }


def _enrolled(database: Database, username: str) -> str:
    """A device enrolled for the user straight through the store's enrollment; its id."""
    with database.transaction() as session:
        code = enrollment.issue_code(session, username, issued_by="admin").code
    body = _enroll_body(code)
    with database.transaction() as session:
        enrollment.enroll(session, enrollment.EnrollRequest(**body))
    return body["device_id"]


@pytest.mark.req("SYN-219")
def test_enrollment_codes_are_issued_over_the_api_only_for_roles_that_audit_in_the_field(
    client: TestClient, headers: dict[str, dict[str, str]], users: dict[str, str]
) -> None:
    assert set(FIELD_ROLES) | set(DESK_ROLES) == set(ROLES)
    for role in FIELD_ROLES:
        issued = client.post("/api/enrollment-codes", json={"username": role}, headers=headers["admin"])
        assert issued.status_code == 200, (role, issued.text)
    for role in DESK_ROLES:
        refused = client.post(
            "/api/enrollment-codes", json={"username": role}, headers=headers["quality_manager"]
        )
        assert refused.status_code == 409, (role, refused.text)
        error = refused.json()["error"]
        assert error["code"] == "role_not_in_field"
        assert error["message"].startswith(f"user: '{role}' has the role {role}, which does not audit")


@pytest.mark.req("SYN-219")
def test_the_command_line_refuses_a_code_for_a_viewer_naming_the_user_and_role(
    users: dict[str, str], cli_env: dict[str, str]
) -> None:
    refused = run_cli(["admin", "enroll-code", "--user", "viewer", "--no-qr"], cli_env)
    assert refused.returncode == 2, refused.stdout
    assert "Traceback" not in refused.stderr
    assert "user: 'viewer' has the role viewer, which does not audit in the field" in refused.stderr
    assert "enrollment code for" not in refused.stdout
    issued = run_cli(["admin", "enroll-code", "--user", "auditor", "--no-qr"], cli_env)
    assert issued.returncode == 0, issued.stderr
    assert "enrollment code for auditor:" in issued.stdout


@pytest.mark.req("SYN-219")
def test_a_code_issued_before_the_user_became_a_viewer_enrolls_nothing(
    client: TestClient, database: Database, users: dict[str, str]
) -> None:
    with database.transaction() as session:
        code = enrollment.issue_code(session, "auditor", issued_by="admin").code
    set_role(database, "auditor", "viewer", actor="admin")

    refused = client.post("/api/enroll", json=_enroll_body(code))

    assert refused.status_code == 403, refused.text
    assert refused.json()["error"]["code"] == "role_not_in_field"
    assert "'auditor' now has the role viewer" in refused.json()["error"]["message"]


@pytest.mark.req("SYN-219")
def test_a_device_is_refused_while_its_user_has_a_role_that_does_not_audit_in_the_field(
    database: Database, users: dict[str, str]
) -> None:
    device_id = _enrolled(database, "auditor")
    with database.transaction() as session:
        enrollment.check_sender_role(session, device_id)  # an auditor's device: accepted

    set_role(database, "auditor", "viewer", actor="admin")
    with database.transaction() as session, pytest.raises(ApiError) as refused:
        enrollment.check_sender_role(session, device_id)
    assert (refused.value.status, refused.value.code) == (403, "role_not_in_field")
    assert "'auditor', who now has the role viewer" in refused.value.message
    assert "nothing is lost on the tablet" in refused.value.message

    set_role(database, "auditor", "auditor", actor="admin")  # the role given back: accepted again
    with database.transaction() as session:
        enrollment.check_sender_role(session, device_id)
