"""Sign-in is throttled against guessing, per username and per network address."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from fastapi.testclient import TestClient

from auditapp.central import auth, throttle
from auditapp.central.database import Database
from tests.integration.platform.conftest import PASSWORD
from tests.support.processes import Running


def _login(client: TestClient, username: str, password: str) -> tuple[int, dict[str, object], str]:
    reply = client.post("/api/auth/login", json={"username": username, "password": password})
    return reply.status_code, reply.json(), reply.headers.get("retry-after", "")


@pytest.mark.req("PLT-006")
def test_a_username_is_locked_after_five_failures_even_for_the_right_password(
    client: TestClient, users: dict[str, str]
) -> None:
    for _ in range(5):
        assert _login(client, "auditor", "wrong-guess-1")[0] == 401
    status, body, retry_after = _login(client, "auditor", PASSWORD)
    assert status == 429
    error = body["error"]
    assert isinstance(error, dict)
    assert error["code"] == "too_many_attempts"
    assert "account" in error["message"]
    assert 0 < int(retry_after) <= 15 * 60
    assert error["retry_after"] == retry_after
    # Another account from the same address is not affected.
    assert _login(client, "viewer", PASSWORD)[0] == 200


@pytest.mark.req("PLT-006")
def test_a_right_password_clears_the_count_and_old_failures_expire(
    client: TestClient, users: dict[str, str], database: Database
) -> None:
    for _ in range(4):
        assert _login(client, "auditor", "wrong-guess-1")[0] == 401
    assert _login(client, "auditor", PASSWORD)[0] == 200
    for _ in range(4):
        assert _login(client, "auditor", "wrong-guess-1")[0] == 401
    assert _login(client, "auditor", PASSWORD)[0] == 200
    long_ago = auth.now() - timedelta(minutes=16)
    with database.transaction() as session:
        for _ in range(10):
            throttle.record_failure(session, "viewer", "testclient", long_ago)
    assert _login(client, "viewer", PASSWORD)[0] == 200


@pytest.mark.req("PLT-006")
def test_an_address_trying_many_usernames_is_locked(client: TestClient, users: dict[str, str]) -> None:
    for i in range(20):
        assert _login(client, f"guess{i}", "wrong-guess-1")[0] == 401
    status, body, retry_after = _login(client, "viewer", PASSWORD)
    assert status == 429
    error = body["error"]
    assert isinstance(error, dict)
    assert "network address" in error["message"]
    assert int(retry_after) > 0


@pytest.mark.req("PLT-006")
def test_unknown_and_known_usernames_are_refused_alike(client: TestClient, users: dict[str, str]) -> None:
    unknown = _login(client, "nobody-here", "wrong-guess-1")
    known = _login(client, "viewer", "wrong-guess-1")
    assert unknown[:2] == known[:2]


@pytest.mark.req("PLT-006")
def test_a_real_server_answers_429_with_retry_after(central: Running) -> None:
    url = f"{central.url}/api/auth/login"
    for _ in range(5):
        assert (
            requests.post(url, json={"username": "admin", "password": "nope-nope-1"}, timeout=10).status_code
            == 401
        )
    reply = requests.post(url, json={"username": "admin", "password": "nope-nope-1"}, timeout=10)
    assert reply.status_code == 429
    assert reply.json()["error"]["code"] == "too_many_attempts"
    assert int(reply.headers["Retry-After"]) > 0
