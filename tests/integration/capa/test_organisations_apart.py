"""Two clients of a consultant, each with a site called "Main plant": neither sees the other's findings,
CAPAs, repeats or field tasks, at the central store (real API and ingest, SQLite and PostgreSQL) or on a
tablet that audits both (a real encrypted workspace)."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import time
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from auditapp.bootstrap import LibraryChecklists
from auditapp.central import auth
from auditapp.central.database import Database
from auditapp.central.effectiveness_tick import tick
from auditapp.central.tables import Device
from auditapp.cli import main
from auditapp.domain.clock import HybridClock
from auditapp.domain.events import DomainEvent, EventFactory, EventKind
from auditapp.reports.audit_report import render_audit_pdf
from auditapp.reports.exports import capa_table
from auditapp.services.reporting import PRIOR_FINDINGS_KEY, field_dossier
from auditapp.store import FieldStore
from tests.integration.capa.conftest import Tablet, plan, work_through
from tests.integration.central.conftest import ADMIN_PASSWORD, central  # noqa: F401 - fixture
from tests.integration.sync_e2e.devices import enroll
from tests.support.processes import Running

SITE = "Main plant"
ACME, BETA = "Acme Medical", "Beta Devices"  # ACME is the organisation of the conftest's plans
ACME_NC = "Sterilisation records of lot 88 falsified"
BETA_NC = "Gowning log of cleanroom 1 unsigned"
TODAY = dt.datetime.now(dt.UTC).date()


def _planned(tablet: Tablet, audit_id: str, organisation: str, start: dt.date) -> DomainEvent:
    chosen = replace(
        plan(SITE, f"{organisation} walk {start}"),
        organisation=organisation,
        start_date=start,
        end_date=start,
    )
    return tablet.make(audit_id, EventKind.AUDIT_PLANNED, {"plan": chosen.to_dict()})


def _audit(
    tablet: Tablet, organisation: str, start: dt.date, statement: str = "", clause: str = "6.4.1"
) -> str:
    """An audit of the organisation's Main plant pushed from the tablet, with a finding when a statement is
    given; returns the audit id."""
    audit_id = str(uuid.uuid4())
    events = [_planned(tablet, audit_id, organisation, start)]
    if statement:
        events.append(tablet.raise_finding(audit_id, clause=clause, statement=statement))
    tablet.push(events)
    return audit_id


def _finding_of(client: TestClient, qm: dict[str, str], audit_id: str) -> str:
    reply = client.get("/api/findings", params={"audit_id": audit_id}, headers=qm)
    assert reply.status_code == 200, reply.text
    return str(reply.json()["items"][0]["id"])


def _open_capa(client: TestClient, qm: dict[str, str], finding_id: str, title: str) -> str:
    body = {
        "decision": "open_capa",
        "capa": {"title": title, "problem_statement": "Records do not match practice", "owner": "owen"},
    }
    reply = client.post(f"/api/findings/{finding_id}/triage", json=body, headers=qm)
    assert reply.status_code == 200, reply.text
    return str(reply.json()["capa_id"])


def _pdf_text(data: bytes) -> str:
    return re.sub(r"\s+", " ", " ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages))


def _now_on(*tablets: Tablet) -> None:
    for tablet in tablets:
        tablet.wall_ms = int(time.time() * 1000)


def _device(database: Database, user_id: str) -> Tablet:
    """One more enrolled tablet of the user."""
    device_id = f"tablet-x-{uuid.uuid4().hex[:8]}"
    with database.transaction() as session:
        session.add(
            Device(id=device_id, user_id=user_id, name="tablet x", status="active", created_at=auth.now())
        )
    return Tablet(database, device_id)


@pytest.fixture
def two_clients(
    client: TestClient, as_user: dict[str, dict[str, str]], tablets: list[Tablet]
) -> dict[str, str]:
    """Acme's March audit of its Main plant with a major nonconformity and its CAPA, Beta's October audit of
    its own Main plant with a finding, and Acme's next audit in October; the ids by name."""
    acme, beta = tablets
    qm = as_user["quinn"]
    out = {"acme_march": _audit(acme, ACME, dt.date(2026, 3, 2), ACME_NC)}
    out["acme_capa"] = _open_capa(client, qm, _finding_of(client, qm, out["acme_march"]), "Lot 88 records")
    out["beta_october"] = _audit(beta, BETA, dt.date(2026, 10, 1), BETA_NC)
    out["acme_october"] = _audit(acme, ACME, dt.date(2026, 10, 5))
    return out


@pytest.mark.req("REP-020", "REP-002")
def test_another_clients_findings_and_capas_stay_out_of_an_audit_report(
    client: TestClient, as_user: dict[str, dict[str, str]], two_clients: dict[str, str]
) -> None:
    qm = as_user["quinn"]
    beta = two_clients["beta_october"]
    report = client.get(f"/api/audits/{beta}/report", headers=qm)
    assert report.status_code == 200, report.text
    text = _pdf_text(report.content)
    assert BETA_NC in text
    assert ACME_NC not in text  # not "followed up" in Beta's report
    capas = client.get(f"/api/audits/{beta}/report", params={"format": "csv", "table": "capas"}, headers=qm)
    assert capas.status_code == 200, capas.text
    assert "Lot 88 records" not in capas.content.decode("utf-8-sig")

    # Acme's own next audit of its Main plant follows its March finding up, with the CAPA.
    acme = client.get(f"/api/audits/{two_clients['acme_october']}/report", headers=qm)
    assert ACME_NC in _pdf_text(acme.content)
    acme_capas = client.get(
        f"/api/audits/{two_clients['acme_october']}/report",
        params={"format": "csv", "table": "capas"},
        headers=qm,
    )
    assert "Lot 88 records" in acme_capas.content.decode("utf-8-sig")


@pytest.mark.req("REP-020", "REP-015")
def test_readiness_of_a_shared_site_name_asks_whose_site_and_never_mixes_clients(
    client: TestClient, as_user: dict[str, dict[str, str]], two_clients: dict[str, str]
) -> None:
    viewer = as_user["vic"]
    refused = client.get("/api/readiness", params={"site": SITE}, headers=viewer)
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error["code"] == "ambiguous_site"
    assert error["message"].startswith("organisation: ")
    assert ACME in error["message"]
    assert BETA in error["message"]

    beta = client.get("/api/readiness", params={"site": SITE, "organisation": BETA}, headers=viewer)
    assert beta.status_code == 200, beta.text
    assert beta.json()["audits"] == [two_clients["beta_october"]]
    assert two_clients["acme_capa"] not in json.dumps(beta.json()["capas"])
    pdf = client.get(
        "/api/readiness", params={"site": SITE, "organisation": BETA, "format": "pdf"}, headers=viewer
    )
    assert pdf.status_code == 200
    assert "Lot 88 records" not in _pdf_text(pdf.content)

    acme = client.get("/api/readiness", params={"site": SITE, "organisation": ACME}, headers=viewer).json()
    assert set(acme["audits"]) == {two_clients["acme_march"], two_clients["acme_october"]}
    assert acme["capas"]["open"] == [two_clients["acme_capa"]]

    unknown = client.get("/api/readiness", params={"site": SITE, "organisation": "Gamma"}, headers=viewer)
    assert unknown.status_code == 404
    assert unknown.json()["error"]["message"].startswith("organisation: no audit of the site 'Main plant' of")


@pytest.mark.req("REP-020", "CAP-016")
def test_a_planned_audit_gets_only_its_own_clients_earlier_findings_and_capas(
    two_clients: dict[str, str], tablets: list[Tablet]
) -> None:
    acme, beta = tablets
    assert all(ACME_NC not in json.dumps(m) for m in beta.messages("prior_findings"))
    pulled = [m for m in acme.messages("prior_findings") if m["audit_id"] == two_clients["acme_october"]]
    assert [f["statement"] for f in pulled[-1]["findings"]] == [ACME_NC]
    assert [c["id"] for c in pulled[-1]["capas"]] == [two_clients["acme_capa"]]


@pytest.mark.req("REP-020", "CAP-016")
def test_an_audit_moved_to_the_right_client_gets_that_clients_history(
    two_clients: dict[str, str], tablets: list[Tablet]
) -> None:
    _acme, beta = tablets
    audit_id = str(uuid.uuid4())
    planned = _planned(beta, audit_id, BETA, dt.date(2026, 11, 2))
    beta.push([planned])
    assert all(ACME_NC not in json.dumps(m) for m in beta.messages("prior_findings"))

    # The auditor had picked the wrong client: the audit is Acme's Main plant after all.
    edit = {"field": "organisation", "value": ACME, "base": planned.hlc.to_text()}
    beta.push([beta.make(audit_id, EventKind.AUDIT_PLAN_EDITED, edit)])
    pulled = [m for m in beta.messages("prior_findings") if m["audit_id"] == audit_id]
    assert pulled
    assert [f["statement"] for f in pulled[-1]["findings"]] == [ACME_NC]
    assert pulled[-1]["organisation"] == ACME


def _plan_check(client: TestClient, qm: dict[str, str], capa_id: str, method: str) -> str:
    body = {
        "criterion": "Every record signed and matching the lot",
        "method": method,
        "window_start": (TODAY - dt.timedelta(days=1)).isoformat(),
        "window_end": (TODAY + dt.timedelta(days=30)).isoformat(),
    }
    reply = client.post(f"/api/capas/{capa_id}/effectiveness", json=body, headers=qm)
    assert reply.status_code == 201, reply.text
    return str(reply.json()["effectiveness_checks"][-1]["id"])


def _capa(client: TestClient, qm: dict[str, str], capa_id: str) -> dict[str, Any]:
    return dict(client.get(f"/api/capas/{capa_id}", headers=qm).json())


def _finding(client: TestClient, qm: dict[str, str], audit_id: str) -> dict[str, Any]:
    return dict(client.get(f"/api/findings/{_finding_of(client, qm, audit_id)}", headers=qm).json())


@pytest.mark.req("REP-020", "CAP-015")
def test_a_finding_at_another_clients_same_named_site_is_no_repeat(
    client: TestClient, as_user: dict[str, dict[str, str]], tablets: list[Tablet]
) -> None:
    qm = as_user["quinn"]
    acme, beta = tablets
    _now_on(acme, beta)
    first = _audit(acme, ACME, TODAY - dt.timedelta(days=60), "Gowning log unsigned on 3 days")
    capa_id = _open_capa(client, qm, _finding_of(client, qm, first), "Gowning log gaps")
    work_through(client, capa_id, as_user["owen"])
    _plan_check(client, qm, capa_id, "record_review")
    before = _capa(client, qm, capa_id)

    at_beta = _audit(beta, BETA, TODAY, "Gowning log unsigned at Beta")  # same clause, same site name
    assert (_finding(client, qm, at_beta)["repeat"], _finding(client, qm, at_beta)["repeat_capa_id"]) == (
        False,
        None,
    )
    after = _capa(client, qm, capa_id)
    assert (after["stage"], after["round"]) == (before["stage"], before["round"])
    assert after["effectiveness_checks"][-1]["result"] == "pending"

    again = _audit(acme, ACME.upper() + " ", TODAY, "Gowning log unsigned again")  # Acme's, typed otherwise
    assert _finding(client, qm, again)["repeat_capa_id"] == capa_id
    assert _capa(client, qm, capa_id)["round"] == before["round"] + 1


@pytest.mark.req("REP-020", "CAP-015")
def test_field_reverification_tasks_go_only_to_the_clients_own_site_auditors(
    client: TestClient,
    as_user: dict[str, dict[str, str]],
    tablets: list[Tablet],
    database: Database,
    user_ids: dict[str, str],
) -> None:
    qm = as_user["quinn"]
    acme, beta = tablets
    _now_on(acme, beta)
    first = _audit(acme, ACME, TODAY - dt.timedelta(days=60), "Gowning log unsigned on 3 days")
    capa_id = _open_capa(client, qm, _finding_of(client, qm, first), "Gowning log gaps")
    _audit(beta, BETA, TODAY - dt.timedelta(days=10))  # Beta's auditor audits Beta's Main plant
    work_through(client, capa_id, as_user["owen"])
    _plan_check(client, qm, capa_id, "field_reverification")

    tasks = acme.messages("effectiveness_task")
    assert [t["capa_id"] for t in tasks] == [capa_id]
    assert (tasks[0]["organisation"], tasks[0]["site"]) == (ACME, SITE)
    assert beta.messages("effectiveness_task") == []

    # Auditors who start on the site after the tasks were queued get them: Acme's only.
    late_beta, late_acme = _device(database, user_ids["ana"]), _device(database, user_ids["ana"])
    _now_on(late_beta, late_acme)
    _audit(late_beta, BETA, TODAY)
    _audit(late_acme, ACME, TODAY)
    tick(database, with_top_up=True)
    assert late_beta.messages("effectiveness_task") == []
    assert [t["capa_id"] for t in late_acme.messages("effectiveness_task")] == [capa_id]


# ---------------------------------------------------------------- a tablet that audits both clients
PASSPHRASE = "two clients passphrase"


@pytest.fixture
def workspace(
    two_clients: dict[str, str], tablets: list[Tablet], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, dict[str, str]]:
    """A consultant's workspace holding both clients' audits (as pushed to the store) and the prior findings
    the store sent for Acme's October audit (the store starts before the tablets enroll)."""
    from sqlalchemy import select

    from auditapp.central.tables import StoredEvent
    from auditapp.domain.events import DomainEvent as Event

    acme, _beta = tablets
    with acme.database.transaction() as session:
        bodies = list(
            session.scalars(select(StoredEvent.body).order_by(StoredEvent.audit_id, StoredEvent.seq))
        )
    folder = tmp_path / "consultant"
    store = FieldStore.create(folder, PASSPHRASE)
    try:
        store.merge_remote([Event.from_dict(json.loads(b)) for b in bodies])
        store.put(PRIOR_FINDINGS_KEY, json.dumps(acme.messages("prior_findings")))
    finally:
        store.close()
    monkeypatch.setenv("AUDITAPP_PASSPHRASE", PASSPHRASE)
    return folder, two_clients


@pytest.mark.req("REP-020", "REP-002")
def test_a_field_report_follows_up_only_its_own_clients_findings(
    workspace: tuple[Path, dict[str, str]],
) -> None:
    folder, ids = workspace
    store = FieldStore.open(folder, PASSPHRASE)
    try:
        beta = field_dossier(store, LibraryChecklists(), ids["beta_october"])
        acme = field_dossier(store, LibraryChecklists(), ids["acme_october"])
    finally:
        store.close()
    beta_text = _pdf_text(render_audit_pdf(beta))
    assert BETA_NC in beta_text
    assert ACME_NC not in beta_text  # not followed up in Beta's report
    assert [row[1] for row in capa_table(beta).rows] == []  # nor in its CAPA log
    assert ACME_NC in _pdf_text(render_audit_pdf(acme))
    assert [row[1] for row in capa_table(acme).rows] == ["Lot 88 records"]


@pytest.mark.req("REP-020", "REP-015")
def test_field_readiness_of_a_shared_site_name_asks_whose_site_and_never_mixes_clients(
    workspace: tuple[Path, dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    folder, ids = workspace
    args = ["readiness", "--site", SITE, "--as-of", TODAY.isoformat(), "--workspace", str(folder)]
    assert main(args) == 2
    error = capsys.readouterr().err.strip()
    assert error == (
        "auditapp readiness: error: --organisation: 2 organisations have a site called 'Main plant' here "
        f"('{ACME}', '{BETA}'); give the organisation whose site to assess"
    )

    assert main([*args, "--organisation", BETA, "--json"]) == 0
    beta = json.loads(capsys.readouterr().out)
    assert beta["audits"] == [ids["beta_october"]]
    assert ids["acme_capa"] not in json.dumps(beta["capas"])

    assert main([*args, "--organisation", ACME, "--json"]) == 0
    acme = json.loads(capsys.readouterr().out)
    assert set(acme["audits"]) == {ids["acme_march"], ids["acme_october"]}
    assert acme["capas"]["open"] == [ids["acme_capa"]]

    assert main([*args, "--organisation", "Gamma"]) == 2
    assert capsys.readouterr().err.strip() == (
        "auditapp readiness: error: --organisation: no audit of the site 'Main plant' of 'Gamma' in this "
        f"workspace; the site 'Main plant' is audited here for '{ACME}', '{BETA}'"
    )


@pytest.mark.req("REP-020", "REP-011")
def test_readiness_from_the_central_store_takes_the_organisation(
    central: Running,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    device = enroll(central)
    factory = EventFactory(device.device_id, HybridClock(device.device_id))
    ids = {org: str(uuid.uuid4()) for org in (ACME, BETA)}
    events = [
        factory.make(
            audit_id, EventKind.AUDIT_PLANNED, {"plan": replace(plan(SITE), organisation=org).to_dict()}
        )
        for org, audit_id in ids.items()
    ]
    assert device.push(events).status_code == 200
    monkeypatch.setenv("AUDITAPP_PASSWORD", ADMIN_PASSWORD)
    args = ["readiness", "--site", SITE, "--server", central.url, "--user", "admin"]

    assert main(args) == 2
    error = capsys.readouterr().err
    assert f"organisation: 2 organisations have a site called 'Main plant' ('{ACME}', '{BETA}')" in error

    assert main([*args, "--organisation", BETA, "--json"]) == 0
    out = capsys.readouterr().out
    assert json.loads(out[out.index("{") :])["audits"] == [ids[BETA]]
