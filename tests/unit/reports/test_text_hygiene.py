"""Exports and the PDF of an audit whose stored text holds odd characters: they open, and show what was there.

The events are made as older versions of the app stored them (before capture refused such text) or as the
central store may hold them: half of a UTF-16 character pair, control characters, direction overrides.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from auditapp.domain import drafts
from auditapp.domain.clock import HybridClock
from auditapp.domain.events import EventFactory
from auditapp.domain.findings import Finding, FindingGrade
from auditapp.domain.readiness import CapaFacts, Effectiveness
from auditapp.reports.audit_json import read_document, to_json
from auditapp.reports.audit_report import render_audit_pdf
from auditapp.reports.exports import (
    CAPA_COLUMNS,
    FINDING_COLUMNS,
    capa_table,
    findings_table,
    to_csv,
    to_xlsx,
)
from auditapp.services.reporting import AuditDossier, build_dossier
from tests.fixtures.reports.specimen import CHECKLIST_ID, SpecimenChecklists, plan

LIMIT = 32_767
TITLE = "Audit \u202eevil\u202c of \ud800 Zürich"
STATEMENT = "Seal broken \ud800 on lot\x00 7, alarm\x07 \x1b[31mred\x1b[0m"
LONG = "=" + "A" * 40_000
TEETH = "🦷" * 20_000  # 40,000 UTF-16 units: Excel counts each of these characters twice


def _dossier() -> AuditDossier:
    texts = SpecimenChecklists(10)
    items = texts.items(CHECKLIST_ID)
    factory = EventFactory("dev", HybridClock("dev", iter(range(1000, 10**6, 1000)).__next__))
    the_plan = plan()
    the_plan = type(the_plan)(**{**the_plan.__dict__, "criteria": (texts.info.ref(),)})
    planned = drafts.audit_planned(the_plan)
    clean = [
        drafts.finding_raised(
            Finding("F-1", items[0].item_id, items[0].clause, FindingGrade.MAJOR_NC, "r", "s")
        ),
        drafts.finding_raised(Finding("F-2", items[1].item_id, items[1].clause, FindingGrade.OFI, "", "s")),
        drafts.finding_raised(Finding("F-3", items[2].item_id, items[2].clause, FindingGrade.OFI, "", "s")),
    ]
    # Odd text put straight into the payloads, as an older app stored it: no capture check runs on them.
    odd: list[tuple[Any, dict[str, Any]]] = [
        (planned.kind, {"plan": {**planned.payload["plan"], "title": TITLE, "lead_auditor": "Ana \udc00"}}),
        (clean[0].kind, {**clean[0].payload, "statement": STATEMENT, "requirement": "4.1 \ud83e\uddb7"}),
        (clean[1].kind, {**clean[1].payload, "statement": LONG}),
        (clean[2].kind, {**clean[2].payload, "statement": TEETH}),
    ]
    events = [factory.make("A-1", kind, payload) for kind, payload in odd]
    capas = [
        CapaFacts(
            "CAPA-1",
            "Fix \ud800 seal",
            "open",
            opened_on=dt.date(2026, 1, 10),
            due_on=dt.date(2026, 2, 1),
            finding_ids=("F-1",),
            effectiveness=Effectiveness.PENDING,
        )
    ]
    return build_dossier(events, "A-1", texts, capas=capas)


def _csv_rows(data: bytes, columns: tuple[str, ...]) -> dict[str, dict[str, str]]:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))  # strict: every byte is UTF-8
    assert tuple(rows[0]) == columns
    return {r[0] if columns is CAPA_COLUMNS else r[9]: dict(zip(columns, r, strict=True)) for r in rows[1:]}


@pytest.mark.req("REP-013")
def test_csv_exports_write_half_a_character_pair_as_the_replacement_character() -> None:
    dossier = _dossier()
    findings = _csv_rows(to_csv(findings_table(dossier)), FINDING_COLUMNS)
    assert findings["F-1"]["statement"] == "Seal broken \ufffd on lot\x00 7, alarm\x07 \x1b[31mred\x1b[0m"
    assert findings["F-1"]["requirement"] == "4.1 🦷"
    assert findings["F-1"]["audit_title"] == "Audit \u202eevil\u202c of \ufffd Zürich"
    assert findings["F-2"]["statement"] == "'" + LONG  # the CSV keeps the whole text
    capas = _csv_rows(to_csv(capa_table(dossier)), CAPA_COLUMNS)
    assert capas["CAPA-1"]["title"] == "Fix \ufffd seal"


@pytest.mark.req("REP-013")
def test_json_export_is_valid_utf8_and_imports_back() -> None:
    data = to_json(_dossier())
    document = json.loads(data.decode("utf-8"))
    statements = [e["payload"].get("statement") for e in document["events"]]
    assert STATEMENT.replace("\ud800", "\ufffd") in statements
    assert document["summary"]["plan"]["title"] == "Audit \u202eevil\u202c of \ufffd Zürich"
    assert len(read_document(data).events) == 4


@pytest.mark.req("REP-013")
def test_xlsx_opens_with_the_replacement_character_and_without_characters_a_workbook_cannot_hold() -> None:
    book = load_workbook(io.BytesIO(to_xlsx([findings_table(_dossier()), capa_table(_dossier())])))
    sheet = book["Findings"]
    rows = {
        r[9]: dict(zip(FINDING_COLUMNS, r, strict=True)) for r in sheet.iter_rows(min_row=2, values_only=True)
    }
    assert (
        rows["F-1"]["statement"] == "Seal broken \ufffd on lot 7, alarm [31mred[0m"
    )  # NUL, BEL, ESC left out
    assert rows["F-1"]["lead_auditor"] == "Ana \ufffd"
    assert rows["F-1"]["requirement"] == "4.1 🦷"
    assert [r[1] for r in book["CAPA log"].iter_rows(min_row=2, values_only=True)] == ["Fix \ufffd seal"]


@pytest.mark.req("REP-013")
@pytest.mark.parametrize(("finding", "text"), [("F-2", LONG), ("F-3", TEETH)])
def test_xlsx_cell_longer_than_a_spreadsheet_holds_is_cut_and_says_so(finding: str, text: str) -> None:
    book = load_workbook(io.BytesIO(to_xlsx([findings_table(_dossier())])))
    rows = {r[9]: r for r in book["Findings"].iter_rows(min_row=2, values_only=True)}
    cell = str(rows[finding][FINDING_COLUMNS.index("statement")])
    assert len(cell.encode("utf-16-le")) // 2 <= LIMIT
    assert len(cell.encode("utf-16-le")) // 2 > LIMIT - 200  # cut at the limit, not far before it
    assert cell.endswith("the full text is in the CSV and JSON exports]")
    assert "32,767 characters" in cell
    kept = cell[: cell.index(" [cut here")]
    assert text.startswith(kept)


@pytest.mark.req("REP-013")
def test_pdf_shows_each_odd_character_as_the_replacement_character_instead_of_dropping_it() -> None:
    reader = PdfReader(io.BytesIO(render_audit_pdf(_dossier())))
    text = " ".join(page.extract_text() or "" for page in reader.pages)
    assert "Seal broken \ufffd on lot\ufffd 7, alarm\ufffd \ufffd[31mred\ufffd[0m" in " ".join(text.split())
    assert "Audit \ufffdevil\ufffd of \ufffd Zürich" in text  # cover and running header
    assert "\u202e" not in text
    assert reader.metadata is not None
    assert reader.metadata.title == "Audit report · Audit \ufffdevil\ufffd of \ufffd Zürich · audit A-1"
    assert reader.metadata.author == "Ana \ufffd"
