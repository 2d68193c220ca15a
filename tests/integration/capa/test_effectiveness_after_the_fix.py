"""An effectiveness check only lets a CAPA close when it looked at the time after the fix (ADR 0076)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient

from auditapp.central.capa_tables import CapaRow
from auditapp.central.database import Database
from tests.integration.capa.conftest import (
    Tablet,
    close_body,
    error_of,
    open_capa,
    pass_desk_check,
    work_through,
)

TODAY = dt.datetime.now(dt.UTC).date()
REVIEW = {"criterion": "No unsigned log entries", "method": "record_review"}
PASSED = {"result": "passed", "comment": "Reviewed 40 entries, all signed", "evidence": ["LOG-2026-11"]}


def _plan(client: TestClient, capa_id: str, qm: dict[str, str], start: dt.date, end: dt.date) -> Any:
    body = {**REVIEW, "window_start": start.isoformat(), "window_end": end.isoformat()}
    return client.post(f"/api/capas/{capa_id}/effectiveness", json=body, headers=qm)


def _closure(client: TestClient, capa_id: str, who: dict[str, str]) -> dict[str, Any]:
    reply = client.get(f"/api/capas/{capa_id}/closure", headers=who)
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


def _opened_days_ago(database: Database, capa_id: str, days: int) -> None:
    """Move the CAPA's opening back in time, as if it had been opened `days` ago."""
    with database.transaction() as session:
        row = session.get(CapaRow, capa_id)
        assert row is not None
        row.created_at = row.created_at - dt.timedelta(days=days)


@pytest.mark.req("CAP-020")
def test_a_window_that_ends_before_the_capa_was_opened_is_refused_naming_window_end(
    client: TestClient, as_user: dict[str, dict[str, str]], tablets: list[Tablet]
) -> None:
    qm = as_user["quinn"]
    capa_id = open_capa(client, qm, tablets[0]).capa_id
    work_through(client, capa_id, as_user["owen"])

    status, code, message = error_of(_plan(client, capa_id, qm, dt.date(2020, 1, 1), dt.date(2020, 2, 1)))

    assert (status, code) == (422, "invalid_field")
    assert message.startswith("window_end: the window ends on 2020-02-01, before CAPA")
    capa = client.get(f"/api/capas/{capa_id}", headers=qm).json()
    assert capa["effectiveness_checks"] == []
    assert _closure(client, capa_id, qm)["ready_to_close"] is False


@pytest.mark.req("CAP-020")
def test_a_window_that_ends_before_the_action_was_implemented_is_refused_at_planning(
    client: TestClient, database: Database, as_user: dict[str, dict[str, str]], tablets: list[Tablet]
) -> None:
    qm = as_user["quinn"]
    capa_id = open_capa(client, qm, tablets[0]).capa_id
    _opened_days_ago(database, capa_id, 60)
    work_through(client, capa_id, as_user["owen"])  # the corrective action is implemented today

    reply = _plan(client, capa_id, qm, TODAY - dt.timedelta(days=30), TODAY - dt.timedelta(days=1))

    status, code, message = error_of(reply)
    assert (status, code) == (422, "invalid_field")
    assert message.startswith("window_end:")
    assert f"implemented on {TODAY}" in message


@pytest.mark.req("CAP-020")
def test_a_check_whose_window_ended_before_the_fix_does_not_let_the_capa_close(
    client: TestClient, database: Database, as_user: dict[str, dict[str, str]], tablets: list[Tablet]
) -> None:
    qm = as_user["quinn"]
    capa_id = open_capa(client, qm, tablets[0]).capa_id
    _opened_days_ago(database, capa_id, 60)
    planned = _plan(client, capa_id, qm, TODAY - dt.timedelta(days=40), TODAY - dt.timedelta(days=20))
    assert planned.status_code == 201, planned.text  # planned before the fix, inside the CAPA's life
    check_id = planned.json()["effectiveness_checks"][0]["id"]
    work_through(client, capa_id, as_user["owen"])  # the fix: implemented today
    reply = client.post(f"/api/capas/{capa_id}/effectiveness/{check_id}/result", json=PASSED, headers=qm)
    assert reply.status_code == 200, reply.text

    closure = _closure(client, capa_id, qm)
    refused = client.post(f"/api/capas/{capa_id}/close", json=close_body(), headers=qm)

    assert closure["ready_to_close"] is False
    [gap] = closure["missing"]
    assert (gap["code"], gap["ref"]) == ("effectiveness_passed", check_id)
    assert f"window ended on {TODAY - dt.timedelta(days=20)}" in gap["message"]
    assert f"implemented on {TODAY}" in gap["message"]
    assert error_of(refused)[:2] == (409, "closure_gates")
    assert client.get(f"/api/capas/{capa_id}", headers=qm).json()["stage"] == "effectiveness"


@pytest.mark.req("CAP-020")
def test_a_check_passed_before_the_action_was_implemented_counts_only_once_a_new_check_passes(
    client: TestClient, as_user: dict[str, dict[str, str]], tablets: list[Tablet]
) -> None:
    qm, owner = as_user["quinn"], as_user["owen"]
    capa_id = open_capa(client, qm, tablets[0]).capa_id
    capa = work_through(client, capa_id, owner)
    action_id = capa["actions"][0]["id"]
    back = {"status": "in_progress"}
    assert (
        client.patch(f"/api/capas/{capa_id}/actions/{action_id}", json=back, headers=owner).status_code == 200
    )
    early = pass_desk_check(client, capa_id, qm)  # passed while the fix was not in place
    done = {"status": "implemented"}
    assert (
        client.patch(f"/api/capas/{capa_id}/actions/{action_id}", json=done, headers=owner).status_code == 200
    )

    before = _closure(client, capa_id, qm)
    pass_desk_check(client, capa_id, qm)
    after = _closure(client, capa_id, qm)

    assert before["ready_to_close"] is False
    assert [(g["code"], g["ref"]) for g in before["missing"]] == [("effectiveness_passed", early)]
    assert "its result was recorded before" in before["missing"][0]["message"]
    assert (after["ready_to_close"], after["missing"]) == (True, [])
    closed = client.post(f"/api/capas/{capa_id}/close", json=close_body(), headers=qm)
    assert closed.status_code == 200, closed.text
    assert closed.json()["stage"] == "closed"
