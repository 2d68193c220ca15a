"""A major nonconformity triaged "correction only", seen by readiness in a real encrypted workspace (with
the statuses pulled from the store) and at a real central store on loopback (SQLite, PostgreSQL) (REP-012)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import requests
from pypdf import PdfReader

from auditapp.cli import main
from auditapp.reports.readiness_json import readiness_from_dict
from auditapp.services.reporting import FINDING_STATUSES_KEY
from auditapp.store import FieldStore
from auditapp.ui.readiness_view import readiness_view
from tests.fixtures.reports.readiness_sites import MAJOR_CORRECTED_REASON, major_corrected_site
from tests.integration.central.conftest import ADMIN_PASSWORD
from tests.integration.sync_e2e.devices import enroll, login
from tests.support.controls import texts
from tests.support.processes import Running, run_cli

PASSPHRASE = "readiness triage passphrase"
UNTREATED = (
    'major nonconformity at 7.5.1, "Batch records of line 2 released without the…" '
    '(internal audit "Quarter 4 walkthrough", 2026-09-07) has no correction or CAPA on record'
)


def _words(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


@pytest.mark.req("REP-012")
def test_the_workspace_reports_a_major_corrected_only_once_its_status_is_pulled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    site = major_corrected_site()
    folder = tmp_path / "ws"
    store = FieldStore.create(folder, PASSPHRASE)
    try:
        for events in site.events.values():
            store.append(events)
    finally:
        store.close()
    monkeypatch.setenv("AUDITAPP_PASSPHRASE", PASSPHRASE)
    args = ["readiness", "--site", site.name, "--as-of", site.as_of.isoformat(), "--workspace", str(folder)]

    assert main(args) == 0  # nothing pulled yet: no correction is on record here
    out = capsys.readouterr().out
    assert out.startswith("Major Corrected: Not ready")
    assert f"  blocks Stage 1: {UNTREATED}\n" in out

    store = FieldStore.open(folder, PASSPHRASE)
    try:
        store.put(FINDING_STATUSES_KEY, json.dumps(site.statuses))  # as a sync round leaves them
    finally:
        store.close()
    pdf = tmp_path / "readiness.pdf"
    assert main([*args, "--pdf", str(pdf)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Major Corrected: Ready for Stage 1")
    assert f"  blocks Stage 2: {MAJOR_CORRECTED_REASON}\n" in out
    assert "maj-F-1" not in out
    text = _words(pdf.read_bytes())
    assert "Ready for Stage 1" in text
    assert f"• {MAJOR_CORRECTED_REASON}" in text  # whitespace collapsed
    assert "maj-F-1" not in text


@pytest.mark.req("REP-012")
def test_the_store_reports_a_major_triaged_correction_only_as_corrected_without_corrective_action(
    central: Running,
) -> None:
    device = enroll(central)
    site = major_corrected_site(device=device.device_id)
    reply = device.push([e for events in site.events.values() for e in events])
    assert reply.status_code == 200, reply.text
    made = run_cli(
        ["admin", "create-user", "quinn", "--role", "quality_manager", "--name", "Quinn Quality"],
        central.env,  # type: ignore[attr-defined]
    )
    assert made.returncode == 0, made.stderr
    quinn = login(central, "quinn", ADMIN_PASSWORD)
    url = f"{central.url}/api/readiness"
    params = {"site": site.name, "as_of": site.as_of.isoformat()}

    before = requests.get(url, params=params, headers=quinn, timeout=60).json()
    assert before["verdict"] == "not_ready"
    assert {"blocks_stage": 1, "topic": "CAPA", "text": UNTREATED} in before["reasons"]

    triaged = requests.post(
        f"{central.url}/api/findings/maj-F-1/triage",
        json={"decision": "correction_only", "correction": "Second signatures added to the six records"},
        headers=quinn,
        timeout=30,
    )
    assert triaged.status_code == 200, triaged.text

    after = requests.get(url, params=params, headers=quinn, timeout=60)
    assert after.status_code == 200, after.text
    body = after.json()
    assert (body["verdict"], body["verdict_label"]) == ("ready_for_stage_1", "Ready for Stage 1")
    assert {"blocks_stage": 2, "topic": "CAPA", "text": MAJOR_CORRECTED_REASON} in body["reasons"]
    assert not any(r["blocks_stage"] == 1 for r in body["reasons"])
    assert "maj-F-1" not in json.dumps(body["reasons"])
    assert body["capas"]["findings_without_capa"] == ["maj-F-1"]  # the id stays for programs

    shown = texts(readiness_view(readiness_from_dict(body)))
    assert f"•  {MAJOR_CORRECTED_REASON}" in shown  # what the quality app shows
    pdf = requests.get(url, params={**params, "format": "pdf"}, headers=quinn, timeout=60)
    assert f"• {MAJOR_CORRECTED_REASON}" in _words(pdf.content)
