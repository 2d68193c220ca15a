"""A device whose user no longer has a field role has its pushes refused with their own code (SYN-219)."""

from __future__ import annotations

import uuid

import pytest
import requests

from auditapp.domain.clock import HybridClock
from auditapp.domain.events import EventFactory, EventKind
from tests.integration.central.test_server import PLAN
from tests.integration.sync_e2e.devices import enroll, login
from tests.support.processes import Running, run_cli


@pytest.mark.req("SYN-219")
def test_pushes_of_a_user_moved_to_a_desk_role_are_refused_until_the_role_is_given_back(
    central: Running,
) -> None:
    env = central.env  # type: ignore[attr-defined]
    made = run_cli(["admin", "create-user", "aude", "--role", "auditor"], env)
    assert made.returncode == 0, made.stderr
    tablet = enroll(central, "aude")
    factory = EventFactory(tablet.device_id, HybridClock(tablet.device_id))
    audit_id = str(uuid.uuid4())
    assert tablet.push([factory.make(audit_id, EventKind.AUDIT_PLANNED, {"plan": PLAN.to_dict()})]).ok

    assert run_cli(["admin", "set-role", "aude", "viewer"], env).returncode == 0
    edit = tablet.seal([factory.make(audit_id, EventKind.AUDIT_PLAN_EDITED, {"field": "site", "value": "X"})])
    refused = tablet.post(edit)
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"]["code"] == "role_not_in_field"
    assert "'aude', who now has the role viewer" in refused.json()["error"]["message"]
    audits = requests.get(f"{central.url}/api/audits", headers=login(central), timeout=10).json()
    assert [a["site"] for a in audits if a["id"] == audit_id] != ["X"]

    assert run_cli(["admin", "set-role", "aude", "auditor"], env).returncode == 0
    assert tablet.post(edit).status_code == 200  # what waited on the tablet is taken once the role is back
