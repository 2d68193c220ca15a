"""`auditapp report` from a real workspace whose journal holds text stored before capture refused it."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from auditapp.cli import main
from auditapp.domain import drafts
from auditapp.domain.clock import HybridClock
from auditapp.domain.events import EventFactory, EventKind
from auditapp.reports.exports import FINDING_COLUMNS
from auditapp.store import FieldStore
from tests.fixtures.reports.specimen import Specimen, generate

PASSPHRASE = "odd text passphrase"
TITLE = "Audit \u202eevil\u202c \ud800 Zürich"
STATEMENT = "Seal broken \ud800 on lot\x00 7, alarm\x07"
LONG = "=" + "A" * 40_000


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Specimen, list[str]]:
    """A workspace whose journal holds odd text, written as an older app version wrote it."""
    spec = generate(responses=20, findings=2, photos=2)
    findings = [e.payload["finding_id"] for e in spec.events if e.kind is EventKind.FINDING_RAISED]
    factory = EventFactory(
        "older-app", HybridClock("older-app", iter(range(2 * 10**12, 3 * 10**12, 1000)).__next__)
    )
    odd = [
        (drafts.plan_edited("title", "x", None), TITLE),
        (drafts.finding_edited(findings[0], "statement", "x", None), STATEMENT),
        (drafts.finding_edited(findings[1], "statement", "x", None), LONG),
    ]
    events = [factory.make(spec.audit_id, d.kind, {**d.payload, "value": value}) for d, value in odd]
    folder = tmp_path / "ws"
    store = FieldStore.create(folder, PASSPHRASE)
    try:
        store.append(spec.events)
        store.merge_remote(events)
        for data in spec.photos.values():
            store.photos.put(data)
    finally:
        store.close()
    monkeypatch.setenv("AUDITAPP_PASSPHRASE", PASSPHRASE)
    return folder, spec, findings


@pytest.mark.req("REP-013")
def test_every_format_is_written_and_opens_when_the_journal_holds_odd_text(
    workspace: tuple[Path, Specimen, list[str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder, spec, findings = workspace
    where = ["--workspace", str(folder)]
    out = {f: tmp_path / f"report.{f}" for f in ("pdf", "csv", "xlsx", "json")}
    for form, path in out.items():
        assert main(["report", spec.audit_id, "--format", form, "--out", str(path), *where]) == 0
    assert capsys.readouterr().err == ""

    rows = list(csv.DictReader(io.StringIO(out["csv"].read_bytes().decode("utf-8-sig"))))
    by_id = {r["finding_id"]: r for r in rows}
    assert by_id[findings[0]]["statement"] == "Seal broken \ufffd on lot\x00 7, alarm\x07"
    assert by_id[findings[1]]["statement"] == "'" + LONG
    assert by_id[findings[0]]["audit_title"] == "Audit \u202eevil\u202c \ufffd Zürich"

    sheet = load_workbook(out["xlsx"])["Findings"]
    cells = {
        r[9]: r[FINDING_COLUMNS.index("statement")] for r in sheet.iter_rows(min_row=2, values_only=True)
    }
    assert cells[findings[0]] == "Seal broken \ufffd on lot 7, alarm"
    assert len(cells[findings[1]]) <= 32_767
    assert str(cells[findings[1]]).endswith("the full text is in the CSV and JSON exports]")

    document = json.loads(out["json"].read_bytes().decode("utf-8"))
    assert document["summary"]["plan"]["title"] == "Audit \u202eevil\u202c \ufffd Zürich"
    FieldStore.create(tmp_path / "other", PASSPHRASE).close()
    assert main(["report", "--import", str(out["json"]), "--workspace", str(tmp_path / "other")]) == 0

    pdf = " ".join(page.extract_text() or "" for page in PdfReader(out["pdf"]).pages)
    assert "Audit \ufffdevil\ufffd \ufffd Zürich" in pdf
    assert "Seal broken \ufffd on lot\ufffd 7, alarm\ufffd" in " ".join(pdf.split())
