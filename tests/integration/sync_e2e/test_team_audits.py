"""Team audits: three real field stores and a real central store converge, whatever the order of arrival."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from auditapp.bootstrap import LibraryChecklists
from auditapp.central.database import Database
from auditapp.central.tables import StoredEvent
from auditapp.demo import demo_plan
from auditapp.domain.errors import NotFoundError
from auditapp.services.context import CaptureContext, capture_context
from auditapp.services.finding_capture import edit_finding, raise_finding
from auditapp.services.queries import audit_state
from tests.integration.sync_e2e.devices import issue_code, login
from tests.integration.sync_e2e.test_field_agent import Field
from tests.support.processes import Running, run_cli

TEAM = (("ana", "Ana Auditor"), ("ben", "Ben Builder"), ("cyd", "Cyd Checker"))


@pytest.fixture
def team(central: Running, tmp_path: Path) -> Iterator[list[Field]]:
    """Three tablets, each enrolled for one auditor of the team."""
    fields: list[Field] = []
    try:
        for username, name in TEAM:
            args = ["admin", "create-user", username, "--role", "auditor", "--name", name]
            made = run_cli(args, central.env)  # type: ignore[attr-defined]
            assert made.returncode == 0, made.stderr
            field = Field(tmp_path / username, central.url)
            fields.append(field)
            field.agent.enroll(issue_code(central, username))
        yield fields
    finally:
        for field in fields:
            field.ws.close()


def _plan_team_audit(lead: Field) -> str:
    plan = dataclasses.replace(
        demo_plan(dt.date(2026, 11, 2)), lead_auditor="Ana Auditor", team=("Ben Builder", "cyd")
    )
    return lead.ws.plan_audit(plan)


def _stored_event_ids(database_url: str, audit_id: str) -> list[str]:
    database = Database(database_url)
    try:
        with database.transaction() as session:
            query = select(StoredEvent.event_id).where(StoredEvent.audit_id == audit_id)
            return list(session.scalars(query))
    finally:
        database.dispose()


def _own_pending_only(field: Field) -> bool:
    store = field.ws.store()
    return all(event.device_id == field.ws.device_id for event in store.pending(10_000))


def _sync_in_order(fields: list[Field], order: list[int]) -> None:
    for index in order:
        view = fields[index].ws.sync_now()
        assert view.last_error is None, view.last_error
        assert _own_pending_only(fields[index])  # teammates' events never enter the outbox


@pytest.mark.req("SYN-206")
@pytest.mark.req("SYN-207")
@pytest.mark.parametrize("seed", [3, 11])
def test_three_devices_converge_to_one_audit_whatever_the_order_of_arrival(
    central: Running, team: list[Field], seed: int, database_url: str
) -> None:
    chance = random.Random(seed)
    lead = team[0]
    audit_id = _plan_team_audit(lead)
    _sync_in_order(team, [0, *chance.sample([1, 2], 2)])
    for field in team[1:]:  # the teammates received the plan, sealed to their tablets
        assert field.ws.walkthrough(audit_id).title == lead.ws.walkthrough(audit_id).title

    items = [item.item_id for item in lead.ws.walkthrough(audit_id).items[:12]]
    contested = items[0]
    # Ana and Ben answer the same item differently, neither having seen the other's answer.
    lead.ws.record_answer(audit_id, contested, "conforming")
    team[1].ws.record_answer(audit_id, contested, "nonconforming")
    answers = ("conforming", "nonconforming", "observation", "not_applicable")
    for _ in range(3):  # rounds of capture on random tablets, each followed by syncs in a random order
        for item_id in chance.sample(items[1:], 6):
            chance.choice(team).ws.record_answer(audit_id, item_id, chance.choice(answers))
        _sync_in_order(team, chance.sample(range(3), 3))
    _sync_in_order(team, chance.sample(range(3), 3))  # a last pull round: everyone has everything

    states = [audit_state(field.ws.store(), audit_id) for field in team]
    assert states[0] == states[1] == states[2]
    conflict = states[0].conflict_on("response", contested, "answer")
    assert conflict is not None, "the concurrent answers must show as a conflict on every device"
    assert {value.value for value in conflict.values} == {"conforming", "nonconforming"}

    user = login(central)
    stored = requests.get(f"{central.url}/api/audits/{audit_id}/responses", headers=user, timeout=30).json()
    assert {row["item_id"]: row["answer"] for row in stored} == {
        item_id: response.answer.value for item_id, response in states[0].responses.items()
    }
    # The store shows the same conflicts as the devices: the contested answer, and any other answers that
    # the random rounds happened to give concurrently.
    on_devices = {
        item_id: sorted(str(v.value) for v in conflict.values)
        for item_id in states[0].responses
        if (conflict := states[0].conflict_on("response", item_id, "answer")) is not None
    }
    assert {
        row["item_id"]: sorted(row["conflicting_answers"]) for row in stored if row["conflicting_answers"]
    } == (on_devices)
    contested_row = next(row for row in stored if row["item_id"] == contested)
    assert sorted(contested_row["conflicting_answers"]) == ["conforming", "nonconforming"]
    assert contested_row["conflicting_answers"][0] == contested_row["answer"]
    # Every device holds every event once, and the store holds each device's own events once.
    held = [sorted(e.event_id for e in field.ws.events(audit_id)) for field in team]
    assert held[0] == held[1] == held[2]
    assert sorted(_stored_event_ids(database_url, audit_id)) == held[0]
    assert all(field.ws.store().pending_count() == 0 for field in team)


def _context(field: Field) -> CaptureContext:
    store = field.ws.store()
    return capture_context(store, store, LibraryChecklists(), store.photos)  # type: ignore[attr-defined]


@pytest.mark.req("SYN-207")
def test_concurrent_edits_of_one_finding_field_show_both_values_on_every_device_and_the_store(
    central: Running, team: list[Field]
) -> None:
    lead, mate = team[0], team[1]
    audit_id = _plan_team_audit(lead)
    item = lead.ws.walkthrough(audit_id).items[0].item_id
    finding_id = raise_finding(
        _context(lead),
        audit_id,
        grade="minor_nc",
        statement="Gowning log unsigned",
        requirement="Records shall be signed",
        item_id=item,
    )
    _sync_in_order(team, [0, 1, 2])
    assert audit_state(mate.ws.store(), audit_id).findings[finding_id].statement == "Gowning log unsigned"

    # Ana and Ben reword the statement, neither having seen the other's change.
    edit_finding(_context(lead), audit_id, finding_id, statement="Unsigned on 3 of 10 days")
    edit_finding(_context(mate), audit_id, finding_id, statement="Log unsigned on three days")
    _sync_in_order(team, [1, 0, 2])
    _sync_in_order(team, [0, 1, 2])  # a last pull round: everyone has everything

    both = {"Unsigned on 3 of 10 days", "Log unsigned on three days"}
    states = [audit_state(field.ws.store(), audit_id) for field in team]
    assert states[0] == states[1] == states[2]
    conflict = states[0].conflict_on("finding", finding_id, "statement")
    assert conflict is not None, "the concurrent edits must show as a conflict on every device"
    assert {value.value for value in conflict.values} == both

    user = login(central)
    stored = requests.get(f"{central.url}/api/findings/{finding_id}", headers=user, timeout=30)
    assert stored.status_code == 200, stored.text
    assert stored.json()["conflicts"] == ["statement"]
    assert {value["value"] for value in stored.json()["field_conflicts"]["statement"]} == both
    assert stored.json()["statement"] == states[0].findings[finding_id].statement


@pytest.mark.req("SYN-206")
def test_a_device_not_on_the_team_receives_nothing_of_the_audit(
    central: Running, team: list[Field], tmp_path: Path
) -> None:
    made = run_cli(["admin", "create-user", "dee", "--role", "auditor", "--name", "Dee Other"], central.env)  # type: ignore[attr-defined]
    assert made.returncode == 0, made.stderr
    outsider = Field(tmp_path / "dee", central.url)
    try:
        outsider.agent.enroll(issue_code(central, "dee"))
        audit_id = _plan_team_audit(team[0])
        _sync_in_order(team, [0, 1])
        assert outsider.ws.sync_now().last_error is None
        with pytest.raises(NotFoundError):
            outsider.ws.walkthrough(audit_id)
        assert team[1].ws.walkthrough(audit_id).title
    finally:
        outsider.ws.close()


@pytest.mark.req("SYN-206")
def test_a_teammate_enrolled_after_the_audit_was_planned_receives_it(
    central: Running, team: list[Field], tmp_path: Path
) -> None:
    audit_id = _plan_team_audit(team[0])
    item = team[0].ws.walkthrough(audit_id).items[0].item_id
    team[0].ws.record_answer(audit_id, item, "observation")
    _sync_in_order(team, [0])
    spare = Field(tmp_path / "cyd-spare", central.url)  # Cyd's second tablet, enrolled afterwards
    try:
        spare.agent.enroll(issue_code(central, "cyd"))
        assert spare.ws.sync_now().last_error is None
        assert audit_state(spare.ws.store(), audit_id) == audit_state(team[0].ws.store(), audit_id)
        assert spare.ws.store().pending_count() == 0
    finally:
        spare.ws.close()
