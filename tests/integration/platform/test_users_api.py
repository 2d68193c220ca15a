"""Administrators manage users and devices over the API; every change lands in the audit trail."""

from __future__ import annotations

import base64
import json

import pytest
from fastapi.testclient import TestClient

from auditapp.central import trail
from auditapp.central.database import Database
from auditapp.central.paging import encode_cursor
from auditapp.central.trail_tables import TrailEntry
from tests.integration.platform.conftest import PASSWORD

NEW = {"username": "rita", "display_name": "Rita Reviewer", "role": "viewer", "password": "rita-password-1"}


@pytest.mark.req("PLT-005")
def test_an_admin_creates_a_user_who_can_then_sign_in(
    client: TestClient, headers: dict[str, dict[str, str]]
) -> None:
    made = client.post("/api/users", json=NEW, headers=headers["admin"])
    assert made.status_code == 201, made.text
    assert made.json()["role"] == "viewer"
    assert "password" not in made.text
    signed_in = client.post("/api/auth/login", json={"username": "rita", "password": "rita-password-1"})
    assert signed_in.status_code == 200
    assert signed_in.json()["display_name"] == "Rita Reviewer"
    again = client.post("/api/users", json=NEW, headers=headers["admin"])
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "user_exists"


@pytest.mark.req("PLT-005")
@pytest.mark.parametrize(
    ("change", "field"),
    [({"password": "short"}, "password"), ({"role": "superuser"}, "role"), ({"username": "a b"}, "username")],
)
def test_a_bad_new_user_is_refused_naming_the_field(
    client: TestClient, headers: dict[str, dict[str, str]], change: dict[str, str], field: str
) -> None:
    reply = client.post("/api/users", json={**NEW, **change}, headers=headers["admin"])
    assert reply.status_code == 422
    assert reply.json()["error"]["code"] == "invalid_request"
    assert field in reply.json()["error"]["message"]


@pytest.mark.req("PLT-005")
def test_users_are_listed_in_pages(client: TestClient, headers: dict[str, dict[str, str]]) -> None:
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/users", params=params, headers=headers["admin"]).json()
        seen += [u["username"] for u in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(["admin", "quality_manager", "capa_owner", "auditor", "viewer"])
    bad = client.get("/api/users", params={"cursor": "not-a-cursor"}, headers=headers["admin"])
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "invalid_cursor"
    too_many = client.get("/api/users", params={"limit": 201}, headers=headers["admin"])
    assert too_many.status_code == 422
    assert "limit" in too_many.json()["error"]["message"]


@pytest.mark.req("PLT-005")
@pytest.mark.req("PLT-004")
def test_role_change_and_deactivation_take_effect_and_are_recorded(
    client: TestClient, headers: dict[str, dict[str, str]], users: dict[str, str], database: Database
) -> None:
    viewer = users["viewer"]
    changed = client.put(f"/api/users/{viewer}/role", json={"role": "capa_owner"}, headers=headers["admin"])
    assert changed.status_code == 200
    assert changed.json()["role"] == "capa_owner"
    assert client.get("/api/me", headers=headers["viewer"]).json()["role"] == "capa_owner"
    off = client.post(f"/api/users/{viewer}/deactivate", headers=headers["admin"])
    assert off.json()["active"] is False
    assert client.get("/api/me", headers=headers["viewer"]).status_code == 401
    refused = client.post("/api/auth/login", json={"username": "viewer", "password": PASSWORD})
    assert refused.status_code == 401
    with database.transaction() as session:
        entries = trail.history(session, "user", viewer)
        assert [(e.actor, e.action) for e in entries] == [
            ("system", "create"),
            ("admin", "change_role"),
            ("admin", "deactivate"),
        ]
        assert session.get(TrailEntry, entries[1].seq) is not None
        assert trail.verify(session).intact


@pytest.mark.req("PLT-005")
def test_the_last_active_admin_cannot_be_demoted_or_deactivated(
    client: TestClient, headers: dict[str, dict[str, str]], users: dict[str, str]
) -> None:
    admin = users["admin"]
    demote = client.put(f"/api/users/{admin}/role", json={"role": "viewer"}, headers=headers["admin"])
    assert demote.status_code == 409
    assert demote.json()["error"]["code"] == "last_admin"
    off = client.post(f"/api/users/{admin}/deactivate", headers=headers["admin"])
    assert off.json()["error"]["code"] == "last_admin"
    unknown = client.post("/api/users/nobody/deactivate", headers=headers["admin"])
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "unknown_user"


@pytest.mark.req("PLT-005")
def test_only_admins_manage_users(client: TestClient, headers: dict[str, dict[str, str]]) -> None:
    for role in ("quality_manager", "capa_owner", "auditor", "viewer"):
        reply = client.post("/api/users", json=NEW, headers=headers[role])
        assert reply.status_code == 403
        assert reply.json()["error"]["code"] == "forbidden"
    assert client.get("/api/users").status_code == 401


@pytest.mark.req("PLT-010")
@pytest.mark.parametrize(
    ("path", "values"),
    [
        ("/api/users", [123, 456]),
        ("/api/devices", ["yesterday", "x"]),
        ("/api/devices", [{"d": "2026-01-01"}, "x"]),
        ("/api/reminders", [{"t": "2026-01-01T00:00:00+00:00"}, "action", "x"]),
        ("/api/reminders", [True, "action", "x"]),
    ],
)
def test_a_forged_cursor_of_the_wrong_types_is_refused_not_a_crash(
    client: TestClient, headers: dict[str, dict[str, str]], path: str, values: list[object]
) -> None:
    forged = encode_cursor(values)  # type: ignore[arg-type]
    reply = client.get(path, params={"cursor": forged}, headers=headers["admin"])
    assert reply.status_code == 422
    assert reply.json()["error"]["code"] == "invalid_cursor"


@pytest.mark.req("PLT-014")
def test_signing_out_ends_the_session_at_once(client: TestClient, headers: dict[str, dict[str, str]]) -> None:
    viewer = headers["viewer"]
    assert client.get("/api/me", headers=viewer).status_code == 200
    assert client.post("/api/auth/logout", headers=viewer).status_code == 204
    refused = client.get("/api/me", headers=viewer)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "invalid_token"
    # A second sign-out with the same (now unknown) token is refused and changes nothing; others go on.
    assert client.post("/api/auth/logout", headers=viewer).status_code == 401
    assert client.get("/api/me", headers=headers["admin"]).status_code == 200


@pytest.mark.req("PLT-010")
@pytest.mark.parametrize(
    ("path", "params", "values"),
    [
        ("/api/findings", {"sort": "grade"}, [10**30, {"t": "2026-01-01T00:00:00+00:00"}, "x"]),
        ("/api/trail/user/{admin}", {}, [10**30]),
        ("/api/trail/user/{admin}", {}, [float("nan")]),
        ("/api/people", {}, ["\ud800"]),
        ("/api/effectiveness-checks", {}, ["\ud800", "x"]),
        ("/api/people", {}, ["a\x00b"]),
        ("/api/users", {}, ["a\x00b", "x"]),
    ],
)
def test_a_forged_cursor_no_row_can_hold_is_refused_not_a_crash(
    client: TestClient,
    headers: dict[str, dict[str, str]],
    users: dict[str, str],
    path: str,
    params: dict[str, str],
    values: list[object],
) -> None:
    """A number beyond 64 bits, half a surrogate pair or a NUL (which PostgreSQL refuses) in a cursor."""
    forged = base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")
    reply = client.get(
        path.format(admin=users["admin"]), params={**params, "cursor": forged}, headers=headers["admin"]
    )
    assert reply.status_code == 422, reply.text
    assert reply.json()["error"]["code"] == "invalid_cursor"
