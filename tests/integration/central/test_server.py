"""The central store over real HTTP on loopback, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date

import pytest
import requests

from auditapp.domain.clock import HybridClock
from auditapp.domain.events import EventFactory, EventKind
from auditapp.domain.plan import AuditPlan, AuditType, ChecklistRef
from sync.batch import Record
from tests.integration.sync_e2e.devices import enroll, login
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


@pytest.mark.req("CEN-001")
@pytest.mark.req("CEN-005")
def test_every_data_route_refuses_a_caller_without_a_token(central: Running) -> None:
    for path in ("/api/findings", "/api/audits", "/api/audits/x/responses"):
        reply = requests.get(f"{central.url}{path}", timeout=10)
        assert reply.status_code == 401
        assert reply.json()["error"]["code"] == "not_authenticated"
    reply = requests.post(f"{central.url}/sync/v1/pull", data=b"{}", timeout=10)
    assert reply.status_code == 400
    assert reply.json()["error"]["code"] == "malformed"


@pytest.mark.req("CEN-001")
def test_wrong_password_is_refused_with_a_clear_code(central: Running) -> None:
    reply = requests.post(
        f"{central.url}/api/auth/login", json={"username": "admin", "password": "nope"}, timeout=10
    )
    assert reply.status_code == 401
    assert reply.json()["error"]["code"] == "bad_credentials"


@pytest.mark.req("CEN-002")
def test_pushed_answer_and_finding_are_listed_once_even_when_resent(central: Running) -> None:
    tablet = enroll(central)
    device_id = tablet.device_id
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
    envelope = tablet.seal(events)
    first = tablet.post(envelope)
    assert first.status_code == 200, first.text
    assert first.json()["new"] == 3
    again = tablet.post(envelope)
    assert again.status_code == 200, again.text
    assert again.json()["acknowledged"] == [e.event_id for e in events]
    assert (again.json()["new"], again.json()["resend"]) == (0, True)
    in_new_envelope = tablet.push(events)
    assert (in_new_envelope.json()["new"], in_new_envelope.json()["duplicates"]) == (0, 3)

    user = login(central)
    audits = requests.get(f"{central.url}/api/audits", headers=user, timeout=10).json()
    assert [(a["title"], a["site"]) for a in audits] == [("Cleanroom walk", "Plant 2")]
    findings = requests.get(f"{central.url}/api/findings", headers=user, timeout=10).json()["items"]
    assert [(f["id"], f["clause"], f["grade"], f["status"]) for f in findings] == [
        (finding_id, "6.4.1", "minor_nc", "new")
    ]
    answers = requests.get(f"{central.url}/api/audits/{audit_id}/responses", headers=user, timeout=10).json()
    assert [(a["item_id"], a["answer"]) for a in answers] == [("iso13485-6.4.1-01", "nonconforming")]


@pytest.mark.req("CEN-003")
@pytest.mark.req("SYN-103")
def test_known_event_id_with_other_content_is_refused_and_changes_nothing(central: Running) -> None:
    tablet = enroll(central)
    device_id = tablet.device_id
    factory = EventFactory(device_id, HybridClock(device_id))
    audit_id = str(uuid.uuid4())
    event = factory.make(
        audit_id, EventKind.RESPONSE_RECORDED, {"item_id": "i-1", "clause": "7.5.1", "answer": "conforming"}
    )
    assert tablet.push([event]).ok
    forged = replace(event, payload={"item_id": "i-1", "clause": "7.5.1", "answer": "nonconforming"})
    reply = tablet.push([forged])
    assert reply.status_code == 409
    assert reply.json()["error"]["code"] == "conflicting_event"
    answers = requests.get(
        f"{central.url}/api/audits/{audit_id}/responses", headers=login(central), timeout=10
    )
    assert answers.status_code == 200, answers.text
    assert [a["answer"] for a in answers.json()] == ["conforming"]


@pytest.mark.req("CEN-004")
@pytest.mark.req("SYN-103")
def test_malformed_event_in_a_sealed_envelope_is_refused_naming_the_field(central: Running) -> None:
    tablet = enroll(central)
    reply = tablet.post(tablet.seal_records([Record("x", 1, b'{"event_id":"x"}')]))
    assert reply.status_code == 422
    assert reply.json()["error"]["code"] == "malformed_event"
    assert "events[0]" in reply.json()["error"]["message"]

    # A valid event before the invalid one is not applied either; the message names position and field.
    factory = EventFactory(tablet.device_id, HybridClock(tablet.device_id))
    audit_id = str(uuid.uuid4())
    planned = factory.make(audit_id, EventKind.AUDIT_PLANNED, {"plan": PLAN.to_dict()})
    invalid = factory.make(
        audit_id, EventKind.RESPONSE_RECORDED, {"item_id": "i-1", "clause": "7.5.1", "answer": "maybe"}
    )
    reply = tablet.push([planned, invalid])
    assert (reply.status_code, reply.json()["error"]["code"]) == (422, "malformed_event")
    assert reply.json()["error"]["message"].startswith("events[1]: answer: 'maybe' is not an answer")
    audits = requests.get(f"{central.url}/api/audits", headers=login(central), timeout=10)
    assert audits.status_code == 200, audits.text
    assert audits.json() == []
