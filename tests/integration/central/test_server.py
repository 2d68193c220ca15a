"""The central store over real HTTP on loopback, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
import requests

from auditapp.central.service import open_database, register_device
from auditapp.domain.clock import HybridClock
from auditapp.domain.events import EventFactory, EventKind
from auditapp.domain.plan import AuditPlan, AuditType, ChecklistRef
from tests.integration.central.conftest import ADMIN_PASSWORD
from tests.support.processes import Running


PLAN = AuditPlan(
    title="Cleanroom walk",
    organisation="Acme Medical",
    site="Plant 2",
    audit_type=AuditType.INTERNAL,
    objectives="Verify gowning practice",
    scope="Cleanroom 2",
    criteria=(ChecklistRef("iso13485-2016", "1", "0" * 64),),
    start_date=date(2026, 11, 2),
    end_date=date(2026, 11, 3),
    lead_auditor="Ana Auditor",
)


def login(server: Running, username: str = "admin", password: str = ADMIN_PASSWORD) -> dict[str, str]:
    reply = requests.post(
        f"{server.url}/api/auth/login", json={"username": username, "password": password}, timeout=10
    )
    assert reply.status_code == 200, reply.text
    return {"Authorization": f"Bearer {reply.json()['token']}"}


def device(server: Running, database_url: str) -> tuple[str, dict[str, str]]:
    database = open_database(database_url)
    try:
        device_id, token = register_device(database, "admin", "tablet 1")
    finally:
        database.dispose()
    return device_id, {"Authorization": f"Bearer {token}"}


@pytest.mark.req("CEN-001")
def test_every_data_route_refuses_a_caller_without_a_token(central: Running) -> None:
    for path in ("/api/findings", "/api/audits", "/api/audits/x/responses"):
        reply = requests.get(f"{central.url}{path}", timeout=10)
        assert reply.status_code == 401
        assert reply.json()["error"]["code"] == "not_authenticated"
    reply = requests.post(f"{central.url}/api/sync/events", json={"events": []}, timeout=10)
    assert reply.status_code == 401


@pytest.mark.req("CEN-001")
def test_wrong_password_is_refused_with_a_clear_code(central: Running) -> None:
    reply = requests.post(
        f"{central.url}/api/auth/login", json={"username": "admin", "password": "nope"}, timeout=10
    )
    assert reply.status_code == 401
    assert reply.json()["error"]["code"] == "bad_credentials"


@pytest.mark.req("CEN-002")
def test_pushed_answer_and_finding_are_listed_once_even_when_resent(
    central: Running, database_url: str
) -> None:
    device_id, device_auth = device(central, database_url)
    factory = EventFactory(device_id, HybridClock(device_id))
    audit_id = str(uuid.uuid4())
    finding_id = str(uuid.uuid4())
    events = [
        factory.make(audit_id, EventKind.AUDIT_PLANNED, {"plan": PLAN.to_dict()}),
        factory.make(
            audit_id,
            EventKind.RESPONSE_RECORDED,
            {"item_id": "iso13485-6.4.1-01", "clause": "6.4.1", "answer": "nonconforming"},
        ),
        factory.make(
            audit_id,
            EventKind.FINDING_RAISED,
            {
                "finding_id": finding_id,
                "clause": "6.4.1",
                "grade": "minor_nc",
                "statement": "Gowning log not signed on 3 of 10 days",
                "evidence_ids": [],
            },
        ),
    ]
    body = {"events": [e.to_dict() for e in events]}
    first = requests.post(f"{central.url}/api/sync/events", json=body, headers=device_auth, timeout=10)
    assert first.status_code == 200, first.text
    assert first.json()["accepted"] == 3
    again = requests.post(f"{central.url}/api/sync/events", json=body, headers=device_auth, timeout=10)
    assert again.json() == {"acknowledged": [e.event_id for e in events], "accepted": 0, "duplicates": 3}

    user = login(central)
    audits = requests.get(f"{central.url}/api/audits", headers=user, timeout=10).json()
    assert [(a["title"], a["site"]) for a in audits] == [("Cleanroom walk", "Plant 2")]
    findings = requests.get(f"{central.url}/api/findings", headers=user, timeout=10).json()
    assert [(f["id"], f["clause"], f["grade"], f["status"]) for f in findings] == [
        (finding_id, "6.4.1", "minor_nc", "new")
    ]
    answers = requests.get(f"{central.url}/api/audits/{audit_id}/responses", headers=user, timeout=10).json()
    assert [(a["item_id"], a["answer"]) for a in answers] == [("iso13485-6.4.1-01", "nonconforming")]


@pytest.mark.req("CEN-003")
def test_known_event_id_with_other_content_is_refused_and_changes_nothing(
    central: Running, database_url: str
) -> None:
    device_id, device_auth = device(central, database_url)
    factory = EventFactory(device_id, HybridClock(device_id))
    audit_id = str(uuid.uuid4())
    event = factory.make(
        audit_id, EventKind.RESPONSE_RECORDED, {"item_id": "i-1", "clause": "7.5.1", "answer": "conforming"}
    )
    url = f"{central.url}/api/sync/events"
    assert requests.post(url, json={"events": [event.to_dict()]}, headers=device_auth, timeout=10).ok
    forged = event.to_dict() | {"payload": {"item_id": "i-1", "clause": "7.5.1", "answer": "nonconforming"}}
    reply = requests.post(url, json={"events": [forged]}, headers=device_auth, timeout=10)
    assert reply.status_code == 409
    assert reply.json()["error"]["code"] == "conflicting_event"
    answers = requests.get(
        f"{central.url}/api/audits/{audit_id}/responses", headers=login(central), timeout=10
    ).json()
    assert [a["answer"] for a in answers] == ["conforming"]


@pytest.mark.req("CEN-004")
def test_malformed_request_gets_json_error_naming_the_field(central: Running, database_url: str) -> None:
    _, device_auth = device(central, database_url)
    reply = requests.post(
        f"{central.url}/api/sync/events",
        json={"events": [{"event_id": "x"}]},
        headers=device_auth,
        timeout=10,
    )
    assert reply.status_code == 422
    assert reply.json()["error"]["code"] == "malformed_event"
    assert "events[0]" in reply.json()["error"]["message"]
