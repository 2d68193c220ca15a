"""Asking for the answers of an audit the store does not hold is 404 `unknown_audit`, while an audit it
holds without answers lists none; signing out with a token that is not a session is 401 (PLT-026)."""

from __future__ import annotations

import uuid

import pytest
import requests

from auditapp.domain.clock import HybridClock
from auditapp.domain.events import EventFactory, EventKind
from tests.integration.central.test_server import PLAN
from tests.integration.sync_e2e.devices import enroll, login
from tests.support.processes import Running


@pytest.mark.req("PLT-026")
def test_answers_of_an_audit_the_store_does_not_hold_are_404_and_of_one_without_answers_empty(
    central: Running,
) -> None:
    tablet = enroll(central)
    factory = EventFactory(tablet.device_id, HybridClock(tablet.device_id))
    planned, answered_first = str(uuid.uuid4()), str(uuid.uuid4())
    events = [
        factory.make(planned, EventKind.AUDIT_PLANNED, {"plan": PLAN.to_dict()}),
        # A team mate's answer can arrive before the plan of its audit does.
        factory.make(
            answered_first,
            EventKind.RESPONSE_RECORDED,
            {"item_id": "i-1", "clause": "7.5.1", "answer": "conforming"},
        ),
    ]
    assert tablet.push(events).ok
    user = login(central)

    empty = requests.get(f"{central.url}/api/audits/{planned}/responses", headers=user, timeout=10)
    assert (empty.status_code, empty.json()) == (200, [])
    early = requests.get(f"{central.url}/api/audits/{answered_first}/responses", headers=user, timeout=10)
    assert early.status_code == 200, early.text
    assert [a["answer"] for a in early.json()] == ["conforming"]

    unknown = str(uuid.uuid4())
    missing = requests.get(f"{central.url}/api/audits/{unknown}/responses", headers=user, timeout=10)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "unknown_audit"
    assert unknown in missing.json()["error"]["message"]


@pytest.mark.req("PLT-026")
def test_signing_out_with_a_token_that_is_not_a_session_is_refused(central: Running) -> None:
    made_up = requests.post(
        f"{central.url}/api/auth/logout", headers={"Authorization": "Bearer made-up-token"}, timeout=10
    )
    assert made_up.status_code == 401
    assert made_up.json()["error"]["code"] == "invalid_token"
    no_token = requests.post(f"{central.url}/api/auth/logout", timeout=10)
    assert (no_token.status_code, no_token.json()["error"]["code"]) == (401, "not_authenticated")

    session = login(central)
    assert requests.get(f"{central.url}/api/me", headers=session, timeout=10).status_code == 200
    signed_out = requests.post(f"{central.url}/api/auth/logout", headers=session, timeout=10)
    assert signed_out.status_code == 204
    assert requests.get(f"{central.url}/api/me", headers=session, timeout=10).status_code == 401
    again = requests.post(f"{central.url}/api/auth/logout", headers=session, timeout=10)
    assert (again.status_code, again.json()["error"]["code"]) == (401, "invalid_token")
