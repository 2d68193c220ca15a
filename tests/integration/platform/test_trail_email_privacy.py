"""A user's e-mail address reaches through the audit trail only the roles that may read it (PLT-020)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from auditapp.central.deps import POLICY, Action
from tests.integration.platform.conftest import ROLES

FIRST, SECOND = "first.address@example.test", "second.address@example.test"


@pytest.mark.req("PLT-020")
@pytest.mark.parametrize("role", ROLES)
def test_a_users_trail_shows_email_addresses_only_to_roles_that_may_read_them(
    role: str, client: TestClient, headers: dict[str, dict[str, str]], users: dict[str, str]
) -> None:
    owner = users["capa_owner"]
    url = f"/api/users/{owner}/email"
    for address in (FIRST, SECOND, None):  # set, change, remove
        assert client.put(url, json={"email": address}, headers=headers["admin"]).status_code == 200

    reply = client.get(f"/api/trail/user/{owner}", headers=headers[role])

    assert reply.status_code == 200, reply.text
    changes = [e["changes"]["email"] for e in reply.json()["items"] if e["action"] == "change_email"]
    may_read = client.get(url, headers=headers[role]).status_code == 200
    assert may_read == (role in {r.value for r in POLICY[Action.READ_EMAILS]})
    if may_read:
        assert changes == [[None, FIRST], [FIRST, SECOND], [SECOND, None]]
    else:
        # That an address was set, changed and removed stays visible; the addresses do not.
        assert changes == [[None, "(hidden)"], ["(hidden)", "(hidden)"], ["(hidden)", None]]
        assert "example.test" not in reply.text
