"""Field readiness dates the CAPAs pulled from the central store by the day the store opened them, so the
CAPA process reads as the store reads it (real API and ingest on SQLite and PostgreSQL, a real encrypted
workspace, the `auditapp readiness` command)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from auditapp.central.tables import StoredEvent
from auditapp.cli import main
from auditapp.domain.events import DomainEvent
from auditapp.services.reporting import PRIOR_FINDINGS_KEY
from auditapp.store import FieldStore
from tests.integration.capa.conftest import (  # noqa: F401 - fixtures
    Tablet,
    as_user,
    client,
    database,
    open_capa,
    tablets,
    user_ids,
)

PASSPHRASE = "pulled capas passphrase"
SITE = "Plant 2"


def _capa_process(readiness: dict[str, Any]) -> dict[str, Any]:
    return next(p for p in readiness["processes"] if p["key"] == "capa")


@pytest.mark.req("REP-008", "CAP-016")
def test_a_pulled_capa_shows_the_capa_process_running_as_at_the_store(
    client: TestClient,  # noqa: F811
    as_user: dict[str, dict[str, str]],  # noqa: F811
    tablets: list[Tablet],  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tablet = tablets[0]
    opened = open_capa(client, as_user["quinn"], tablet, site=SITE)  # the store opens it today
    tablet.push([tablet.plan(str(uuid.uuid4()), site=SITE)])  # the next audit of the site pulls it
    pulled = tablet.messages("prior_findings")
    assert [c["id"] for c in pulled[-1]["capas"]] == [opened.capa_id]

    with tablet.database.transaction() as session:
        bodies = list(session.scalars(select(StoredEvent.body)))
    folder = tmp_path / "tablet"
    store = FieldStore.create(folder, PASSPHRASE)
    try:
        store.merge_remote([DomainEvent.from_dict(json.loads(b)) for b in bodies])
        store.put(PRIOR_FINDINGS_KEY, json.dumps(pulled))
    finally:
        store.close()
    monkeypatch.setenv("AUDITAPP_PASSPHRASE", PASSPHRASE)
    today = dt.datetime.now(dt.UTC).date().isoformat()

    assert main(["readiness", "--site", SITE, "--as-of", today, "--workspace", str(folder), "--json"]) == 0
    field = json.loads(capsys.readouterr().out)
    at_store = client.get("/api/readiness", params={"site": SITE, "as_of": today}, headers=as_user["vic"])
    assert at_store.status_code == 200, at_store.text

    capa = _capa_process(field)
    assert (capa["state"], capa["light"], capa["latest"]) == ("running", "green", today)  # never "stale"
    assert (capa["state"], capa["latest"]) == (
        _capa_process(at_store.json())["state"],
        _capa_process(at_store.json())["latest"],
    )
    assert field["capas"]["open"] == [opened.capa_id]
    assert [x["name"] for x in field["capas"]["loops"] if x["kind"] == "capa"] == [
        f'CAPA "Gowning log gaps" (opened {today})'
    ]
