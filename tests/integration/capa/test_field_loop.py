"""The whole loop on a real server over loopback: a finding raised on a tablet is triaged into a CAPA, the
effectiveness task reaches the tablet by pull, the auditor's 'not effective' syncs back and reopens it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from auditapp.bootstrap import LibraryChecklists
from auditapp.demo import demo_plan
from auditapp.services.field_audits import FieldAudits
from tests.integration.central.conftest import central  # noqa: F401 - the real server fixture
from tests.integration.sync_e2e.devices import issue_code, login
from tests.integration.sync_e2e.test_field_agent import Field
from tests.support.processes import Running, run_cli

PASSWORD = "quality-password-1"


def _no_photos(*_args: object) -> object:
    raise AssertionError("this test takes no photos")


@pytest.fixture
def field(central: Running, tmp_path: Path) -> Iterator[Field]:  # noqa: F811
    """A set-up field workspace syncing with the running central store."""
    made = Field(tmp_path / "field", central.url)
    try:
        yield made
    finally:
        made.ws.close()


@pytest.mark.req("CAP-013")
@pytest.mark.req("CAP-014")
@pytest.mark.req("CAP-016")
def test_a_field_finding_becomes_a_capa_whose_field_check_reopens_it(central: Running, field: Field) -> None:  # noqa: F811
    env = {**central.env, "AUDITAPP_PASSWORD": PASSWORD}  # type: ignore[attr-defined]
    made = run_cli(
        ["admin", "create-user", "quinn", "--role", "quality_manager", "--name", "Quinn Quality"], env
    )
    assert made.returncode == 0, made.stderr
    audit_id, _, finding_id = field.capture()
    field.agent.enroll(issue_code(central))
    field.ws.sync_now()
    qm = login(central, "quinn", PASSWORD)
    api = central.url

    def call(method: str, path: str, body: dict[str, object] | None = None) -> dict[str, object]:
        reply = requests.request(method, f"{api}{path}", json=body, headers=qm, timeout=30)
        assert reply.status_code in (200, 201), f"{method} {path}: {reply.text}"
        return dict(reply.json())

    opened = call(
        "POST",
        f"/api/findings/{finding_id}/triage",
        {
            "decision": "open_capa",
            "capa": {"title": "Gowning log gaps", "problem_statement": "Unsigned days"},
        },
    )
    capa = f"/api/capas/{opened['capa_id']}"
    call("PUT", f"{capa}/root-cause", {"method": "five_whys", "result": "No signature step in the SOP"})
    action = {
        "kind": "corrective",
        "description": "Signature step added",
        "status": "implemented",
        "evidence": "SOP-12 rev C",
        "document_id": "SOP-12",
        "document_revision": "C",
        "communication_record": "TR-88",
    }
    call("POST", f"{capa}/actions", action)
    call(
        "PUT",
        f"{capa}/verification",
        {"compliance_unaffected": True, "safety_performance_unaffected": True, "comment": "No effect"},
    )
    today = dt.datetime.now(dt.UTC).date()
    check = {
        "criterion": "Every gowning log entry signed",
        "method": "field_reverification",
        "window_start": today.isoformat(),
        "window_end": (today + dt.timedelta(days=30)).isoformat(),
    }
    call("POST", f"{capa}/effectiveness", check)

    walkthrough = field.ws.plan_audit(demo_plan(dt.date(2026, 12, 1)))
    field.ws.sync_now()  # pushes the new plan (prior findings come back), pulls the task
    field.ws.sync_now()
    audits = FieldAudits(lambda: field.ws.store(), LibraryChecklists(), _no_photos)  # type: ignore[arg-type, return-value]
    follow_up = audits.follow_up(walkthrough)
    assert [t.finding.finding_id for t in follow_up.tasks] == [finding_id]
    assert [f.finding_id for f in follow_up.prior_findings] == [finding_id]
    assert audit_id != walkthrough

    audits.record_effectiveness(
        walkthrough, follow_up.tasks[0].task_id, "not_effective", "Two days unsigned again"
    )
    field.ws.sync_now()
    reopened = call("GET", capa)
    assert (reopened["stage"], reopened["round"]) == ("reopened", 1)
    reopening = reopened["reopenings"][0]  # type: ignore[index]
    assert (reopening["reason"], reopening["audit_id"], reopening["finding_id"]) == (
        "not_effective",
        walkthrough,
        finding_id,
    )
