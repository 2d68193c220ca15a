"""Every time the API returns carries its UTC offset, the same when written and when read back."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.capa.conftest import (
    Tablet,
    close_body,
    open_capa,
    pass_desk_check,
    work_through,
)

UTC_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|\+00:00)$")


@pytest.fixture(autouse=True)
def _database_sessions_in_new_york(monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL hands times back in the session's zone: make it one that is not UTC."""
    monkeypatch.setenv("PGTZ", "America/New_York")


def _times(value: Any, where: str = "") -> Iterator[tuple[str, Any]]:
    """Every (path, value) of a reply whose key names a time (`at` or `..._at`)."""
    if isinstance(value, dict):
        for key, inner in value.items():
            path = f"{where}.{key}" if where else key
            if (key == "at" or key.endswith("_at")) and not isinstance(inner, dict | list):
                yield path, inner
            else:
                yield from _times(inner, path)
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _times(inner, f"{where}[{index}]")


def _assert_utc(reply: Any) -> dict[str, str]:
    """Check every time in a reply is UTC with its offset; returns them by path."""
    assert reply.status_code in (200, 201), reply.text
    found = {path: value for path, value in _times(reply.json()) if value is not None}
    wrong = {path: value for path, value in found.items() if not UTC_TIME.match(str(value))}
    assert wrong == {}
    return found


def _instant(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.mark.req("PLT-019")
def test_capa_times_carry_their_utc_offset_when_written_and_when_read_again(
    client: TestClient, as_user: dict[str, dict[str, str]], tablets: list[Tablet]
) -> None:
    qm = as_user["quinn"]
    opened = open_capa(client, qm, tablets[0])
    written = _assert_utc(client.get(f"/api/capas/{opened.capa_id}", headers=qm))
    work_through(client, opened.capa_id, as_user["owen"])
    pass_desk_check(client, opened.capa_id, qm)
    closed = _assert_utc(client.post(f"/api/capas/{opened.capa_id}/close", json=close_body(), headers=qm))
    reopen = {"reason": "Repeat seen on line 2 during a walk"}
    _assert_utc(client.post(f"/api/capas/{opened.capa_id}/reopen", json=reopen, headers=qm))

    read = _assert_utc(client.get(f"/api/capas/{opened.capa_id}", headers=qm))
    listed = _assert_utc(client.get("/api/capas", headers=qm))
    checks = _assert_utc(client.get("/api/effectiveness-checks", headers=qm))

    assert _instant(read["created_at"]) == _instant(written["created_at"])
    assert _instant(read["signatures[0].signed_at"]) == _instant(closed["signatures[0].signed_at"])
    assert {"actions[0].created_at", "effectiveness_checks[0].decided_at", "verification.verified_at"} <= set(
        read
    )
    assert {"reopenings[0].at", "source_findings[0].received_at"} <= set(read)
    assert "items[0].created_at" in listed
    assert "items[0].decided_at" in checks


@pytest.mark.req("PLT-019")
def test_finding_user_and_device_times_carry_their_utc_offset_when_read_again(
    client: TestClient, as_user: dict[str, dict[str, str]], tablets: list[Tablet]
) -> None:
    qm, admin = as_user["quinn"], as_user["adam"]
    opened = open_capa(client, qm, tablets[0])
    new_user = {
        "username": "tess",
        "display_name": "Tess Tester",
        "role": "viewer",
        "password": "tess-pass-12",
    }
    created = _assert_utc(client.post("/api/users", json=new_user, headers=admin))
    revoked = _assert_utc(client.post(f"/api/devices/{tablets[1].device_id}/revoke", headers=admin))

    finding = _assert_utc(client.get(f"/api/findings/{opened.finding_id}", headers=qm))
    findings = _assert_utc(client.get("/api/findings", headers=qm))
    users = _assert_utc(client.get("/api/users", headers=admin))
    devices = _assert_utc(client.get("/api/devices", headers=admin))
    me = _assert_utc(client.get("/api/me", headers=qm))

    assert {"raised_at", "received_at", "triaged_at"} <= set(finding)
    assert "items[0].received_at" in findings
    read_back = [v for k, v in users.items() if _instant(v) == _instant(created["created_at"])]
    assert read_back, users
    assert _instant(revoked["revoked_at"]) in {
        _instant(v) for k, v in devices.items() if k.endswith("revoked_at")
    }
    assert "created_at" in me
