"""Inputs the CAPA store once mishandled: the open CAPAs offered for linking a finding, misspelt action
fields, and a signature's local time at the ends of the calendar."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

import pytest
from fastapi.testclient import TestClient

from auditapp.central.database import Database
from auditapp.services.quality import capa_work, triage
from auditapp.services.quality.port import Page, QualityApi
from tests.integration.capa.conftest import (
    Tablet,
    close_body,
    error_of,
    open_capa,
    pass_desk_check,
    trail_of,
    work_through,
)


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only: none of these inputs depends on the database (the CAPA list filter is plain SQL)."""
    return f"sqlite:///{tmp_path / 'central.db'}"


class StoreCapas:
    """The CAPA list of the real store, read in-process with the query the quality app's client sends."""

    def __init__(self, client: TestClient, headers: dict[str, str]):
        self.client = client
        self.headers = headers

    def capas(self, query: Mapping[str, str], cursor: str | None = None, limit: int = 50) -> Page:
        """One page of /api/capas, as CentralApi.capas asks for it."""
        params = {k: v for k, v in query.items() if v}
        params["limit"] = str(limit)
        if cursor:
            params["cursor"] = cursor
        reply = self.client.get("/api/capas", params=params, headers=self.headers)
        assert reply.status_code == 200, reply.text
        body = reply.json()
        return Page(list(body["items"]), body.get("next_cursor"))


def _new_capa(client: TestClient, qm: dict[str, str], title: str) -> str:
    body = {"title": title, "problem_statement": "Seen in data analysis", "owner": "owen"}
    reply = client.post("/api/capas", json=body, headers=qm)
    assert reply.status_code == 201, reply.text
    return str(reply.json()["id"])


def _offered(client: TestClient, qm: dict[str, str], **options: Any) -> list[str]:
    api = cast(QualityApi, StoreCapas(client, qm))
    return [c.key for c in triage.capa_candidates(api, **options)]


@pytest.mark.req("QAP-022")
def test_linking_offers_every_open_capa_however_many_came_after(
    client: TestClient, as_user: dict[str, dict[str, str]]
) -> None:
    qm = as_user["quinn"]
    oldest = _new_capa(client, qm, "Long-running CAPA on gowning")
    newer = [_new_capa(client, qm, f"Newer CAPA {n}") for n in range(50)]

    offered = _offered(client, qm)
    in_pages_of_ten = _offered(client, qm, page_size=10)

    assert oldest in offered
    assert sorted(offered) == sorted([oldest, *newer])
    assert in_pages_of_ten == offered


@pytest.mark.req("QAP-022")
def test_linking_offers_an_old_open_capa_behind_fifty_newer_closed_ones(
    client: TestClient, as_user: dict[str, dict[str, str]]
) -> None:
    qm = as_user["quinn"]
    still_open = _new_capa(client, qm, "Open CAPA on line clearance")
    for n in range(50):
        capa_id = _new_capa(client, qm, f"Closed CAPA {n}")
        work_through(client, capa_id, as_user["owen"])
        pass_desk_check(client, capa_id, qm)
        reply = client.post(f"/api/capas/{capa_id}/close", json=close_body(), headers=qm)
        assert reply.status_code == 200, reply.text

    assert _offered(client, qm) == [still_open]


def _capa(client: TestClient, capa_id: str, who: dict[str, str]) -> dict[str, Any]:
    reply = client.get(f"/api/capas/{capa_id}", headers=who)
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


@pytest.mark.req("CAP-019")
@pytest.mark.parametrize(
    ("typo", "unknown"),
    [
        ({"due": "2027-01-01", "ownr": "olga"}, "due"),
        ({"due_date": "2027-01-01", "ownr": "olga"}, "ownr"),
    ],
    ids=["due", "ownr"],
)
def test_a_new_action_with_a_misspelt_field_is_refused_by_name_and_not_added(
    client: TestClient,
    database: Database,
    as_user: dict[str, dict[str, str]],
    tablets: list[Tablet],
    typo: dict[str, str],
    unknown: str,
) -> None:
    owner = as_user["owen"]
    capa_id = open_capa(client, as_user["quinn"], tablets[0]).capa_id
    trail_before = trail_of(database, "capa", capa_id)
    body = {"kind": "corrective", "description": "Add a signature step to SOP-12", **typo}

    status, code, message = error_of(client.post(f"/api/capas/{capa_id}/actions", json=body, headers=owner))

    assert (status, code) == (422, "invalid_request")
    assert f"body.{unknown}:" in message
    assert _capa(client, capa_id, owner)["actions"] == []
    assert trail_of(database, "capa", capa_id) == trail_before


@pytest.mark.req("CAP-019")
@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"evidance": "SOP done", "stauts": "implemented"}, ["body.evidance:", "body.stauts:"]),
        ({}, ["send at least one of", "status, evidence"]),
        ({"status": None}, ["send at least one of", "status, evidence"]),
    ],
    ids=["misspelt", "empty", "only-null"],
)
def test_an_action_update_with_no_field_it_knows_is_refused_and_changes_nothing(
    client: TestClient,
    database: Database,
    as_user: dict[str, dict[str, str]],
    tablets: list[Tablet],
    body: dict[str, Any],
    named: list[str],
) -> None:
    owner = as_user["owen"]
    capa_id = open_capa(client, as_user["quinn"], tablets[0]).capa_id
    new = {"kind": "corrective", "description": "Add a signature step to SOP-12", "due_date": "2027-01-15"}
    added = client.post(f"/api/capas/{capa_id}/actions", json=new, headers=owner)
    assert added.status_code == 201, added.text
    [before] = added.json()["actions"]
    trail_before = trail_of(database, "capa_action", before["id"])

    reply = client.patch(f"/api/capas/{capa_id}/actions/{before['id']}", json=body, headers=owner)

    status, code, message = error_of(reply)
    assert (status, code) == (422, "invalid_request")
    assert all(text in message for text in named), message
    [after] = _capa(client, capa_id, owner)["actions"]
    assert (after["status"], after["evidence"], after["due_date"]) == ("planned", "", "2027-01-15")
    assert trail_of(database, "capa_action", before["id"]) == trail_before


@pytest.mark.req("CAP-019")
def test_the_quality_app_action_bodies_are_still_accepted(
    client: TestClient, as_user: dict[str, dict[str, str]], tablets: list[Tablet]
) -> None:
    owner = as_user["owen"]
    capa_id = open_capa(client, as_user["quinn"], tablets[0]).capa_id
    new = capa_work.action_body(
        {"kind": "corrective", "description": "Sign-off step", "owner": "olga", "due_date": "2027-02-01"}
    )
    added = client.post(f"/api/capas/{capa_id}/actions", json=new, headers=owner)
    assert added.status_code == 201, added.text
    [action] = added.json()["actions"]
    progress = capa_work.progress_body(
        {
            "status": "implemented",
            "evidence": "SOP-12 rev C released",
            "document_id": "SOP-12",
            "document_revision": "C",
            "communication_record": "Training record TR-88",
            "cancel_reason": "",
        }
    )

    reply = client.patch(f"/api/capas/{capa_id}/actions/{action['id']}", json=progress, headers=owner)

    assert reply.status_code == 200, reply.text
    [done] = reply.json()["actions"]
    assert (done["owner"], done["due_date"]) == ("olga", "2027-02-01")
    assert (done["status"], done["evidence"], done["document_revision"]) == (
        "implemented",
        "SOP-12 rev C released",
        "C",
    )


@pytest.mark.req("CAP-021")
@pytest.mark.parametrize(
    ("stated", "zone"),
    [
        ("0001-01-01T00:30:00+01:00", "+01:00"),
        ("9999-12-31T23:59:00-05:00", "-05:00"),
        ("9999-12-31T23:59:00-05:00", "America/New_York"),
    ],
    ids=["year-1", "year-9999", "year-9999-named-zone"],
)
def test_a_local_time_at_the_ends_of_the_calendar_is_refused_naming_the_field(
    client: TestClient, as_user: dict[str, dict[str, str]], tablets: list[Tablet], stated: str, zone: str
) -> None:
    qm = as_user["quinn"]
    capa_id = open_capa(client, qm, tablets[0]).capa_id
    work_through(client, capa_id, as_user["owen"])
    pass_desk_check(client, capa_id, qm)
    body = close_body(signer_local_time=stated, signer_timezone=zone)

    status, code, message = error_of(client.post(f"/api/capas/{capa_id}/close", json=body, headers=qm))

    assert (status, code) == (422, "invalid_field")
    assert message.startswith("signer_local_time:")
    assert stated in message
    capa = _capa(client, capa_id, qm)
    assert capa["stage"] != "closed"
    assert capa["signatures"] == []
