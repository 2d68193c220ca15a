"""A NUL character (U+0000) anywhere a request carries text is refused with 422 naming where it is, on SQLite
and PostgreSQL alike, and nothing is stored (PostgreSQL cannot keep NUL in text: it used to be a 500, which
the apps show as "try again") (PLT-010)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import MetaData, select

from auditapp.central.database import Database

NUL = "\x00"


def _snapshot(database: Database) -> dict[str, list[str]]:
    """Every row of every table, to show a refused request changed nothing."""
    tables = MetaData()
    with database.engine.connect() as conn:
        tables.reflect(conn)
        return {
            table.name: sorted(repr(tuple(row)) for row in conn.execute(select(table)))
            for table in tables.sorted_tables
        }


# (method, path, role or None for no token, JSON body or None, the start of the message)
REFUSED: dict[str, tuple[str, str, str | None, dict[str, Any] | None, str]] = {
    "login-username-no-token": (
        "POST",
        "/api/auth/login",
        None,
        {"username": f"a{NUL}", "password": "role-password-1"},
        "username: ",
    ),
    "findings-query-site": ("GET", "/api/findings?site=a%00b", "quality_manager", None, "site: "),
    "capas-query-owner": ("GET", "/api/capas?owner=%00", "quality_manager", None, "owner: "),
    "readiness-query-site": ("GET", "/api/readiness?site=%00", "quality_manager", None, "site: "),
    "finding-photos-query": ("GET", "/api/findings/photos?finding_id=%00", "viewer", None, "finding_id: "),
    "capa-path": ("GET", "/api/capas/%00", "viewer", None, "path: /api/capas/"),
    "finding-path": ("GET", "/api/findings/%00", "viewer", None, "path: /api/findings/"),
    "trail-path": ("GET", "/api/trail/user/%00", "admin", None, "path: /api/trail/user/"),
    "responses-path": ("GET", "/api/audits/%00/responses", "viewer", None, "path: /api/audits/"),
    "report-path": ("GET", "/api/audits/a%00/report", "viewer", None, "path: /api/audits/a"),
    "user-email-path": ("GET", "/api/users/%00/email", "admin", None, "path: /api/users/"),
    "deactivate-path": ("POST", "/api/users/%00/deactivate", "admin", None, "path: /api/users/"),
    "revoke-path": ("POST", "/api/devices/%00/revoke", "admin", None, "path: /api/devices/"),
    "enrollment-username": (
        "POST",
        "/api/enrollment-codes",
        "quality_manager",
        {"username": f"a{NUL}"},
        "username: ",
    ),
    "capa-title": (
        "POST",
        "/api/capas",
        "quality_manager",
        {"title": f"a{NUL}", "problem_statement": "Gowning log unsigned"},
        "title: ",
    ),
    "capa-owner": (
        "POST",
        "/api/capas",
        "quality_manager",
        {"title": "Gowning", "problem_statement": "Gowning log unsigned", "owner": f"capa_owner{NUL}"},
        "owner: ",
    ),
    "containment": (
        "PUT",
        "/api/capas/{capa}/containment",
        "capa_owner",
        {"containment": f"a{NUL}b"},
        "containment: ",
    ),
    "root-cause": (
        "PUT",
        "/api/capas/{capa}/root-cause",
        "capa_owner",
        {"method": "five_whys", "result": f"x{NUL}"},
        "result: ",
    ),
    "nested-object": (
        "POST",
        "/api/findings/triage",
        "quality_manager",
        {
            "finding_ids": ["00000000-0000-0000-0000-000000000001"],
            "decision": "open_capa",
            "capa": {"title": "Gowning", "problem_statement": f"unsigned {NUL} log"},
        },
        "capa.problem_statement: ",
    ),
    "nested-list": (
        "POST",
        "/api/findings/triage",
        "quality_manager",
        {"finding_ids": ["00000000-0000-0000-0000-000000000001", NUL], "decision": "rejected", "note": "x"},
        "finding_ids[1]: ",
    ),
    "field-name": (
        "PUT",
        "/api/capas/{capa}/containment",
        "capa_owner",
        {f"contain{NUL}ment": "kept apart"},
        "contain\\u0000ment: the field name ",
    ),
}


@pytest.fixture
def capa(client: TestClient, headers: dict[str, dict[str, str]]) -> str:
    """A CAPA owned by capa_owner, with its containment recorded."""
    body = {"title": "Gowning", "problem_statement": "Gowning log unsigned", "owner": "capa_owner"}
    opened = client.post("/api/capas", json=body, headers=headers["quality_manager"])
    assert opened.status_code == 201, opened.text
    capa_id = str(opened.json()["id"])
    done = client.put(
        f"/api/capas/{capa_id}/containment", json={"containment": "Lot 7 held"}, headers=headers["capa_owner"]
    )
    assert done.status_code == 200, done.text
    return capa_id


@pytest.mark.req("PLT-010")
@pytest.mark.parametrize(("method", "path", "role", "body", "where"), REFUSED.values(), ids=REFUSED.keys())
def test_a_nul_character_is_refused_naming_where_it_is_and_nothing_changes(
    client: TestClient,
    database: Database,
    headers: dict[str, dict[str, str]],
    capa: str,
    method: str,
    path: str,
    role: str | None,
    body: dict[str, Any] | None,
    where: str,
) -> None:
    before = _snapshot(database)

    refused = client.request(method, path.format(capa=capa), json=body, headers=headers[role] if role else {})

    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error["code"] == "invalid_field"
    assert error["message"].startswith(where), error["message"]
    assert "U+0000" in error["message"]
    assert _snapshot(database) == before
    detail = client.get(f"/api/capas/{capa}", headers=headers["viewer"]).json()
    assert detail["containment"] == "Lot 7 held"


@pytest.mark.req("PLT-010")
def test_ordinary_text_and_a_backslash_u_typed_as_text_still_go_through(
    client: TestClient, headers: dict[str, dict[str, str]], capa: str
) -> None:
    typed = "Lot 7 held; the label reads \\u0000 literally, Zoë 渡辺"  # a backslash, not a NUL
    done = client.put(
        f"/api/capas/{capa}/containment", json={"containment": typed}, headers=headers["capa_owner"]
    )
    assert done.status_code == 200, done.text
    assert client.get(f"/api/capas/{capa}", headers=headers["viewer"]).json()["containment"] == typed
    listed = client.get("/api/capas?owner=capa_owner", headers=headers["viewer"])
    assert listed.status_code == 200, listed.text
    assert [c["id"] for c in listed.json()["items"]] == [capa]
