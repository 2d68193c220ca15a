"""What is due on a CAPA: a check superseded by a reopening is nobody's to do, and an action implemented is
not late, in reminders, the field's prior findings and the CAPA log alike."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.capa.conftest import WORK_STEPS, OpenedCapa, Tablet, open_capa, work_through

TODAY = dt.datetime.now(dt.UTC).date()


@pytest.fixture(autouse=True)
def _fresh_dashboard(monkeypatch: pytest.MonkeyPatch) -> None:
    """The dashboard computes its figures on every request (read when the app is made)."""
    monkeypatch.setenv("AUDITAPP_METRICS_CACHE_SECONDS", "0")


def _plan_check(client: TestClient, qm: dict[str, str], capa_id: str, criterion: str, end: dt.date) -> str:
    body = {
        "criterion": criterion,
        "method": "record_review",
        "window_start": (TODAY - dt.timedelta(days=10)).isoformat(),
        "window_end": end.isoformat(),
    }
    reply = client.post(f"/api/capas/{capa_id}/effectiveness", json=body, headers=qm)
    assert reply.status_code == 201, reply.text
    return str(reply.json()["effectiveness_checks"][-1]["id"])


def _reopen(client: TestClient, qm: dict[str, str], capa_id: str) -> None:
    reply = client.post(f"/api/capas/{capa_id}/reopen", json={"reason": "root cause was wrong"}, headers=qm)
    assert reply.status_code == 200, reply.text


def _check_reminders(client: TestClient, who: dict[str, str]) -> list[tuple[str, str]]:
    items = client.get("/api/reminders", headers=who).json()["items"]
    return [(x["what"], x["state"]) for x in items if x["kind"] == "effectiveness_window"]


def _superseded(
    client: TestClient, as_user: dict[str, dict[str, str]], tablet: Tablet
) -> tuple[OpenedCapa, dt.date]:
    """A worked-through CAPA whose pending check (window ending in 2 days) a reopening superseded."""
    qm = as_user["quinn"]
    opened = open_capa(client, qm, tablet)
    work_through(client, opened.capa_id, as_user["owen"])
    end = TODAY + dt.timedelta(days=2)
    _plan_check(client, qm, opened.capa_id, "Logs signed", end)
    assert _check_reminders(client, as_user["owen"]) == [("Logs signed", "due")]
    _reopen(client, qm, opened.capa_id)
    return opened, end


@pytest.mark.req("PLT-012")
def test_a_check_superseded_by_a_reopening_reminds_nobody(
    client: TestClient, as_user: dict[str, dict[str, str]], tablets: list[Tablet]
) -> None:
    qm, owen = as_user["quinn"], as_user["owen"]
    opened, _ = _superseded(client, as_user, tablets[0])
    assert _check_reminders(client, owen) == []

    _plan_check(client, qm, opened.capa_id, "Logs signed, second round", TODAY + dt.timedelta(days=1))
    assert _check_reminders(client, owen) == [("Logs signed, second round", "due")]


@pytest.mark.req("CAP-016")
def test_prior_findings_give_no_due_date_from_a_superseded_check(
    client: TestClient, as_user: dict[str, dict[str, str]], tablets: list[Tablet]
) -> None:
    a, b = tablets
    opened, _ = _superseded(client, as_user, a)
    b.push([b.plan(str(uuid.uuid4()), site="Plant 2")])
    capas = b.messages("prior_findings")[-1]["capas"]
    assert [(c["id"], c["due"]) for c in capas] == [(opened.capa_id, None)]

    end = TODAY + dt.timedelta(days=20)
    _plan_check(client, as_user["quinn"], opened.capa_id, "Logs signed, second round", end)
    b.push([b.plan(str(uuid.uuid4()), site="Plant 2")])
    capas = b.messages("prior_findings")[-1]["capas"]
    assert [(c["id"], c["due"]) for c in capas] == [(opened.capa_id, end.isoformat())]


def _capa_log(client: TestClient, qm: dict[str, str], audit_id: str) -> list[dict[str, Any]]:
    reply = client.get(
        f"/api/audits/{audit_id}/report", params={"format": "csv", "table": "capas"}, headers=qm
    )
    assert reply.status_code == 200, reply.text
    rows = list(csv.DictReader(io.StringIO(reply.content.decode("utf-8-sig"))))
    return [{k: row[k] for k in ("capa_id", "due_on", "overdue")} for row in rows]


def _overdue_actions(client: TestClient, qm: dict[str, str]) -> int:
    return int(client.get("/api/metrics", headers=qm).json()["overdue_actions"])


@pytest.mark.req("REP-006")
def test_the_capa_log_is_not_overdue_for_actions_already_implemented(
    client: TestClient, as_user: dict[str, dict[str, str]], tablets: list[Tablet]
) -> None:
    qm, owen = as_user["quinn"], as_user["owen"]
    opened = open_capa(client, qm, tablets[0])
    late = (TODAY - dt.timedelta(days=3)).isoformat()
    for method, path, body in WORK_STEPS:
        if path == "actions":
            body = {**body, "due_date": late}  # implemented, three days after it was due
        reply = client.request(method, f"/api/capas/{opened.capa_id}/{path}", json=body, headers=owen)
        assert reply.status_code in (200, 201), reply.text
    mine = {"capa_id": opened.capa_id}
    assert _capa_log(client, qm, opened.audit_id) == [{**mine, "due_on": "", "overdue": "no"}]
    assert _overdue_actions(client, qm) == 0

    end = TODAY + dt.timedelta(days=30)
    _plan_check(client, qm, opened.capa_id, "Logs signed", end)
    assert _capa_log(client, qm, opened.audit_id) == [{**mine, "due_on": end.isoformat(), "overdue": "no"}]

    yesterday = (TODAY - dt.timedelta(days=1)).isoformat()
    action = {"kind": "preventive", "description": "Audit the other lines", "due_date": yesterday}
    reply = client.post(f"/api/capas/{opened.capa_id}/actions", json=action, headers=owen)
    assert reply.status_code in (200, 201), reply.text
    assert _capa_log(client, qm, opened.audit_id) == [{**mine, "due_on": yesterday, "overdue": "yes"}]
    assert _overdue_actions(client, qm) == 1
