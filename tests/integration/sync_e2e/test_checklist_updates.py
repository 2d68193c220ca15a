"""Checklists published on a real central store reach real field workspaces and can be planned with."""

from __future__ import annotations

import base64
import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import func, select

import checklists
from auditapp.central.checklist_texts import PublishedTexts
from auditapp.central.database import Database
from auditapp.central.pull_feed import queue_for_device
from auditapp.central.report_routes import audit_events
from auditapp.central.sync_tables import DeviceMessage
from auditapp.client import checklist_updates
from auditapp.client.device_checklists import DeviceChecklists
from auditapp.domain.state import project
from auditapp.services.field_audits import FieldAudits
from auditapp.services.plan_form import PlanForm
from auditapp.services.queries import audit_state
from auditapp.services.reporting import checklist_details
from auditapp.services.sync_panel import sync_panel
from tests.integration.sync_e2e.devices import issue_code, login
from tests.integration.sync_e2e.test_field_agent import Field
from tests.support.processes import Running, run_cli

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "checklists"
SMALL = FIXTURES / "small.yaml"  # supplier-walk 2.1; small.xlsx holds the same content
OLD_QUESTION = "Do the parameters set on the machine match the work instruction?"
NEW_QUESTION = "Do the machine's parameters match the current revision of the work instruction?"


def _version_22(folder: Path) -> Path:
    """supplier-walk 2.2: one question reworded."""
    text = SMALL.read_text(encoding="utf-8").replace('version: "2.1"', 'version: "2.2"')
    path = folder / "supplier-walk-2.2.yaml"
    path.write_text(text.replace(OLD_QUESTION, NEW_QUESTION), encoding="utf-8")
    return path


def _publish(central: Running, path: Path) -> str:
    done = run_cli(["admin", "publish-checklist", str(path)], central.env)  # type: ignore[attr-defined]
    assert done.returncode == 0, done.stderr
    return done.stdout


def _updates_queued(database_url: str, device_id: str) -> int:
    database = Database(database_url)
    try:
        with database.transaction() as session:
            query = select(func.count()).where(
                DeviceMessage.device_id == device_id, DeviceMessage.kind == "checklist_update"
            )
            return int(session.scalar(query) or 0)
    finally:
        database.dispose()


def _audits(field: Field) -> FieldAudits:
    """The audit screens' use cases over the workspace, with the device's checklists as the app wires them."""
    return FieldAudits(field.ws.store, DeviceChecklists(field.ws.store), lambda *a: None)  # type: ignore[arg-type]


def _form(criteria: str) -> PlanForm:
    return PlanForm(
        title="Supplier walk",
        organisation="Acme Medical",
        site="Line 2",
        audit_type="supplier",
        objectives="Check production controls at the supplier",
        scope="Moulding line 2",
        criteria=criteria,
        start_date="2026-12-01",
        end_date="2026-12-01",
        lead_auditor="Ada Admin",
    )


def _held(field: Field) -> list[tuple[str, str]]:
    return [(e.checklist_id, e.version) for e in checklist_updates.received(field.ws.store())]


@pytest.fixture
def field(central: Running, tmp_path: Path) -> Iterator[Field]:
    """An enrolled field workspace."""
    made = Field(tmp_path / "field", central.url)
    try:
        made.agent.enroll(issue_code(central))
        yield made
    finally:
        made.ws.close()


@pytest.mark.req("SYN-210")
@pytest.mark.req("SYN-211")
def test_a_published_checklist_reaches_the_device_and_plans_an_audit_once(
    central: Running, field: Field, database_url: str
) -> None:
    audits = _audits(field)
    assert "supplier-walk" not in {c.checklist_id for c in audits.checklist_choices()}
    assert "published supplier-walk version 2.1 (3 items)" in _publish(central, SMALL)

    assert field.ws.sync_now().last_error is None
    assert _held(field) == [("supplier-walk", "2.1")]
    choice = next(c for c in audits.checklist_choices() if c.checklist_id == "supplier-walk")
    assert (choice.version, choice.items) == ("2.1", 3)
    assert {"iso13485-2016", "fda-qmsr"} <= {c.checklist_id for c in audits.checklist_choices()}
    audit_id = audits.create_audit(_form("supplier-walk"))
    rows = audits.walkthrough(audit_id).rows
    assert [r.item_id for r in rows] == [i.id for i in checklists.load_file(SMALL).items]
    assert rows[0].text == OLD_QUESTION
    assert field.ws.sync_now().last_error is None  # the plan goes up like any audit
    database = Database(database_url)
    try:  # the store's reports find the published version the audit pins
        with database.transaction() as session:
            state = project(audit_events(session, [audit_id])[audit_id], audit_id)
            details = checklist_details(PublishedTexts(session), state)
    finally:
        database.dispose()
    assert [(d.checklist_id, d.version, len(d.items)) for d in details] == [("supplier-walk", "2.1", 3)]

    again = _publish(central, SMALL)
    assert "was published before" in again
    assert "nothing changed" in again
    assert _updates_queued(database_url, field.ws.device_id) == 1
    field.ws.sync_now()
    assert _held(field) == [("supplier-walk", "2.1")]
    listed = run_cli(["admin", "checklists"], central.env)  # type: ignore[attr-defined]
    assert len([line for line in listed.stdout.splitlines() if "supplier-walk" in line]) == 1


@pytest.mark.req("SYN-212")
def test_a_new_version_serves_new_plans_and_planned_audits_keep_theirs(
    central: Running, field: Field, tmp_path: Path
) -> None:
    audits = _audits(field)
    _publish(central, SMALL)
    field.ws.sync_now()
    before = audits.create_audit(_form("supplier-walk"))

    _publish(central, _version_22(tmp_path))
    assert field.ws.sync_now().last_error is None
    assert _held(field) == [("supplier-walk", "2.1"), ("supplier-walk", "2.2")]
    choices = [c for c in audits.checklist_choices() if c.checklist_id == "supplier-walk"]
    assert [c.version for c in choices] == ["2.2"]  # one current version to plan with
    after = audits.create_audit(_form("supplier-walk"))

    assert audits.walkthrough(before).rows[0].text == OLD_QUESTION
    assert audits.walkthrough(after).rows[0].text == NEW_QUESTION
    # Adding a checklist to the earlier audit keeps its supplier walk at the version it was planned with.
    audits.save_plan_field(before, "criteria", "supplier-walk, fda-qmsr")
    plan = audit_state(field.ws.store(), before).plan
    assert plan is not None
    assert [(r.checklist_id, r.version) for r in plan.criteria] == [
        ("supplier-walk", "2.1"),
        ("fda-qmsr", "1.0.0"),
    ]
    assert plan.criteria[0].content_hash == checklists.load_file(SMALL).content_hash
    assert audits.walkthrough(before).rows[0].text == OLD_QUESTION


@pytest.mark.req("SYN-212")
def test_a_teammate_enrolled_later_also_receives_the_version_the_team_audit_pins(
    central: Running, field: Field, tmp_path: Path
) -> None:
    _publish(central, SMALL)
    field.ws.sync_now()
    audit_id = _audits(field).create_audit(dataclasses.replace(_form("supplier-walk"), team="Tess Teammate"))
    _publish(central, _version_22(tmp_path))
    assert field.ws.sync_now().last_error is None
    made = run_cli(["admin", "create-user", "tess", "--name", "Tess Teammate"], central.env)  # type: ignore[attr-defined]
    assert made.returncode == 0, made.stderr
    mate = Field(tmp_path / "mate", central.url)
    try:
        mate.agent.enroll(issue_code(central, "tess"))
        assert mate.ws.sync_now().last_error is None
        assert sorted(_held(mate)) == [("supplier-walk", "2.1"), ("supplier-walk", "2.2")]
        audits = _audits(mate)
        assert audits.walkthrough(audit_id).rows[0].text == OLD_QUESTION
        assert [c.version for c in audits.checklist_choices() if c.checklist_id == "supplier-walk"] == ["2.2"]
    finally:
        mate.ws.close()


@pytest.mark.req("SYN-210")
def test_a_device_enrolled_later_receives_the_current_versions_once(
    central: Running, tmp_path: Path, database_url: str
) -> None:
    _publish(central, SMALL)
    _publish(central, _version_22(tmp_path))
    _publish(central, FIXTURES / "ciso-framework.yaml")
    late = Field(tmp_path / "late", central.url)
    try:
        late.agent.enroll(issue_code(central))
        assert late.ws.sync_now().last_error is None
        held = sorted(_held(late))
        assert ("supplier-walk", "2.2") in held
        assert ("supplier-walk", "2.1") not in held
        assert len(held) == 2
        late.ws.sync_now()
        assert sorted(_held(late)) == held
        assert _updates_queued(database_url, late.ws.device_id) == 2
    finally:
        late.ws.close()


def _upload(central: Running, headers: dict[str, str], path: Path, name: str | None = None) -> Any:
    body = {"file_name": name or path.name, "content_base64": base64.b64encode(path.read_bytes()).decode()}
    return requests.post(f"{central.url}/api/checklists/published", json=body, headers=headers, timeout=60)


@pytest.mark.req("SYN-213")
def test_quality_managers_publish_over_the_api_and_bad_files_are_refused_by_name(
    central: Running, field: Field, tmp_path: Path
) -> None:
    for username, role in (("quinn", "quality_manager"), ("aude", "auditor")):
        made = run_cli(["admin", "create-user", username, "--role", role], central.env)  # type: ignore[attr-defined]
        assert made.returncode == 0, made.stderr
    manager = login(central, "quinn")
    first = _upload(central, manager, FIXTURES / "small.xlsx")
    assert first.status_code == 201, first.text
    published = first.json()
    assert (published["checklist_id"], published["version"], published["new"]) == (
        "supplier-walk",
        "2.1",
        True,
    )
    # The YAML of the same content is the same version: nothing new, whichever format it came in.
    same = _upload(central, manager, SMALL)
    assert same.status_code == 200, same.text
    assert (same.json()["new"], same.json()["content_hash"]) == (False, published["content_hash"])
    assert published["content_hash"] == checklists.load_file(SMALL).content_hash

    refused = _upload(central, login(central, "aude"), SMALL)
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "forbidden")
    broken = _upload(central, manager, FIXTURES / "broken.yaml")
    assert (broken.status_code, broken.json()["error"]["code"]) == (422, "invalid_checklist")
    assert "broken.yaml:" in broken.json()["error"]["message"]

    huge = tmp_path / "huge.yaml"
    items = "".join(
        f"        - id: h-{n}\n          question: Question {n}?\n          guidance: {'x' * 9000}\n"
        for n in range(260)
    )
    huge.write_text(
        f"id: huge\ntitle: Huge\nversion: '1'\nsections:\n  '4':\n    title: QMS\n    items:\n{items}",
        encoding="utf-8",
    )
    too_large = _upload(central, manager, huge)
    assert (too_large.status_code, too_large.json()["error"]["code"]) == (413, "checklist_too_large")

    listing = requests.get(f"{central.url}/api/checklists/published", headers=manager, timeout=10).json()
    assert [(p["checklist_id"], p["published_by"]) for p in listing] == [("supplier-walk", "quinn")]
    assert field.ws.sync_now().last_error is None
    assert _held(field) == [("supplier-walk", "2.1")]


@pytest.mark.req("SYN-214")
@pytest.mark.req("SYN-216")
def test_a_malformed_or_unverifiable_update_is_refused_and_sync_goes_on(
    central: Running, field: Field, database_url: str
) -> None:
    good = checklists.load_file(SMALL)
    document = checklists.to_yaml(good)
    honest = {
        "publication": 99,
        "checklist_id": good.id,
        "version": good.version,
        "title": good.title,
        "content_hash": good.content_hash,
        "published_at": "2026-11-25T00:00:00+00:00",
        "format": "yaml",
        "document": document,
    }
    bad_records: list[dict[str, Any]] = [
        {**honest, "document": document.replace(OLD_QUESTION, "Is everything fine?")},  # hash mismatch
        {**honest, "document": "sections: [unclosed"},  # does not load
        {**honest, "publication": "first"},  # malformed
        {**honest, "checklist_id": "other-id"},  # not what it announces
    ]
    database = Database(database_url)
    try:
        with database.transaction() as session:
            for record in bad_records:
                queue_for_device(session, field.ws.device_id, "checklist_update", record)
            queue_for_device(
                session, field.ws.device_id, "finding_status", {"finding_id": "F", "status": "x"}
            )
    finally:
        database.dispose()
    _publish(central, SMALL)  # a genuine publication after the bad ones

    view = field.ws.sync_now()
    assert view.last_error is None
    assert _held(field) == [("supplier-walk", "2.1")]
    assert field.agent.finding_statuses() == {"F": "x"}
    refusals = field.agent.checklist_refusals()
    reasons = [r.reason for r in refusals]
    assert len(reasons) == 4
    assert "does not match its content hash" in reasons[0]
    assert "does not load" in reasons[1]
    assert "publication" in reasons[2]
    assert "other-id" in reasons[3]
    assert (
        json.loads(field.ws.store().get("checklists.refused") or "[]")[0]["content_hash"] == good.content_hash
    )
    # The panel names what still needs attention: the genuine version that came after made good the bad
    # copies of supplier-walk, nothing made good the record that was not what it announced.
    notice = sync_panel(field.ws.sync_view()).notice
    assert notice is not None
    assert notice.startswith("An update of checklist other-id from the central store was refused ")
    assert notice.endswith("tell your quality manager.")
