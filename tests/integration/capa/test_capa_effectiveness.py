"""Effectiveness in the field: tasks when a window opens, results from devices, repeats, prior findings."""

from __future__ import annotations

import datetime as dt
import time
import uuid

import pytest
from fastapi.testclient import TestClient

from auditapp.central import auth
from auditapp.central.database import Database
from auditapp.central.effectiveness_tasks import evaluate_windows
from auditapp.central.effectiveness_tick import tick
from auditapp.central.tables import Device
from auditapp.domain import drafts
from auditapp.domain.events import EventKind
from auditapp.domain.evidence import EvidenceTarget
from tests.integration.capa.conftest import (
    OpenedCapa,
    Tablet,
    close_body,
    open_capa,
    work_through,
)

TODAY = dt.datetime.now(dt.UTC).date()


def _tablet(database: Database, user_id: str) -> Tablet:
    device_id = f"tablet-x-{uuid.uuid4().hex[:8]}"
    with database.transaction() as session:
        session.add(Device(id=device_id, user_id=user_id, name="x", status="active", created_at=auth.now()))
    return Tablet(database, device_id)


def _field_capa(
    client: TestClient, as_user: dict[str, dict[str, str]], tablets: list[Tablet], start: dt.date
) -> tuple[OpenedCapa, str]:
    """A CAPA from a finding with a photo, worked through, with a field check whose window starts `start`."""
    a, b = tablets
    for tablet in tablets:
        tablet.wall_ms = int(time.time() * 1000)
    opened = open_capa(client, as_user["quinn"], a)
    photo = drafts.photo_attached(
        "photo-1",
        EvidenceTarget.finding(opened.finding_id),
        sha256="c" * 64,
        thumbnail_sha256="d" * 64,
        width=640,
        height=480,
        captured_at=None,
        gps=None,
        caption="Unsigned page",
    )
    a.push([a.make(opened.audit_id, photo.kind, photo.payload)])
    other_audit = str(uuid.uuid4())
    b.push([b.plan(other_audit, site="Plant 2")])  # b has audited the site too
    work_through(client, opened.capa_id, as_user["owen"])
    body = {
        "criterion": "Every gowning log entry signed",
        "method": "field_reverification",
        "window_start": start.isoformat(),
        "window_end": (start + dt.timedelta(days=30)).isoformat(),
    }
    reply = client.post(f"/api/capas/{opened.capa_id}/effectiveness", json=body, headers=as_user["quinn"])
    assert reply.status_code == 201, reply.text
    return opened, str(reply.json()["effectiveness_checks"][-1]["id"])


def _answer(tablet: Tablet, task: dict[str, object], result: str, evidence: list[str] | None = None) -> str:
    walkthrough = str(uuid.uuid4())
    draft = drafts.effectiveness_recorded(
        str(task["task_id"]),
        str(task["capa_id"]),
        str(task["check_id"]),
        str(dict(task["finding"])["id"]),  # type: ignore[call-overload]
        result,
        "Seen on the floor today",
        evidence or [],
    )
    event = tablet.make(walkthrough, draft.kind, draft.payload)
    tablet.push([event])
    return event.event_id


@pytest.mark.req("CAP-013")
def test_a_window_that_opens_queues_one_task_per_device_of_the_site(
    client: TestClient,
    as_user: dict[str, dict[str, str]],
    tablets: list[Tablet],
    database: Database,
    user_ids: dict[str, str],
) -> None:
    elsewhere = _tablet(database, user_ids["ana"])
    elsewhere.push([elsewhere.plan(str(uuid.uuid4()), site="Plant 3")])
    opened, check_id = _field_capa(client, as_user, tablets, TODAY)

    for tablet in tablets:
        tasks = tablet.messages("effectiveness_task")
        assert len(tasks) == 1
        task = tasks[0]
        assert (task["capa_id"], task["check_id"], task["site"]) == (opened.capa_id, check_id, "Plant 2")
        assert task["criterion"] == "Every gowning log entry signed"
        assert (task["window_start"], task["capa_title"]) == (TODAY.isoformat(), "Gowning log gaps")
        assert task["finding"]["id"] == opened.finding_id
        assert task["finding"]["clause"] == "6.4.1"
        assert task["photos"] == [{"sha256": "c" * 64, "blob_id": None, "caption": "Unsigned page"}]
    assert elsewhere.messages("effectiveness_task") == []

    client.get(f"/api/capas/{opened.capa_id}", headers=as_user["vic"])
    tick(database, with_top_up=True)
    tick(database)
    assert [len(t.messages("effectiveness_task")) for t in tablets] == [1, 1]
    listed = client.get(
        "/api/effectiveness-checks", params={"method": "field_reverification"}, headers=as_user["vic"]
    ).json()["items"]
    assert [(c["id"], len(c["tasks"]), c["tasks"][0]["device_count"]) for c in listed] == [(check_id, 1, 2)]

    newcomer = _tablet(database, user_ids["ana"])
    newcomer.push([newcomer.plan(str(uuid.uuid4()), site="Plant 2")])
    tick(database, with_top_up=True)
    assert len(newcomer.messages("effectiveness_task")) == 1


@pytest.mark.req("CAP-013")
def test_a_future_window_queues_nothing_until_it_opens(
    client: TestClient, as_user: dict[str, dict[str, str]], tablets: list[Tablet], database: Database
) -> None:
    start = TODAY + dt.timedelta(days=3)
    _field_capa(client, as_user, tablets, start)
    tick(database)
    assert tablets[0].messages("effectiveness_task") == []
    with database.transaction() as session:
        assert evaluate_windows(session, day=start) == 1
    with database.transaction() as session:
        assert evaluate_windows(session, day=start) == 0
    assert len(tablets[0].messages("effectiveness_task")) == 1


@pytest.mark.req("CAP-014")
def test_effective_in_the_field_passes_the_check_and_closes_the_task_elsewhere(
    client: TestClient, as_user: dict[str, dict[str, str]], tablets: list[Tablet]
) -> None:
    a, b = tablets
    opened, _ = _field_capa(client, as_user, tablets, TODAY)
    task = a.messages("effectiveness_task")[0]
    _answer(a, task, "effective")
    capa = client.get(f"/api/capas/{opened.capa_id}", headers=as_user["quinn"]).json()
    check = capa["effectiveness_checks"][0]
    assert (check["result"], check["decided_by"]) == ("passed", f"device:{a.device_id}")
    assert check["tasks"][0]["result"] == "effective"
    assert b.messages("task_closed") == [{"kind": "task_closed", "task_id": task["task_id"]}]
    assert a.messages("task_closed") == []
    assert capa["ready_to_close"] is True
    closed = client.post(f"/api/capas/{opened.capa_id}/close", json=close_body(), headers=as_user["quinn"])
    assert closed.json()["stage"] == "closed"


@pytest.mark.req("CAP-014")
def test_not_effective_reopens_the_capa_linked_to_the_evidence(
    client: TestClient, as_user: dict[str, dict[str, str]], tablets: list[Tablet]
) -> None:
    a, b = tablets
    opened, check_id = _field_capa(client, as_user, tablets, TODAY)
    task = b.messages("effectiveness_task")[0]
    event_id = _answer(b, task, "not_effective", ["note-77", "photo-78"])
    capa = client.get(f"/api/capas/{opened.capa_id}", headers=as_user["quinn"]).json()
    assert (capa["stage"], capa["round"]) == ("reopened", 1)
    reopening = capa["reopenings"][0]
    assert (reopening["reason"], reopening["check_id"], reopening["event_id"]) == (
        "not_effective",
        check_id,
        event_id,
    )
    assert reopening["evidence_ids"] == ["note-77", "photo-78"]
    assert reopening["finding_id"] == opened.finding_id
    assert reopening["actor"] == f"device:{b.device_id}"
    assert capa["effectiveness_checks"][0]["result"] == "failed"
    assert a.messages("task_closed") == [{"kind": "task_closed", "task_id": task["task_id"]}]

    _answer(a, a.messages("effectiveness_task")[0], "effective")  # too late: the first answer counts
    again = client.get(f"/api/capas/{opened.capa_id}", headers=as_user["quinn"]).json()
    assert (again["stage"], again["effectiveness_checks"][0]["result"]) == ("reopened", "failed")


@pytest.mark.req("CAP-015")
def test_a_new_nonconformity_on_the_clause_inside_the_window_reopens_and_counts_as_a_repeat(
    client: TestClient, as_user: dict[str, dict[str, str]], tablets: list[Tablet], database: Database
) -> None:
    b = tablets[1]
    qm = as_user["quinn"]
    opened, check_id = _field_capa(client, as_user, tablets, TODAY - dt.timedelta(days=1))
    result = {"result": "passed", "comment": "Records reviewed as well", "evidence": []}
    client.post(f"/api/capas/{opened.capa_id}/effectiveness/{check_id}/result", json=result, headers=qm)
    assert (
        client.post(f"/api/capas/{opened.capa_id}/close", json=close_body(), headers=qm).json()["stage"]
        == "closed"
    )

    walk = str(uuid.uuid4())
    observation = b.raise_finding(walk, grade="observation")
    elsewhere = b.raise_finding(str(uuid.uuid4()), grade="major_nc")
    b.push([b.plan(walk, site="Plant 2"), observation])
    b.push([b.plan(str(elsewhere.audit_id), site="Plant 5"), elsewhere])
    assert client.get(f"/api/capas/{opened.capa_id}", headers=qm).json()["stage"] == "closed"

    repeat = b.raise_finding(walk, grade="minor_nc", statement="Two entries unsigned again")
    b.push([repeat])
    capa = client.get(f"/api/capas/{opened.capa_id}", headers=qm).json()
    assert (capa["stage"], capa["closed_at"], capa["signature_valid"]) == ("reopened", None, False)
    assert capa["reopenings"][0]["reason"] == "repeat_finding"
    assert capa["reopenings"][0]["finding_id"] == repeat.payload["finding_id"]
    found = client.get(f"/api/findings/{repeat.payload['finding_id']}", headers=qm).json()
    assert (found["repeat"], found["repeat_capa_id"]) == (True, opened.capa_id)
    assert (
        client.get(f"/api/findings/{observation.payload['finding_id']}", headers=qm).json()["repeat"] is False
    )
    assert (
        client.get(f"/api/findings/{elsewhere.payload['finding_id']}", headers=qm).json()["repeat"] is False
    )
    source = client.get(f"/api/findings/{opened.finding_id}", headers=qm).json()
    assert source["status"] == "capa"
    repeats = client.get("/api/findings", params={"repeat": "true"}, headers=qm).json()["items"]
    assert [f["id"] for f in repeats] == [repeat.payload["finding_id"]]


@pytest.mark.req("CAP-016")
def test_planning_an_audit_at_a_site_with_history_sends_its_prior_findings_and_open_capas(
    client: TestClient, as_user: dict[str, dict[str, str]], tablets: list[Tablet]
) -> None:
    a, b = tablets
    opened = open_capa(client, as_user["quinn"], a)
    due = (TODAY + dt.timedelta(days=10)).isoformat()
    action = {"kind": "corrective", "description": "Add a signature step", "due_date": due}
    client.post(f"/api/capas/{opened.capa_id}/actions", json=action, headers=as_user["owen"])
    planned = str(uuid.uuid4())
    b.push([b.plan(planned, site="Plant 2")])
    records = b.messages("prior_findings")
    assert len(records) == 1
    record = records[0]
    assert (record["audit_id"], record["site"]) == (planned, "Plant 2")
    assert [(f["id"], f["capa_id"], f["capa_status"], f["status"]) for f in record["findings"]] == [
        (opened.finding_id, opened.capa_id, "open", "capa")
    ]
    [capa] = record["capas"]
    opened_at = dt.datetime.fromisoformat(capa.pop("created_at"))  # when the store opened it (readiness)
    assert opened_at.date() == dt.datetime.now(dt.UTC).date()
    assert capa == {
        "id": opened.capa_id,
        "title": "Gowning log gaps",
        "stage": "open",
        "clauses": ["6.4.1"],
        "due": due,
    }
    assert a.messages("prior_findings") == []
    b.push([b.plan(str(uuid.uuid4()), site="Plant 9")])
    assert len(b.messages("prior_findings")) == 1
    b.push(
        [b.make(planned, EventKind.MEETING_NOTE_RECORDED, {"meeting": "opening", "text": "ok", "base": None})]
    )
    assert len(b.messages("prior_findings")) == 1


@pytest.mark.req("CAP-016")
def test_a_plan_whose_site_is_corrected_in_the_same_push_gets_the_corrected_sites_history(
    client: TestClient, as_user: dict[str, dict[str, str]], tablets: list[Tablet]
) -> None:
    a, b = tablets
    opened = open_capa(client, as_user["quinn"], a)  # history at Plant 2
    planned = str(uuid.uuid4())
    plan = b.plan(planned, site="Plant 9")
    edit = {"field": "site", "value": "Plant 2", "base": plan.hlc.to_text()}
    b.push([plan, b.make(planned, EventKind.AUDIT_PLAN_EDITED, edit)])

    records = b.messages("prior_findings")
    assert [(r["audit_id"], r["site"]) for r in records] == [(planned, "Plant 2")]
    assert [f["id"] for f in records[0]["findings"]] == [opened.finding_id]
