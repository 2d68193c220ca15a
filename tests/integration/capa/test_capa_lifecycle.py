"""The CAPA lifecycle over the real API and database: sections, stages, ownership, gates, signature."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from auditapp.central import auth
from auditapp.central.database import Database
from tests.integration.capa.conftest import (
    PASSWORD,
    Tablet,
    close_body,
    error_of,
    open_capa,
    pass_desk_check,
    trail_of,
    work_through,
)


@pytest.mark.req("CAP-007")
@pytest.mark.req("CAP-008")
@pytest.mark.req("CAP-017")
def test_a_capa_records_every_step_and_its_stage_follows(
    client: TestClient, as_user: dict[str, dict[str, str]], tablets: list[Tablet], database: Database
) -> None:
    qm, owner = as_user["quinn"], as_user["owen"]
    opened = open_capa(client, qm, tablets[0])
    capa = client.get(f"/api/capas/{opened.capa_id}", headers=as_user["vic"]).json()
    assert (capa["stage"], capa["owner"], capa["problem_statement"]) == (
        "open",
        "owen",
        "3 of 10 days unsigned",
    )
    assert [f["id"] for f in capa["source_findings"]] == [opened.finding_id]

    stages = []
    for path, body in [
        ("containment", {"containment": "Logs of the week reviewed", "correction": "Entries signed"}),
        ("root-cause", {"method": "fishbone", "result": "No signature step in SOP-12"}),
    ]:
        reply = client.put(f"/api/capas/{opened.capa_id}/{path}", json=body, headers=owner)
        assert reply.status_code == 200, reply.text
        stages.append(reply.json()["stage"])
    assert stages == ["investigation", "action"]

    due = (dt.date.today() + dt.timedelta(days=14)).isoformat()
    action = {"kind": "corrective", "description": "Add a signature step", "due_date": due}
    capa = client.post(f"/api/capas/{opened.capa_id}/actions", json=action, headers=owner).json()
    action_id = capa["actions"][0]["id"]
    assert (capa["stage"], capa["actions"][0]["owner"], capa["actions"][0]["due_date"]) == (
        "action",
        "owen",
        due,
    )
    done = {
        "status": "implemented",
        "evidence": "SOP-12 rev C released",
        "document_id": "SOP-12",
        "document_revision": "C",
        "communication_record": "Training record TR-88",
    }
    capa = client.patch(f"/api/capas/{opened.capa_id}/actions/{action_id}", json=done, headers=owner).json()
    assert capa["stage"] == "verification"
    assert capa["actions"][0]["document_revision"] == "C"
    verification = {
        "compliance_unaffected": True,
        "safety_performance_unaffected": True,
        "comment": "No change",
    }
    capa = client.put(f"/api/capas/{opened.capa_id}/verification", json=verification, headers=owner).json()
    assert capa["stage"] == "effectiveness"
    assert capa["verification"]["verified_by"] == "owen"
    assert [g["code"] for g in capa["missing"]] == ["effectiveness_check"]

    pass_desk_check(client, opened.capa_id, qm)
    closure = client.get(f"/api/capas/{opened.capa_id}/closure", headers=owner).json()
    assert (closure["ready_to_close"], closure["missing"]) == (True, [])
    capa = client.post(f"/api/capas/{opened.capa_id}/close", json=close_body(), headers=qm).json()
    assert capa["stage"] == "closed"
    assert client.get(f"/api/findings/{opened.finding_id}", headers=qm).json()["status"] == "closed"
    listed = client.get("/api/capas", params={"stage": "closed", "owner": "owen"}, headers=qm).json()["items"]
    assert [c["id"] for c in listed] == [opened.capa_id]
    assert tablets[0].messages("finding_status")[-1] == {
        "kind": "finding_status",
        "finding_id": opened.finding_id,
        "audit_id": opened.audit_id,
        "status": "closed",
    }

    actions = [a for _, a, _ in trail_of(database, "capa", opened.capa_id)]
    assert actions[0] == "opened"
    assert {"recorded containment", "recorded root-cause", "recorded verification", "closed"} <= set(actions)
    assert [a for _, a, _ in trail_of(database, "capa_action", action_id)] == ["added", "updated"]


@pytest.mark.req("CAP-009")
def test_owners_record_work_only_on_their_own_capas(
    client: TestClient, as_user: dict[str, dict[str, str]], tablets: list[Tablet]
) -> None:
    opened = open_capa(client, as_user["quinn"], tablets[0])
    body = {"method": "other", "result": "Not the owner's analysis"}
    status, code, message = error_of(
        client.put(f"/api/capas/{opened.capa_id}/root-cause", json=body, headers=as_user["olga"])
    )
    assert (status, code) == (403, "not_owner")
    assert opened.capa_id in message
    for user in ("ana", "vic", "adam"):
        reply = client.put(f"/api/capas/{opened.capa_id}/root-cause", json=body, headers=as_user[user])
        assert error_of(reply)[:2] == (403, "forbidden"), user
    detail = client.get(f"/api/capas/{opened.capa_id}", headers=as_user["olga"]).json()
    assert detail["root_cause"] == {"method": None, "result": ""}

    # An action owned by another owner: she may record its progress, but nothing else on the CAPA.
    action = {"kind": "preventive", "description": "Check line 3 too", "owner": "olga"}
    capa = client.post(f"/api/capas/{opened.capa_id}/actions", json=action, headers=as_user["owen"]).json()
    action_id = capa["actions"][0]["id"]
    progress = {"status": "in_progress"}
    reply = client.patch(
        f"/api/capas/{opened.capa_id}/actions/{action_id}", json=progress, headers=as_user["olga"]
    )
    assert reply.status_code == 200, reply.text
    assert (
        error_of(client.post(f"/api/capas/{opened.capa_id}/actions", json=action, headers=as_user["olga"]))[1]
        == "not_owner"
    )
    assign = client.post(
        f"/api/capas/{opened.capa_id}/assign", json={"owner": "olga"}, headers=as_user["owen"]
    )
    assert error_of(assign)[:2] == (403, "forbidden")
    assign = client.post(
        f"/api/capas/{opened.capa_id}/assign", json={"owner": "olga"}, headers=as_user["quinn"]
    )
    assert assign.json()["owner"] == "olga"
    assert (
        client.put(f"/api/capas/{opened.capa_id}/root-cause", json=body, headers=as_user["olga"]).status_code
        == 200
    )


@pytest.mark.req("CAP-010")
def test_closing_is_refused_with_the_list_of_what_is_missing_and_changes_nothing(
    client: TestClient, as_user: dict[str, dict[str, str]], tablets: list[Tablet], database: Database
) -> None:
    qm = as_user["quinn"]
    opened = open_capa(client, qm, tablets[0])
    reply = client.post(f"/api/capas/{opened.capa_id}/close", json=close_body(), headers=qm)
    status, code, _ = error_of(reply)
    assert (status, code) == (409, "closure_gates")
    missing = reply.json()["error"]["missing"]
    assert [m["code"] for m in missing] == [
        "root_cause",
        "corrective_action",
        "document_update",
        "communication",
        "verification",
        "effectiveness_check",
    ]
    assert all(m["message"] for m in missing)

    work_through(client, opened.capa_id, as_user["owen"])
    reply = client.post(f"/api/capas/{opened.capa_id}/close", json=close_body(), headers=qm)
    assert [m["code"] for m in reply.json()["error"]["missing"]] == ["effectiveness_check"]
    capa = client.get(f"/api/capas/{opened.capa_id}", headers=qm).json()
    assert (capa["stage"], capa["signatures"], capa["closed_at"]) == ("effectiveness", [], None)
    assert "closed" not in [a for _, a, _ in trail_of(database, "capa", opened.capa_id)]


@pytest.mark.req("CAP-010")
def test_justifications_stand_in_for_document_and_training_but_must_say_something(
    client: TestClient, as_user: dict[str, dict[str, str]], tablets: list[Tablet]
) -> None:
    owner = as_user["owen"]
    opened = open_capa(client, as_user["quinn"], tablets[0])
    reply = client.put(
        f"/api/capas/{opened.capa_id}/document-update", json={"justification": "n/a"}, headers=owner
    )
    status, code, message = error_of(reply)
    assert (status, code) == (422, "justification_required")
    assert message.startswith("justification:")
    action = {
        "kind": "corrective",
        "description": "Reminder at shift start",
        "status": "implemented",
        "evidence": "Briefing sheet BS-4",
    }
    client.post(f"/api/capas/{opened.capa_id}/actions", json=action, headers=owner)
    missing = [
        m["code"] for m in client.get(f"/api/capas/{opened.capa_id}/closure", headers=owner).json()["missing"]
    ]
    assert "document_update" in missing
    assert "communication" in missing
    for path, why in [
        ("document-update", "No controlled document is affected"),
        ("communication", "The owner briefed all four operators"),
    ]:
        assert (
            client.put(
                f"/api/capas/{opened.capa_id}/{path}", json={"justification": why}, headers=owner
            ).status_code
            == 200
        )
    missing = [
        m["code"] for m in client.get(f"/api/capas/{opened.capa_id}/closure", headers=owner).json()["missing"]
    ]
    assert "document_update" not in missing
    assert "communication" not in missing
    bad = {"status": "implemented"}
    action_id = client.get(f"/api/capas/{opened.capa_id}", headers=owner).json()["actions"][0]["id"]
    bad_doc = {"document_id": "SOP-1"}
    reply = client.patch(
        f"/api/capas/{opened.capa_id}/actions/{action_id}",
        json={**bad, **bad_doc, "document_revision": ""},
        headers=owner,
    )
    assert error_of(reply)[:2] == (422, "invalid_field")
    assert "document_revision" in error_of(reply)[2]


@pytest.mark.req("CAP-011")
def test_a_wrong_password_refuses_the_signature_and_changes_nothing(
    client: TestClient, as_user: dict[str, dict[str, str]], tablets: list[Tablet], database: Database
) -> None:
    qm = as_user["quinn"]
    opened = open_capa(client, qm, tablets[0])
    work_through(client, opened.capa_id, as_user["owen"])
    pass_desk_check(client, opened.capa_id, qm)
    before = client.get(f"/api/capas/{opened.capa_id}", headers=qm).json()
    reply = client.post(f"/api/capas/{opened.capa_id}/close", json=close_body("wrong-password-1"), headers=qm)
    assert error_of(reply)[:2] == (401, "bad_signature_password")
    after = client.get(f"/api/capas/{opened.capa_id}", headers=qm).json()
    assert (after["stage"], after["signatures"], after["content_sha256"]) == (
        "effectiveness",
        [],
        before["content_sha256"],
    )
    assert "closed" not in [a for _, a, _ in trail_of(database, "capa", opened.capa_id)]
    reply = client.post(
        f"/api/capas/{opened.capa_id}/close", json=close_body(signer_timezone="Mars/Base"), headers=qm
    )
    assert error_of(reply)[:2] == (422, "invalid_field")
    assert "signer_timezone" in error_of(reply)[2]
    owner_try = client.post(f"/api/capas/{opened.capa_id}/close", json=close_body(), headers=as_user["owen"])
    assert error_of(owner_try)[:2] == (403, "forbidden")

    signed = client.post(
        f"/api/capas/{opened.capa_id}/close",
        json=close_body(expected_sha256=before["content_sha256"]),
        headers=qm,
    ).json()
    signature = signed["signatures"][0]
    assert (signature["printed_name"], signature["username"], signature["meaning"]) == (
        "Quinn Quality",
        "quinn",
        "approved closure",
    )
    utc = dt.datetime.fromisoformat(signature["signed_at"])
    local = dt.datetime.fromisoformat(signature["signer_local_time"])
    assert local.utcoffset() in (dt.timedelta(hours=1), dt.timedelta(hours=2))
    assert abs((local - utc).total_seconds()) < 1
    assert signature["signer_timezone"] == "Europe/Berlin"
    assert signature["content_sha256"] == before["content_sha256"]
    assert signed["signature_valid"] is True
    again = client.post(f"/api/capas/{opened.capa_id}/close", json=close_body(), headers=qm)
    assert error_of(again)[:2] == (409, "capa_closed")
    more = client.put(
        f"/api/capas/{opened.capa_id}/root-cause", json={"method": "other", "result": "x"}, headers=qm
    )
    assert error_of(more)[:2] == (409, "capa_closed")


@pytest.mark.req("CAP-012")
def test_the_signature_shows_when_the_signed_content_changed(
    client: TestClient, as_user: dict[str, dict[str, str]], tablets: list[Tablet], database: Database
) -> None:
    qm = as_user["quinn"]
    opened = open_capa(client, qm, tablets[0])
    work_through(client, opened.capa_id, as_user["owen"])
    pass_desk_check(client, opened.capa_id, qm)
    stale = client.get(f"/api/capas/{opened.capa_id}", headers=qm).json()["content_sha256"]
    client.put(
        f"/api/capas/{opened.capa_id}/containment",
        json={"containment": "Also line 2", "correction": ""},
        headers=qm,
    )
    reply = client.post(
        f"/api/capas/{opened.capa_id}/close", json=close_body(expected_sha256=stale), headers=qm
    )
    assert error_of(reply)[:2] == (409, "content_changed")

    closed = client.post(f"/api/capas/{opened.capa_id}/close", json=close_body(), headers=qm).json()
    assert closed["signatures"][0]["matches_current_content"] is True
    with database.engine.begin() as conn:  # someone edits the record behind the application's back
        conn.execute(
            text("UPDATE capas SET root_cause_result = 'Operator error' WHERE id = :id"),
            {"id": opened.capa_id},
        )
    tampered = client.get(f"/api/capas/{opened.capa_id}", headers=as_user["vic"]).json()
    assert tampered["signatures"][0]["matches_current_content"] is False
    assert tampered["signature_valid"] is False
    assert tampered["content_sha256"] != tampered["signatures"][0]["content_sha256"]
    with database.engine.begin() as conn:
        conn.execute(
            text("UPDATE capas SET root_cause_result = 'The SOP has no signature step' WHERE id = :id"),
            {"id": opened.capa_id},
        )
    restored = client.get(f"/api/capas/{opened.capa_id}", headers=as_user["vic"]).json()
    assert restored["signature_valid"] is True


@pytest.mark.req("CAP-008")
def test_a_manual_reopening_starts_a_new_round_that_needs_a_new_check(
    client: TestClient, as_user: dict[str, dict[str, str]], tablets: list[Tablet]
) -> None:
    qm = as_user["quinn"]
    opened = open_capa(client, qm, tablets[0])
    work_through(client, opened.capa_id, as_user["owen"])
    pass_desk_check(client, opened.capa_id, qm)
    client.post(f"/api/capas/{opened.capa_id}/close", json=close_body(), headers=qm)
    short = client.post(f"/api/capas/{opened.capa_id}/reopen", json={"reason": "why"}, headers=qm)
    assert error_of(short)[:2] == (422, "invalid_request")
    reopened = client.post(
        f"/api/capas/{opened.capa_id}/reopen",
        json={"reason": "Complaint C-77 shows the same gap"},
        headers=qm,
    ).json()
    assert (reopened["stage"], reopened["round"], reopened["closed_at"]) == ("reopened", 1, None)
    assert reopened["reopenings"][0]["reason"] == "manual"
    assert reopened["signature_valid"] is False
    assert [m["code"] for m in reopened["missing"]] == ["effectiveness_check"]
    assert client.get(f"/api/findings/{opened.finding_id}", headers=qm).json()["status"] == "capa"
    pass_desk_check(client, opened.capa_id, qm)
    assert client.get(f"/api/capas/{opened.capa_id}/closure", headers=qm).json()["ready_to_close"] is True


@pytest.mark.req("CAP-003")
def test_capa_and_check_lists_page_by_cursor(
    client: TestClient, as_user: dict[str, dict[str, str]], tablets: list[Tablet]
) -> None:
    qm = as_user["quinn"]
    ids = []
    for days in (20, 5, 12):
        opened = open_capa(client, qm, tablets[0])
        ids.append(opened.capa_id)
        start = dt.date(2030, 1, 1)
        body = {
            "criterion": "No unsigned entries",
            "method": "record_review",
            "window_start": start.isoformat(),
            "window_end": (start + dt.timedelta(days=days)).isoformat(),
        }
        assert (
            client.post(f"/api/capas/{opened.capa_id}/effectiveness", json=body, headers=qm).status_code
            == 201
        )

    def pages(path: str, **params: object) -> list[dict[str, object]]:
        items, cursor = [], None
        while True:
            query = {**params, "limit": 1, **({"cursor": cursor} if cursor else {})}
            body = client.get(path, params=query, headers=qm).json()
            items += body["items"]
            cursor = body["next_cursor"]
            if not cursor:
                return items

    assert [c["id"] for c in pages("/api/capas")] == list(reversed(ids))
    assert [c["id"] for c in pages("/api/capas", owner="owen", stage="open")] == list(reversed(ids))
    assert pages("/api/capas", owner="olga") == []
    windows = [c["window_end"] for c in pages("/api/effectiveness-checks")]
    assert windows == ["2030-01-06", "2030-01-13", "2030-01-21"]
    forged = client.get("/api/capas", params={"cursor": "WzEsMl0"}, headers=qm)  # [1,2]
    assert error_of(forged)[:2] == (422, "invalid_cursor")
    grade_cursor = client.get("/api/findings", params={"sort": "grade", "limit": 1}, headers=qm).json()[
        "next_cursor"
    ]
    wrong_sort = client.get("/api/findings", params={"sort": "clause", "cursor": grade_cursor}, headers=qm)
    assert error_of(wrong_sort)[:2] == (422, "invalid_cursor")


@pytest.mark.req("CAP-018")
def test_wrong_signature_passwords_count_as_failed_sign_ins(
    client: TestClient,
    as_user: dict[str, dict[str, str]],
    tablets: list[Tablet],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The routes read the time from auth.now (the throttle takes it from them): hold it still, then move it.
    clock = [dt.datetime.now(dt.UTC)]
    monkeypatch.setattr(auth, "now", lambda: clock[0])
    qm = as_user["quinn"]
    opened = open_capa(client, qm, tablets[0])
    work_through(client, opened.capa_id, as_user["owen"])
    pass_desk_check(client, opened.capa_id, qm)
    close = f"/api/capas/{opened.capa_id}/close"
    for attempt in range(5):
        reply = client.post(close, json=close_body(f"wrong-password-{attempt}"), headers=qm)
        assert error_of(reply)[:2] == (401, "bad_signature_password")

    # Guessing stops here, even with the right password, and the account's sign-in is locked as well.
    locked = client.post(close, json=close_body(), headers=qm)
    assert error_of(locked)[:2] == (429, "too_many_attempts")
    wait = int(locked.json()["error"]["retry_after"])
    assert f"try again in {wait} seconds" in error_of(locked)[2]
    right = {"username": "quinn", "password": PASSWORD}
    sign_in = client.post("/api/auth/login", json=right)
    assert error_of(sign_in)[:2] == (429, "too_many_attempts")
    assert client.get(f"/api/capas/{opened.capa_id}", headers=qm).json()["signatures"] == []

    clock[0] += dt.timedelta(seconds=wait - 1)  # not quite over
    assert error_of(client.post(close, json=close_body(), headers=qm))[:2] == (429, "too_many_attempts")
    assert error_of(client.post("/api/auth/login", json=right))[:2] == (429, "too_many_attempts")

    clock[0] += dt.timedelta(seconds=2)  # the wait is over
    assert client.post("/api/auth/login", json=right).status_code == 200
    signed = client.post(close, json=close_body(), headers=qm)
    assert signed.status_code == 200, signed.text
    assert [s["username"] for s in signed.json()["signatures"]] == ["quinn"]
