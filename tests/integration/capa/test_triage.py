"""The triage inbox over the real API and database: filters, sort, cursor paging, evidence, decisions."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from auditapp.central.auth import now
from auditapp.central.database import Database
from auditapp.central.tables import Finding
from auditapp.domain import drafts
from auditapp.domain.events import DomainEvent
from auditapp.domain.evidence import EvidenceTarget, SamplingMethod
from auditapp.domain.sampling import draw_random
from tests.integration.capa.conftest import ITEM, Tablet, error_of, trail_of


def _push_findings(tablet: Tablet, count: int, site: str) -> tuple[str, list[DomainEvent]]:
    audit = str(uuid.uuid4())
    clauses = ["6.4.1", "7.5.1", "8.2.4"]
    grades = ["major_nc", "minor_nc", "observation"]
    events = [tablet.plan(audit, site=site)]
    events += [
        tablet.raise_finding(audit, clause=clauses[i % 3], grade=grades[(i // 3) % 3]) for i in range(count)
    ]
    tablet.push(events)
    return audit, events[1:]


def _all_pages(client: TestClient, headers: dict[str, str], **params: object) -> list[dict[str, object]]:
    items: list[dict[str, object]] = []
    cursor = None
    while True:
        query = {**params, "limit": 4, **({"cursor": cursor} if cursor else {})}
        reply = client.get("/api/findings", params=query, headers=headers)
        assert reply.status_code == 200, reply.text
        body = reply.json()
        assert len(body["items"]) <= 4
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return items


@pytest.mark.req("CAP-003")
def test_the_inbox_filters_sorts_and_pages_without_gaps_or_repeats(
    client: TestClient, as_user: dict[str, dict[str, str]], tablets: list[Tablet], database: Database
) -> None:
    plant2, _ = _push_findings(tablets[0], 11, "Plant 2")
    _push_findings(tablets[1], 7, "Plant 3")
    reader = as_user["vic"]

    for sort in ("newest", "oldest", "grade", "clause", "site", "process", "audit"):
        items = _all_pages(client, reader, sort=sort)
        assert len(items) == 18
        assert len({i["id"] for i in items}) == 18, sort
    by_grade = _all_pages(client, reader, sort="grade")
    ranks = {"major_nc": 0, "minor_nc": 1, "observation": 2}
    assert [ranks[str(i["grade"])] for i in by_grade] == sorted(ranks[str(i["grade"])] for i in by_grade)
    newest = _all_pages(client, reader)
    assert [i["received_at"] for i in newest] == sorted((i["received_at"] for i in newest), reverse=True)

    assert {i["site"] for i in _all_pages(client, reader, site="Plant 3")} == {"Plant 3"}
    assert len(_all_pages(client, reader, site="Plant 3")) == 7
    assert len(_all_pages(client, reader, audit_id=plant2)) == 11
    assert {i["clause"] for i in _all_pages(client, reader, clause="7.5.1")} == {"7.5.1"}
    assert {i["grade"] for i in _all_pages(client, reader, grade="major_nc")} == {"major_nc"}
    process = newest[0]["process"]
    assert process
    assert len(_all_pages(client, reader, process=process)) == 18
    assert len(_all_pages(client, reader, status="new")) == 18
    assert _all_pages(client, reader, status="rejected") == []

    with database.transaction() as session:
        old_ids = [i["id"] for i in newest[:5]]
        session.execute(
            update(Finding).where(Finding.id.in_(old_ids)).values(created_at=now() - timedelta(days=10))
        )
    assert {i["id"] for i in _all_pages(client, reader, older_than_days=5)} == set(old_ids)
    assert len(_all_pages(client, reader, newer_than_days=5)) == 13


@pytest.mark.req("CAP-003")
@pytest.mark.req("CAP-006")
def test_bad_paging_and_filters_are_refused_naming_the_parameter(
    client: TestClient, as_user: dict[str, dict[str, str]]
) -> None:
    reader = as_user["vic"]
    status, code, message = error_of(
        client.get("/api/findings", params={"cursor": "not-a-cursor"}, headers=reader)
    )
    assert (status, code) == (422, "invalid_cursor")
    assert "cursor" in message
    status, code, message = error_of(client.get("/api/findings", params={"grade": "awful"}, headers=reader))
    assert (status, code) == (422, "invalid_request")
    assert "grade" in message
    assert client.get("/api/findings", params={"limit": 201}, headers=reader).status_code == 422
    assert client.get("/api/findings").status_code == 401


@pytest.mark.req("CAP-004")
def test_the_detail_shows_every_kind_of_evidence(
    client: TestClient, as_user: dict[str, dict[str, str]], tablets: list[Tablet]
) -> None:
    tablet = tablets[0]
    audit = str(uuid.uuid4())
    finding_id = str(uuid.uuid4())
    on_finding = EvidenceTarget.finding(finding_id)
    on_item = EvidenceTarget.item("iso13485-6.4.1-01", "6.4.1")
    population = [f"GL-{n}" for n in range(1, 41)]
    chosen = draw_random(population, 5, "seed-42")
    evidence = [
        drafts.note_added("n-1", on_finding, "Entries missing on night shift"),
        drafts.interview_recorded(
            "i-1", on_finding, "P. Shift", "Shift lead", "Who signs?", "Whoever is last"
        ),
        drafts.photo_attached(
            "p-1",
            on_finding,
            sha256="a" * 64,
            thumbnail_sha256="b" * 64,
            width=800,
            height=600,
            captured_at=None,
            gps=None,
            caption="Log page 12",
        ),
        drafts.document_reviewed("d-1", on_item, "SOP-12", "B", "Gowning"),
        drafts.sample_drawn(
            "s-1",
            on_finding,
            population_description="gowning log days",
            population_size=40,
            population_ids=population,
            sample_size=5,
            method=SamplingMethod.RANDOM,
            selected_ids=chosen,
            seed="seed-42",
        ),
        drafts.record_sampled(
            "r-1",
            on_finding,
            sample_id="s-1",
            record_type="gowning log",
            identifier=chosen[0],
            record_date="2026-10-01",
            conforms=False,
            comment="unsigned",
        ),
    ]
    events = [tablet.plan(audit)]
    events += [tablet.make(audit, d.kind, d.payload) for d in evidence]
    events.append(tablet.raise_finding(audit, finding_id=finding_id, evidence_ids=["d-1"]))
    tablet.push(events)

    reply = client.get(f"/api/findings/{finding_id}", headers=as_user["ana"])
    assert reply.status_code == 200, reply.text
    detail = reply.json()
    kinds = {e["id"]: e for e in detail["evidence"]}
    assert set(kinds) == {"n-1", "i-1", "p-1", "d-1", "s-1", "r-1"}
    assert kinds["s-1"]["method"] == "random"
    assert kinds["s-1"]["seed"] == "seed-42"
    assert kinds["s-1"]["selected_ids"] == chosen
    assert kinds["r-1"]["conforms"] is False
    assert kinds["p-1"]["sha256"] == "a" * 64
    assert kinds["i-1"]["answer"] == "Whoever is last"
    assert kinds["d-1"]["revision"] == "B"
    assert detail["requirement"]
    assert detail["site"] == "Plant 2"
    assert client.get("/api/findings/nope", headers=as_user["ana"]).status_code == 404


@pytest.mark.req("CAP-005")
@pytest.mark.req("CAP-017")
def test_each_decision_sets_the_status_tells_the_devices_and_is_trailed(
    client: TestClient, as_user: dict[str, dict[str, str]], tablets: list[Tablet], database: Database
) -> None:
    a, b = tablets
    audit = str(uuid.uuid4())
    raised = [a.raise_finding(audit) for _ in range(3)] + [b.raise_finding(audit) for _ in range(3)]
    a.push([a.plan(audit), *raised[:3]])
    b.push(raised[3:])  # a team audit: both tablets worked on it
    ids = [str(e.payload["finding_id"]) for e in raised]
    qm = as_user["quinn"]

    def decide(finding_id: str, body: dict[str, object]) -> dict[str, object]:
        reply = client.post(f"/api/findings/{finding_id}/triage", json=body, headers=qm)
        assert reply.status_code == 200, reply.text
        return dict(reply.json())

    opened = decide(
        ids[0],
        {
            "decision": "open_capa",
            "capa": {"title": "Gowning", "problem_statement": "Unsigned logs", "owner": "owen"},
        },
    )
    capa_id = opened["capa_id"]
    assert capa_id
    decide(ids[1], {"decision": "link_capa", "capa_id": capa_id})
    decide(ids[2], {"decision": "correction_only", "correction": "Signatures added by the shift lead"})
    decide(ids[3], {"decision": "no_action", "justification": "Good practice noted, nothing to act on"})
    decide(ids[4], {"decision": "rejected", "justification": "Requirement does not apply to this area"})
    bulk = client.post(
        "/api/findings/triage",
        json={"decision": "duplicate", "duplicate_of": ids[0], "finding_ids": [ids[5]]},
        headers=qm,
    )
    assert bulk.status_code == 200, bulk.text

    statuses = {
        i["id"]: i["status"]
        for i in client.get("/api/findings", params={"audit_id": audit}, headers=qm).json()["items"]
    }
    assert [statuses[i] for i in ids] == ["capa", "capa", "corrected", "no_action", "rejected", "duplicate"]
    detail = client.get(f"/api/findings/{ids[2]}", headers=qm).json()
    assert (detail["decision"], detail["decision_note"], detail["triaged_by"]) == (
        "correction_only",
        "Signatures added by the shift lead",
        "quinn",
    )
    assert client.get(f"/api/findings/{ids[5]}", headers=qm).json()["duplicate_of"] == ids[0]

    for tablet in (a, b):
        told = {(m["finding_id"], m["status"]) for m in tablet.messages("finding_status")}
        assert (ids[3], "no_action") in told
        assert (ids[0], "capa") in told
    actor, action, new = trail_of(database, "finding", ids[4])[-1]
    assert (actor, action, new["status"], new["decision"]) == ("quinn", "triaged", "rejected", "rejected")


@pytest.mark.req("CAP-006")
@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"decision": "no_action"}, "justification_required", "justification"),
        ({"decision": "no_action", "justification": "  n/a  "}, "justification_required", "justification"),
        ({"decision": "rejected", "justification": ""}, "justification_required", "justification"),
        ({"decision": "correction_only", "correction": "   "}, "correction_required", "correction"),
        ({"decision": "duplicate"}, "duplicate_of_required", "duplicate_of"),
        ({"decision": "duplicate", "duplicate_of": "no-such-finding"}, "unknown_finding", "duplicate_of"),
        ({"decision": "link_capa"}, "capa_required", "capa_id"),
        ({"decision": "link_capa", "capa_id": "no-such-capa"}, "unknown_capa", "capa_id"),
        ({"decision": "open_capa"}, "capa_required", "capa"),
        (
            {"decision": "open_capa", "capa": {"title": "T", "problem_statement": "P", "owner": "ana"}},
            "owner_not_allowed",
            "owner",
        ),
        ({"decision": "maybe"}, "invalid_request", "decision"),
    ],
)
def test_a_decision_missing_its_piece_is_refused_naming_the_field_and_changes_nothing(
    client: TestClient,
    as_user: dict[str, dict[str, str]],
    tablets: list[Tablet],
    database: Database,
    body: dict[str, object],
    code: str,
    field: str,
) -> None:
    audit = str(uuid.uuid4())
    raised = tablets[0].raise_finding(audit)
    tablets[0].push([tablets[0].plan(audit), raised])
    finding_id = raised.payload["finding_id"]
    reply = client.post(f"/api/findings/{finding_id}/triage", json=body, headers=as_user["quinn"])
    status, got, message = error_of(reply)
    assert (got, field in message) == (code, True), message
    assert status in (404, 409, 422)
    after = client.get(f"/api/findings/{finding_id}", headers=as_user["quinn"]).json()
    assert (after["status"], after["decision"], after["capa_id"]) == ("new", None, None)
    assert [a for _, a, _ in trail_of(database, "finding", finding_id)] == ["raised"]
    assert tablets[0].messages("finding_status") == []


@pytest.mark.req("CAP-005")
def test_only_a_quality_manager_triages_and_a_capa_source_stays_with_its_capa(
    client: TestClient, as_user: dict[str, dict[str, str]], tablets: list[Tablet]
) -> None:
    audit = str(uuid.uuid4())
    raised = tablets[0].raise_finding(audit)
    tablets[0].push([raised])
    finding_id = raised.payload["finding_id"]
    body = {"decision": "no_action", "justification": "Nothing to do here at all"}
    for user in ("owen", "ana", "vic", "adam"):
        reply = client.post(f"/api/findings/{finding_id}/triage", json=body, headers=as_user[user])
        assert error_of(reply)[:2] == (403, "forbidden"), user
    opened = {"decision": "open_capa", "capa": {"title": "Gowning", "problem_statement": "Unsigned logs"}}
    assert (
        client.post(f"/api/findings/{finding_id}/triage", json=opened, headers=as_user["quinn"]).status_code
        == 200
    )
    again = client.post(f"/api/findings/{finding_id}/triage", json=body, headers=as_user["quinn"])
    assert error_of(again)[:2] == (409, "in_capa")


def _photo(evidence_id: str, target: EvidenceTarget, sha: str) -> drafts.Draft:
    return drafts.photo_attached(
        evidence_id,
        target,
        sha256=sha,
        thumbnail_sha256=sha[::-1],
        width=800,
        height=600,
        captured_at=None,
        gps=None,
        caption=evidence_id,
    )


@pytest.mark.req("QAP-020")
def test_the_photos_of_several_findings_come_in_one_call_each_with_its_own(
    client: TestClient, as_user: dict[str, dict[str, str]], tablets: list[Tablet]
) -> None:
    tablet = tablets[0]
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    attached, cited, bare, elsewhere = (str(uuid.uuid4()) for _ in range(4))
    on_item = EvidenceTarget.item(ITEM, "6.4.1")
    photos = [
        _photo("p-own", EvidenceTarget.finding(attached), "a" * 64),
        _photo("p-item", on_item, "b" * 64),  # on the checklist item: not a finding's own photo
        _photo("p-cited", on_item, "c" * 64),
    ]
    events = [tablet.plan(first)] + [tablet.make(first, d.kind, d.payload) for d in photos]
    events += [
        tablet.raise_finding(first, finding_id=attached),
        tablet.raise_finding(first, finding_id=cited, evidence_ids=["p-cited"]),
        tablet.raise_finding(first, finding_id=bare),
        tablet.plan(second),
    ]
    later = _photo("p-later", EvidenceTarget.finding(elsewhere), "d" * 64)
    events += [
        tablet.make(second, later.kind, later.payload),
        tablet.raise_finding(second, finding_id=elsewhere),
    ]
    tablet.push(events)

    ids = [attached, cited, bare, elsewhere]
    reply = client.get("/api/findings/photos", params={"finding_id": ids}, headers=as_user["vic"])
    assert reply.status_code == 200, reply.text
    shas = {k: [p["sha256"] for p in v] for k, v in reply.json()["photos"].items()}
    assert shas == {attached: ["a" * 64], cited: ["c" * 64], bare: [], elsewhere: ["d" * 64]}
    one = reply.json()["photos"][attached][0]
    assert (one["thumbnail_sha256"], one["caption"]) == ("a" * 64, "p-own")

    unknown = client.get(
        "/api/findings/photos", params={"finding_id": [attached, "nope"]}, headers=as_user["vic"]
    )
    assert error_of(unknown)[:2] == (404, "unknown_finding")
    assert "'nope'" in error_of(unknown)[2]
    assert client.get("/api/findings/photos", params={"finding_id": ids}).status_code == 401
    assert client.get("/api/findings/photos", headers=as_user["vic"]).status_code == 422
