"""The people directory (QAP-038): every signed-in user reads usernames and printed names, nothing more,
of active and deactivated users alike; without a token it is refused."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.integration.platform.conftest import ROLES


@pytest.mark.req("QAP-038")
def test_without_a_token_the_directory_is_refused(client: TestClient) -> None:
    reply = client.get("/api/people")
    assert reply.status_code == 401
    assert reply.json()["error"]["code"] == "not_authenticated"
    bad = client.get("/api/people", headers={"Authorization": "Bearer not-a-token"})
    assert bad.status_code == 401


@pytest.mark.req("QAP-038")
@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_usernames_and_printed_names_only(
    client: TestClient, headers: dict[str, dict[str, str]], role: str
) -> None:
    reply = client.get("/api/people", headers=headers[role])
    assert reply.status_code == 200, reply.text
    items = reply.json()["items"]
    assert items == [{"username": r, "display_name": r.title()} for r in sorted(ROLES)]


@pytest.mark.req("QAP-038")
def test_deactivated_users_stay_in_the_directory_and_it_comes_in_pages(
    client: TestClient, headers: dict[str, dict[str, str]], users: dict[str, str]
) -> None:
    off = client.post(f"/api/users/{users['auditor']}/deactivate", headers=headers["admin"])
    assert off.status_code == 200, off.text
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/people", params=params, headers=headers["viewer"]).json()
        seen += [p["username"] for p in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(ROLES)
    schema = client.get("/openapi.json").json()
    assert "get" in schema["paths"]["/api/people"]
