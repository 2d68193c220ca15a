"""Organisations kept apart, continued (REP-020): an audit moved to another client or site leaves the first
one's history behind on the tablet; one client typed in another case or spacing is one client everywhere;
readiness says whose site it assessed. Real API and ingest on SQLite and PostgreSQL, real encrypted
workspaces, real PDFs."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import flet as ft
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from auditapp.bootstrap import FieldStoreOpener, LibraryChecklists
from auditapp.central.database import Database
from auditapp.central.tables import StoredEvent
from auditapp.client.device_checklists import DeviceChecklists
from auditapp.demo import demo_plan
from auditapp.domain.events import DomainEvent, EventKind
from auditapp.reports.audit_report import render_audit_pdf
from auditapp.reports.library import standard_clauses
from auditapp.reports.readiness_json import readiness_from_dict, readiness_to_dict
from auditapp.reports.readiness_report import render_readiness_pdf
from auditapp.services.reporting import PRIOR_FINDINGS_KEY, field_dossier, field_readiness
from auditapp.services.workspace import FieldWorkspace
from auditapp.store import FieldStore
from auditapp.ui.field.app import _readiness
from auditapp.ui.readiness_view import readiness_view
from tests.integration.capa.conftest import Tablet, plan, work_through
from tests.integration.capa.test_organisations_apart import (
    ACME,
    ACME_NC,
    BETA,
    BETA_NC,
    SITE,
    TODAY,
    _finding,
    _finding_of,
    _now_on,
    _open_capa,
    _pdf_text,
    _plan_check,
    _planned,
    two_clients,  # noqa: F401 - fixture
)
from tests.support.controls import texts, walk

PASSPHRASE = "organisations apart passphrase"
FIRST_NC = "Gowning log unsigned on 3 days"


def _workspace(database: Database, folder: Path, pulled: list[dict[str, Any]]) -> Path:
    """A tablet's encrypted workspace holding every audit the store holds and the prior_findings records
    pulled, appended in the order they arrived (as the sync agent keeps them)."""
    with database.transaction() as session:
        bodies = list(
            session.scalars(select(StoredEvent.body).order_by(StoredEvent.audit_id, StoredEvent.seq))
        )
    store = FieldStore.create(folder, PASSPHRASE)
    try:
        store.merge_remote([DomainEvent.from_dict(json.loads(b)) for b in bodies])
        store.put(PRIOR_FINDINGS_KEY, json.dumps(pulled))
    finally:
        store.close()
    return folder


# ------------------------------------------------------------ an audit moved to another client or site
@pytest.mark.req("REP-020")
@pytest.mark.parametrize(
    ("field", "value", "owner", "site"),
    [("organisation", BETA, BETA, SITE), ("site", "Plant 9", ACME, "Plant 9")],
    ids=["to-another-client", "to-another-site"],
)
def test_an_audit_moved_on_the_tablet_shows_none_of_its_first_places_history(
    field: str,
    value: str,
    owner: str,
    site: str,
    two_clients: dict[str, str],  # noqa: F811
    tablets: list[Tablet],
    database: Database,
    tmp_path: Path,
) -> None:
    _acme, beta = tablets
    audit_id = str(uuid.uuid4())
    planned = _planned(
        beta, audit_id, ACME, dt.date(2026, 11, 2)
    )  # the auditor first picked Acme's Main plant
    beta.push([planned])
    edit = {"field": field, "value": value, "base": planned.hlc.to_text()}
    beta.push([beta.make(audit_id, EventKind.AUDIT_PLAN_EDITED, edit)])
    pulled = beta.messages("prior_findings")
    first = next(m for m in pulled if m["audit_id"] == audit_id)
    assert (first["organisation"], first["site"]) == (ACME, SITE)  # the tablet still holds Acme's history
    assert ACME_NC in json.dumps(first)

    store = FieldStore.open(_workspace(database, tmp_path / "tablet", pulled), PASSPHRASE)
    try:
        dossier = field_dossier(store, LibraryChecklists(), audit_id)
        readiness = field_readiness(store, site, TODAY, standard_clauses(), organisation=owner)
    finally:
        store.close()

    acme_capa = two_clients["acme_capa"]
    assert ACME_NC not in [p.statement for p in dossier.prior_findings]
    assert acme_capa not in [c.capa_id for c in dossier.capas]
    report = _pdf_text(render_audit_pdf(dossier))
    assert ACME_NC not in report
    assert "Lot 88 records" not in report
    assert acme_capa not in json.dumps(readiness_to_dict(readiness))
    assert "Lot 88 records" not in _pdf_text(render_readiness_pdf(readiness))
    if field == "organisation":  # Beta's own Main plant history is what it follows up now
        assert BETA_NC in [p.statement for p in dossier.prior_findings]


# ------------------------------------------------------------ one client typed in another case
def _audit_at(
    tablet: Tablet, organisation: str, site: str, start: dt.date, statement: str = "", clause: str = "6.4.1"
) -> str:
    audit_id = str(uuid.uuid4())
    chosen = replace(plan(site, f"walk {start}"), organisation=organisation, start_date=start, end_date=start)
    events = [tablet.make(audit_id, EventKind.AUDIT_PLANNED, {"plan": chosen.to_dict()})]
    if statement:
        events.append(tablet.raise_finding(audit_id, clause=clause, statement=statement))
    tablet.push(events)
    return audit_id


TYPED_OTHERWISE = ("ACME  MEDICAL", " main PLANT")
"""Acme Medical's Main plant as another auditor typed it: another case, spaces repeated and around."""


@pytest.fixture
def typed_otherwise(
    client: TestClient, as_user: dict[str, dict[str, str]], tablets: list[Tablet]
) -> dict[str, str]:
    """Acme's audit of its Main plant two months ago with a nonconformity and a CAPA under a pending
    effectiveness check, then today's audit of the same site typed otherwise with the same nonconformity."""
    qm = as_user["quinn"]
    acme, beta = tablets
    _now_on(acme, beta)
    out = {"first": _audit_at(acme, ACME, SITE, TODAY - dt.timedelta(days=60), FIRST_NC)}
    out["capa"] = _open_capa(client, qm, _finding_of(client, qm, out["first"]), "Gowning log gaps")
    work_through(client, out["capa"], as_user["owen"])
    _plan_check(client, qm, out["capa"], "record_review")
    out["again"] = _audit_at(beta, *TYPED_OTHERWISE, TODAY, "Gowning log unsigned again")
    return out


@pytest.mark.req("REP-020", "CAP-016", "CAP-015")
def test_a_client_typed_in_another_case_gets_its_history_repeats_and_one_readiness(
    client: TestClient,
    as_user: dict[str, dict[str, str]],
    tablets: list[Tablet],
    typed_otherwise: dict[str, str],
) -> None:
    qm, viewer = as_user["quinn"], as_user["vic"]
    _acme, beta = tablets
    ids = typed_otherwise
    assert _finding(client, qm, ids["again"])["repeat_capa_id"] == ids["capa"]

    pulled = [m for m in beta.messages("prior_findings") if m["audit_id"] == ids["again"]]
    assert pulled, "no prior findings sent for the audit typed otherwise"
    assert [f["statement"] for f in pulled[-1]["findings"]] == [FIRST_NC]
    assert [c["id"] for c in pulled[-1]["capas"]] == [ids["capa"]]
    report = client.get(f"/api/audits/{ids['again']}/report", headers=qm)
    assert report.status_code == 200, report.text
    assert FIRST_NC in _pdf_text(report.content)

    for organisation in (None, "acme medical"):
        params = {"site": "Main Plant"} | ({"organisation": organisation} if organisation else {})
        readiness = client.get("/api/readiness", params=params, headers=viewer)
        assert readiness.status_code == 200, readiness.text
        body = readiness.json()
        assert set(body["audits"]) == {ids["first"], ids["again"]}
        assert body["organisation"] == TYPED_OTHERWISE[0]  # one spelling: the latest plan's


@pytest.mark.req("REP-020", "CAP-015")
def test_a_field_task_goes_to_the_auditor_who_typed_the_client_otherwise(
    client: TestClient, as_user: dict[str, dict[str, str]], tablets: list[Tablet]
) -> None:
    qm = as_user["quinn"]
    acme, beta = tablets
    _now_on(acme, beta)
    first = _audit_at(acme, ACME, SITE, TODAY - dt.timedelta(days=60), FIRST_NC)
    capa_id = _open_capa(client, qm, _finding_of(client, qm, first), "Gowning log gaps")
    _audit_at(beta, *TYPED_OTHERWISE, TODAY - dt.timedelta(days=10))  # beta audits Acme's site as well
    work_through(client, capa_id, as_user["owen"])
    _plan_check(client, qm, capa_id, "field_reverification")

    assert [t["capa_id"] for t in beta.messages("effectiveness_task")] == [capa_id]
    assert [t["capa_id"] for t in acme.messages("effectiveness_task")] == [capa_id]


@pytest.mark.req("REP-020", "REP-015")
def test_a_tablet_holding_a_client_typed_otherwise_assesses_one_site_and_follows_it_up(
    typed_otherwise: dict[str, str], tablets: list[Tablet], database: Database, tmp_path: Path
) -> None:
    _acme, beta = tablets
    ids = typed_otherwise
    store = FieldStore.open(
        _workspace(database, tmp_path / "tablet", beta.messages("prior_findings")), PASSPHRASE
    )
    try:
        readiness = field_readiness(store, "MAIN plant", TODAY, standard_clauses())  # no organisation asked
        dossier = field_dossier(store, LibraryChecklists(), ids["again"])
    finally:
        store.close()
    assert set(readiness.audits) == {ids["first"], ids["again"]}
    assert readiness.organisation == TYPED_OTHERWISE[0]
    assert ids["capa"] in readiness.capas.open_ids
    assert FIRST_NC in [p.statement for p in dossier.prior_findings]


# ------------------------------------------------------------ readiness says whose site it assessed
@pytest.mark.req("REP-020")
def test_readiness_names_the_organisation_whose_site_it_assessed(
    client: TestClient,
    as_user: dict[str, dict[str, str]],
    two_clients: dict[str, str],  # noqa: F811
) -> None:
    viewer = as_user["vic"]
    params = {"site": SITE, "organisation": BETA}
    reply = client.get("/api/readiness", params=params, headers=viewer)
    assert reply.status_code == 200, reply.text
    data = reply.json()
    assert (data["organisation"], data["site"]) == (BETA, SITE)
    pdf = client.get("/api/readiness", params=params | {"format": "pdf"}, headers=viewer)
    assert pdf.status_code == 200
    text = _pdf_text(pdf.content)
    assert f"{SITE} ({BETA}): records of the 12 months" in text
    assert ACME not in text

    # Both apps' screens show it in the verdict banner, from the JSON the quality app reads.
    readiness = readiness_from_dict(data)
    assert readiness.organisation == BETA
    assert any(
        t.startswith(f"{SITE} ({BETA}): records of the 12 months") for t in texts(readiness_view(readiness))
    )

    # JSON written before readiness named its organisation still reads, and shows the site alone.
    older = {k: v for k, v in data.items() if k != "organisation"}
    assert (readiness_from_dict(older).organisation, readiness_from_dict(older).site) == ("", SITE)
    assert any(
        t.startswith(f"{SITE}: records of the 12 months")
        for t in texts(readiness_view(readiness_from_dict(older)))
    )


@pytest.mark.req("REP-020")
def test_the_field_readiness_screen_offers_a_client_typed_otherwise_once_and_names_it(tmp_path: Path) -> None:
    ws = FieldWorkspace(tmp_path / "ws", FieldStoreOpener(), DeviceChecklists(lambda: ws.store()))
    ws.set_up(PASSPHRASE, PASSPHRASE)
    try:
        first = demo_plan(dt.date(2026, 11, 2))
        ws.plan_audit(replace(first, organisation=ACME, site=SITE))
        ws.plan_audit(
            replace(
                first,
                organisation="ACME MEDICAL",
                site="main plant",
                start_date=dt.date(2026, 11, 9),
                end_date=dt.date(2026, 11, 9),
            )
        )

        screen = _readiness(SimpleNamespace(workspace=ws), {})  # type: ignore[arg-type]

        [choice] = [c for c in walk(screen) if isinstance(c, ft.Dropdown)]
        assert [o.key or o.text for o in choice.options] == ["main plant"]  # the latest plan's spelling
        choice.value = "main plant"
        choice.on_select(None)  # type: ignore[misc, call-arg, arg-type]
        shown = texts(screen)
        assert any(t.startswith("main plant (ACME MEDICAL): records of the 12 months") for t in shown), shown
        assert any(t.endswith("2 audit(s)") for t in shown), shown
    finally:
        ws.close()
