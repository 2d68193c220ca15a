"""The dashboard's figures from GET /api/metrics, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from auditapp.central.auth import now
from auditapp.central.database import Database
from auditapp.central.tables import Audit, Finding
from tests.integration.platform.capa_rows import action_row as _action
from tests.integration.platform.capa_rows import capa_row as _capa
from tests.integration.platform.capa_rows import check_row as _check


def _finding(audit: str, grade: str, clause: str, process: str, repeat: bool, status: str = "new") -> Finding:
    return Finding(
        id=str(uuid.uuid4()),
        audit_id=audit,
        grade=grade,
        clause=clause,
        process=process,
        repeat=repeat,
        status=status,
        hlc="0",
        created_at=now(),
    )


@pytest.mark.req("PLT-011")
def test_metrics_count_capas_actions_checks_and_findings(
    client: TestClient, headers: dict[str, dict[str, str]], users: dict[str, str], database: Database
) -> None:
    owner = users["capa_owner"]
    today = now().date()
    with database.transaction() as s:
        capas = [
            _capa(owner, "action", 5),
            _capa(owner, "action", 45),
            _capa(owner, "investigation", 75),
            _capa(owner, "effectiveness", 200),
            _capa(owner, "closed", 300),
        ]
        s.add_all(capas)
        s.flush()
        s.add_all(
            [
                _action(capas[0], owner, "planned", today - timedelta(days=1)),
                _action(capas[0], owner, "in_progress", today - timedelta(days=10)),
                _action(capas[1], owner, "implemented", today - timedelta(days=10)),
                _action(capas[1], owner, "planned", today + timedelta(days=3)),
                _action(capas[1], owner, "planned", None),
                _check(capas[3], "passed"),
                _check(capas[4], "passed"),
                _check(capas[4], "failed"),
                _check(capas[2], "pending"),
            ]
        )
        s.add_all(
            [
                Audit(id="a1", title="Cleanroom", site="Plant 2", hlc="2"),
                Audit(id="a2", title="Warehouse", site="Plant 1", hlc="1"),
                _finding("a1", "major_nc", "7.5.6", "Production", True),
                _finding("a1", "minor_nc", "7.5.6", "Production", True),
                _finding("a1", "minor_nc", "8.2.4", "Measurement", False),
                _finding("a2", "minor_nc", "4.2.4", "Documents", True),
                _finding("a2", "observation", "4.2.4", "Documents", True, status="duplicate"),
            ]
        )
    reply = client.get("/api/metrics", headers=headers["viewer"])
    assert reply.status_code == 200, reply.text
    m = reply.json()
    assert m["open_capas_by_stage"] == {"action": 2, "investigation": 1, "effectiveness": 1}
    assert m["open_capas"] == 4
    assert m["overdue_actions"] == 2
    assert m["capa_age"] == {"0-30 days": 1, "31-60 days": 1, "61-90 days": 1, "over 90 days": 1}
    assert (m["effectiveness_passed"], m["effectiveness_failed"]) == (2, 1)
    assert m["effectiveness_pass_rate"] == pytest.approx(2 / 3, abs=1e-3)
    assert m["repeat_findings_by_clause"] == {"7.5.6": 2, "4.2.4": 1}
    assert m["repeat_findings_by_process"] == {"Production": 2, "Documents": 1}
    assert m["findings_by_grade"] == {"major_nc": 1, "minor_nc": 3}
    assert m["audits_with_findings"] == 2
    assert m["findings_per_audit_by_grade"] == {"major_nc": 0.5, "minor_nc": 1.5}
    assert [(a["audit_id"], a["grades"]) for a in m["recent_audits"]] == [
        ("a1", {"major_nc": 1, "minor_nc": 2}),
        ("a2", {"minor_nc": 1}),
    ]


@pytest.mark.req("PLT-011")
def test_metrics_of_an_empty_store_are_zero_not_errors(
    client: TestClient, headers: dict[str, dict[str, str]]
) -> None:
    m = client.get("/api/metrics", headers=headers["auditor"]).json()
    assert m["open_capas"] == 0
    assert m["effectiveness_pass_rate"] is None
    assert m["capa_age"] == {"0-30 days": 0, "31-60 days": 0, "61-90 days": 0, "over 90 days": 0}
    assert m["findings_per_audit_by_grade"] == {}


@pytest.mark.req("PLT-011")
def test_metrics_follow_changes_once_the_cache_expires(
    client: TestClient,
    headers: dict[str, dict[str, str]],
    users: dict[str, str],
    database: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AUDITAPP_METRICS_CACHE_SECONDS", "0")
    assert client.get("/api/metrics", headers=headers["viewer"]).json()["open_capas"] == 0
    with database.transaction() as s:
        s.add(_capa(users["capa_owner"], "open", 1))
    assert client.get("/api/metrics", headers=headers["viewer"]).json()["open_capas_by_stage"] == {"open": 1}
