"""Reports from a real central store on loopback (SQLite, PostgreSQL): events pushed by an enrolled device."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import requests
from openpyxl import load_workbook
from pypdf import PdfReader

from auditapp.domain.practice import clause_key
from auditapp.domain.readiness import clause_group
from auditapp.domain.state import project
from auditapp.reports.audit_json import read_document
from auditapp.reports.library import standard_clauses
from auditapp.services.reporting import import_audit
from auditapp.store import FieldStore
from tests.fixtures.reports.specimen import generate
from tests.integration.sync_e2e.devices import enroll, login
from tests.support.processes import Running


def _push(central: Running) -> tuple[dict[str, str], object]:
    device = enroll(central)
    spec = generate(responses=60, findings=8, photos=10, device_id=device.device_id)
    reply = device.push(spec.events)
    assert reply.status_code == 200, reply.text
    return login(central), spec


@pytest.mark.req("REP-005")
def test_a_reader_gets_the_report_and_every_export_of_a_synced_audit(
    central: Running, tmp_path: Path
) -> None:
    headers, spec = _push(central)
    url = f"{central.url}/api/audits/{spec.audit_id}/report"  # type: ignore[attr-defined]

    refused = requests.get(url, timeout=30)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "not_authenticated"
    unknown = requests.get(f"{central.url}/api/audits/no-such-audit/report", headers=headers, timeout=30)
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "unknown_audit"

    pdf = requests.get(url, headers=headers, timeout=60)
    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.content))
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)
    for statement in spec.statements:  # type: ignore[attr-defined]
        assert statement in text
    # Photos whose blobs have not been uploaded are named, not silently dropped.
    assert "not included: not available from the central store" in text

    rows = list(
        csv.DictReader(
            io.StringIO(
                requests.get(url, params={"format": "csv"}, headers=headers, timeout=30).content.decode(
                    "utf-8-sig"
                )
            )
        )
    )
    assert len(rows) == 8
    assert {r["statement"] for r in rows} == set(spec.statements)  # type: ignore[attr-defined]
    assert all(r["status"] == "new" for r in rows)

    book = load_workbook(
        io.BytesIO(requests.get(url, params={"format": "xlsx"}, headers=headers, timeout=30).content)
    )
    assert book.sheetnames == ["Findings", "CAPA log"]
    assert book["Findings"].max_row == 9

    exported = requests.get(url, params={"format": "json"}, headers=headers, timeout=30)
    document = read_document(exported.content, "export.json")
    store = FieldStore.create(tmp_path / "fresh", "another passphrase")
    try:
        import_audit(store, store.photos, document.events, document.photos.values())
        assert project(store.events(spec.audit_id), spec.audit_id) == project(spec.events, spec.audit_id)  # type: ignore[attr-defined]
    finally:
        store.close()


@pytest.mark.req("REP-009")
def test_the_store_gives_a_sites_readiness_as_json_and_pdf(central: Running) -> None:
    headers, spec = _push(central)
    url = f"{central.url}/api/readiness"
    assert requests.get(url, params={"site": spec.site}, timeout=30).status_code == 401  # type: ignore[attr-defined]
    missing = requests.get(url, params={"site": "Nowhere"}, headers=headers, timeout=30)
    assert missing.json()["error"]["code"] == "unknown_site"
    reply = requests.get(url, params={"site": spec.site, "as_of": "2026-06-30"}, headers=headers, timeout=60)  # type: ignore[attr-defined]
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["verdict"] == "not_ready"
    assert any(r["text"].startswith("Internal audit:") and r["blocks_stage"] == 1 for r in body["reasons"])
    assert body["audits"] == [spec.audit_id]  # type: ignore[attr-defined]
    assert body["coverage"]["rows"] == sorted({clause_group(c) for c in standard_clauses()}, key=clause_key)
    pdf = requests.get(url, params={"site": spec.site, "format": "pdf"}, headers=headers, timeout=60)  # type: ignore[attr-defined]
    assert pdf.headers["content-type"] == "application/pdf"
    assert "Not ready" in PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert json.loads(reply.content)["site"] == spec.site  # type: ignore[attr-defined]
