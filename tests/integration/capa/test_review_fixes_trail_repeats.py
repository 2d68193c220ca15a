"""A check failed by the field or by a repeat is trailed with its real old values; a finding edited after
it synced onto a watched clause, site and grade is a repeat like a new one."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from auditapp.domain import drafts
from auditapp.domain.events import DomainEvent
from tests.integration.capa.conftest import OpenedCapa, Tablet, open_capa, work_through

TODAY = dt.datetime.now(dt.UTC).date()


def _now_on(tablets: list[Tablet]) -> None:
    for tablet in tablets:
        tablet.wall_ms = int(time.time() * 1000)


def _capa_with_check(
    client: TestClient, as_user: dict[str, dict[str, str]], tablets: list[Tablet], method: str
) -> tuple[OpenedCapa, str]:
    """A CAPA from a finding at Plant 2, worked through, with a check of `method` whose window is open."""
    _now_on(tablets)
    opened = open_capa(client, as_user["quinn"], tablets[0])
    tablets[1].push([tablets[1].plan(str(uuid.uuid4()), site="Plant 2")])  # b audits the site too
    work_through(client, opened.capa_id, as_user["owen"])
    body = {
        "criterion": "Every gowning log entry signed",
        "method": method,
        "window_start": (TODAY - dt.timedelta(days=1)).isoformat(),
        "window_end": (TODAY + dt.timedelta(days=30)).isoformat(),
    }
    reply = client.post(f"/api/capas/{opened.capa_id}/effectiveness", json=body, headers=as_user["quinn"])
    assert reply.status_code == 201, reply.text
    return opened, str(reply.json()["effectiveness_checks"][-1]["id"])


def _failed_entry(client: TestClient, qm: dict[str, str], check_id: str) -> dict[str, Any]:
    """The changes of the check's one `failed` entry, as the quality app reads the trail."""
    reply = client.get(f"/api/trail/effectiveness_check/{check_id}", headers=qm)
    assert reply.status_code == 200, reply.text
    failed = [e for e in reply.json()["items"] if e["action"] == "failed"]
    assert len(failed) == 1, reply.json()["items"]
    return dict(failed[0]["changes"])


def _when(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _check(client: TestClient, qm: dict[str, str], capa_id: str, check_id: str) -> dict[str, Any]:
    capa = client.get(f"/api/capas/{capa_id}", headers=qm).json()
    return next(c for c in capa["effectiveness_checks"] if c["id"] == check_id)


@pytest.mark.req("CAP-017", "QAP-034")
def test_not_effective_from_the_field_trails_the_pending_result_and_every_field_it_set(
    client: TestClient, as_user: dict[str, dict[str, str]], tablets: list[Tablet]
) -> None:
    qm = as_user["quinn"]
    b = tablets[1]
    opened, check_id = _capa_with_check(client, as_user, tablets, "field_reverification")
    task = b.messages("effectiveness_task")[0]
    draft = drafts.effectiveness_recorded(
        str(task["task_id"]),
        opened.capa_id,
        check_id,
        opened.finding_id,
        "not_effective",
        "Two entries unsigned on the floor",
        ["note-77"],
    )
    b.push([b.make(str(uuid.uuid4()), draft.kind, draft.payload)])

    changes = _failed_entry(client, qm, check_id)
    check = _check(client, qm, opened.capa_id, check_id)
    assert changes["result"] == ["pending", "failed"]
    assert changes["comment"] == ["", "Two entries unsigned on the floor"]
    assert changes["decided_by"] == [None, f"device:{b.device_id}"]
    assert changes["decided_at"][0] is None
    assert _when(changes["decided_at"][1]) == _when(check["decided_at"])
    assert (check["result"], check["decided_by"]) == ("failed", f"device:{b.device_id}")


@pytest.mark.req("CAP-017", "QAP-034")
def test_a_repeat_finding_trails_the_checks_real_old_result(
    client: TestClient, as_user: dict[str, dict[str, str]], tablets: list[Tablet]
) -> None:
    qm = as_user["quinn"]
    b = tablets[1]
    opened, check_id = _capa_with_check(client, as_user, tablets, "record_review")
    walk = str(uuid.uuid4())
    b.push([b.plan(walk, site="Plant 2"), b.raise_finding(walk, statement="Gowning log unsigned again")])

    changes = _failed_entry(client, qm, check_id)
    check = _check(client, qm, opened.capa_id, check_id)
    assert changes["result"] == ["pending", "failed"]  # never "passed": nobody passed it
    assert changes["comment"] == ["", check["comment"]]
    assert "Gowning log unsigned again" in check["comment"]
    assert changes["decided_by"] == [None, "system"]
    assert changes["decided_at"][0] is None
    assert _when(changes["decided_at"][1]) == _when(check["decided_at"])


def _repeat_of(client: TestClient, qm: dict[str, str], raised: DomainEvent) -> tuple[bool, str | None]:
    found = client.get(f"/api/findings/{raised.payload['finding_id']}", headers=qm).json()
    return found["repeat"], found["repeat_capa_id"]


def _stage(client: TestClient, qm: dict[str, str], capa_id: str) -> tuple[str, int]:
    capa = client.get(f"/api/capas/{capa_id}", headers=qm).json()
    return capa["stage"], capa["round"]


@pytest.mark.req("CAP-015")
def test_an_observation_regraded_to_a_nonconformity_after_it_synced_is_a_repeat_and_reopens(
    client: TestClient, as_user: dict[str, dict[str, str]], tablets: list[Tablet]
) -> None:
    qm = as_user["quinn"]
    b = tablets[1]
    opened, _ = _capa_with_check(client, as_user, tablets, "record_review")
    walk, away = str(uuid.uuid4()), str(uuid.uuid4())
    observation = b.raise_finding(walk, grade="observation")
    elsewhere = b.raise_finding(away, grade="observation")
    b.push([b.plan(walk, site="Plant 2"), observation, b.plan(away, site="Plant 5"), elsewhere])
    assert _stage(client, qm, opened.capa_id) == ("effectiveness", 0)

    b.push([b.edit(elsewhere, "grade", "major_nc")])  # another site: not a repeat
    assert _stage(client, qm, opened.capa_id) == ("effectiveness", 0)
    assert _repeat_of(client, qm, elsewhere) == (False, None)

    b.push([b.edit(observation, "grade", "minor_nc")])
    assert _repeat_of(client, qm, observation) == (True, opened.capa_id)
    capa = client.get(f"/api/capas/{opened.capa_id}", headers=qm).json()
    assert (capa["stage"], capa["round"]) == ("reopened", 1)
    assert capa["reopenings"][0]["reason"] == "repeat_finding"
    assert capa["reopenings"][0]["finding_id"] == observation.payload["finding_id"]


@pytest.mark.req("CAP-015")
def test_a_finding_whose_clause_is_corrected_to_the_watched_one_is_a_repeat_and_reopens(
    client: TestClient, as_user: dict[str, dict[str, str]], tablets: list[Tablet]
) -> None:
    qm = as_user["quinn"]
    b = tablets[1]
    opened, _ = _capa_with_check(client, as_user, tablets, "record_review")
    walk = str(uuid.uuid4())
    mislabelled = b.raise_finding(walk, clause="7.5.1", grade="major_nc")
    b.push([b.plan(walk, site="Plant 2"), mislabelled])
    assert _stage(client, qm, opened.capa_id) == ("effectiveness", 0)
    assert _repeat_of(client, qm, mislabelled) == (False, None)

    b.push([b.edit(mislabelled, "clause", "6.4.1")])
    assert _repeat_of(client, qm, mislabelled) == (True, opened.capa_id)
    assert _stage(client, qm, opened.capa_id) == ("reopened", 1)


@pytest.mark.req("CAP-017", "QAP-034")
@pytest.mark.parametrize("result", ["passed", "failed"])
def test_a_result_recorded_at_the_desk_trails_its_evidence_and_who_decided(
    client: TestClient, as_user: dict[str, dict[str, str]], tablets: list[Tablet], result: str
) -> None:
    qm = as_user["quinn"]
    opened, check_id = _capa_with_check(client, as_user, tablets, "record_review")
    body = {"result": result, "comment": "30 days of logs reviewed", "evidence": ["GL-2027-01", "GL-2027-02"]}
    reply = client.post(f"/api/capas/{opened.capa_id}/effectiveness/{check_id}/result", json=body, headers=qm)
    assert reply.status_code == 200, reply.text

    trail = client.get(f"/api/trail/effectiveness_check/{check_id}", headers=qm).json()["items"]
    [decided] = [e for e in trail if e["action"] == "decided"]
    changes = decided["changes"]
    assert changes["result"] == ["pending", result]
    assert changes["comment"] == ["", "30 days of logs reviewed"]
    assert changes["evidence"] == [[], ["GL-2027-01", "GL-2027-02"]]
    assert changes["decided_by"][1] == _check(client, qm, opened.capa_id, check_id)["decided_by"]
    assert changes["decided_at"][0] is None
    assert _when(changes["decided_at"][1]).tzinfo is not None
    assert not [e for e in trail if e["action"] == "failed"]  # one entry for one decision
