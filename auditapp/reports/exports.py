"""Findings and the CAPA log as CSV and XLSX: one row per finding or CAPA, every column worth filtering on.

Spreadsheet safety (ADR 0092): a CSV cell that starts with = + - @ or a tab or carriage return is written
with a leading apostrophe so no spreadsheet evaluates it; XLSX cells are typed as text, so a statement
such as "=HYPERLINK(...)" stays text and is shown as entered.

Odd text (REP-013): text stored before capture refused it, or held by the central store, may have half of
a character pair, which UTF-8 cannot hold: it is written as U+FFFD. XLSX also leaves out the control
characters XML cannot hold, and a cell longer than a spreadsheet cell holds is cut with a note at its end
saying so, so a workbook always opens and never hides that it is incomplete.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from auditapp.domain.evidence import PhotoRef, SampledRecord
from auditapp.domain.payloads import well_formed
from auditapp.reports.audit_sections import finding_numbers
from auditapp.reports.labels import AUDIT_TYPE_LABELS, GRADE_LABELS, GRADE_ORDER, describe
from auditapp.services.reporting import AuditDossier

Cell = str | int | None
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX_CELL_LIMIT = 32_767  # characters in a spreadsheet cell, counted as Excel does (in UTF-16 units)
CUT_MARK = (
    f" [cut here: a spreadsheet cell holds at most {XLSX_CELL_LIMIT:,} characters; the full text is in the"
    " CSV and JSON exports]"
)
# Characters XML 1.0, and so a workbook, cannot hold at all (after `well_formed` has replaced lone halves).
_NOT_IN_XML = re.compile(f"{ILLEGAL_CHARACTERS_RE.pattern}|[\ufffe\uffff]")


@dataclass(frozen=True)
class Table:
    """A sheet: its name, column headings and rows."""

    name: str
    headings: tuple[str, ...]
    rows: list[list[Cell]]


FINDING_COLUMNS = (
    "audit_id", "audit_title", "organisation", "site", "audit_type", "audit_start", "audit_end",
    "lead_auditor", "finding_no", "finding_id", "grade", "grade_label", "nonconformity", "n19_grade",
    "clause", "clause_title", "item_id", "item_text", "requirement", "statement", "evidence_count",
    "photo_count", "records_sampled", "records_not_conforming", "objective_evidence", "status",
    "capa_id", "capa_stage", "capa_effectiveness",
)  # fmt: skip

CAPA_COLUMNS = (
    "capa_id", "title", "status", "stage", "owner", "opened_on", "due_on", "closed_on", "days_open",
    "overdue", "effectiveness", "loop_closed", "finding_ids", "finding_grades", "clauses", "site",
    "audit_id", "simulated",
)  # fmt: skip


def findings_table(dossier: AuditDossier) -> Table:
    """One row per finding, in report order (grade, clause)."""
    state, plan = dossier.state, dossier.state.plan
    assert plan is not None
    numbers = finding_numbers(dossier)
    items = {i.item_id: i for c in dossier.checklists for i in c.items}
    capa_of = {fid: c for c in dossier.capas for fid in c.finding_ids}
    rows: list[list[Cell]] = []
    for finding in sorted(state.findings.values(), key=lambda f: numbers[f.finding_id]):
        evidence = state.evidence_for_finding(finding.finding_id)
        records = [e for e in evidence if isinstance(e, SampledRecord)]
        item = items.get(finding.item_id or "")
        capa = capa_of.get(finding.finding_id)
        simulated = dossier.extras.simulated_records
        rows.append(
            [
                state.audit_id,
                plan.title,
                plan.organisation,
                plan.site,
                AUDIT_TYPE_LABELS[plan.audit_type],
                plan.start_date.isoformat(),
                plan.end_date.isoformat(),
                plan.lead_auditor,
                numbers[finding.finding_id],
                finding.finding_id,
                finding.grade.value,
                GRADE_LABELS[finding.grade],
                "yes" if finding.grade.is_nonconformity else "no",
                finding.n19_grade,
                finding.clause,
                item.clause_title if item else "",
                finding.item_id or "",
                item.text if item else "",
                finding.requirement,
                finding.statement,
                len(evidence),
                sum(1 for e in evidence if isinstance(e, PhotoRef)),
                len(records),
                sum(1 for r in records if not r.conforms),
                " | ".join(describe(e, e.evidence_id in simulated) for e in evidence),
                dossier.finding_statuses.get(finding.finding_id, ""),
                capa.capa_id if capa else "",
                capa.stage if capa else "",
                capa.effectiveness.value if capa else "",
            ]
        )
    return Table("Findings", FINDING_COLUMNS, rows)


def capa_table(dossier: AuditDossier, today: dt.date | None = None) -> Table:
    """One row per CAPA linked to the audit's (or the previous audit's) findings."""
    today = today or dossier.generated_at.date()
    grades = {f.finding_id: f.grade.value for f in dossier.state.findings.values()}
    grades.update({p.finding_id: p.grade for p in dossier.prior_findings})
    plan = dossier.state.plan
    rows: list[list[Cell]] = []
    for capa in sorted(dossier.capas, key=lambda c: (c.opened_on or dt.date.min, c.capa_id)):
        end = capa.closed_on or today
        days = (end - capa.opened_on).days if capa.opened_on else None
        overdue = bool(capa.due_on and not capa.closed and capa.due_on < today)
        rows.append(
            [
                capa.capa_id,
                capa.title,
                capa.status,
                capa.stage,
                capa.owner,
                _day(capa.opened_on),
                _day(capa.due_on),
                _day(capa.closed_on),
                days,
                "yes" if overdue else "no",
                capa.effectiveness.value,
                "yes" if capa.loop_closed else "no",
                " ".join(capa.finding_ids),
                " ".join(sorted({grades.get(f, "") for f in capa.finding_ids} - {""})),
                " ".join(capa.clauses),
                plan.site if plan else "",
                dossier.state.audit_id,
                "yes" if capa.simulated else "no",
            ]
        )
    return Table("CAPA log", CAPA_COLUMNS, rows)


def _day(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def safe_text(value: Cell) -> Cell:
    """A CSV cell no spreadsheet will run as a formula (text only; numbers stay numbers)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def to_csv(table: Table) -> bytes:
    """The table as CSV (UTF-8 with a byte order mark so spreadsheets read the accents right)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.headings)
    for row in table.rows:
        writer.writerow(["" if v is None else safe_text(_well_formed(v)) for v in row])
    return out.getvalue().encode("utf-8-sig")


def _well_formed(value: Cell) -> Cell:
    return well_formed(value) if isinstance(value, str) else value


def to_xlsx(tables: Sequence[Table]) -> bytes:
    """The tables as one workbook, a sheet each: bold frozen headings, filters on, text typed as text."""
    book = Workbook(write_only=True)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="E8EEF7")
    for table in tables:
        sheet = book.create_sheet(table.name[:31])
        sheet.freeze_panes = "A2"
        head = []
        for name in table.headings:
            cell = WriteOnlyCell(sheet, value=name)
            cell.font, cell.fill = bold, fill
            head.append(cell)
        sheet.append(head)
        for row in table.rows:
            sheet.append([_xlsx_cell(sheet, v) for v in row])
        last = get_column_letter(len(table.headings))
        sheet.auto_filter.ref = f"A1:{last}{len(table.rows) + 1}"
        for index, name in enumerate(table.headings, start=1):
            widest = max([len(name), *(len(str(r[index - 1] or "")) for r in table.rows[:200])])
            sheet.column_dimensions[get_column_letter(index)].width = min(max(widest + 2, 8), 60)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_cell(sheet: object, value: Cell) -> WriteOnlyCell | int | None:
    if value is None or isinstance(value, int):
        return value
    cell = WriteOnlyCell(sheet, value=xlsx_text(value))
    cell.data_type = "s"  # never a formula, whatever the text starts with
    return cell


def xlsx_text(text: str) -> str:
    """Text as a workbook cell can hold it: well formed, without XML's forbidden characters, and when it
    is longer than a cell holds, cut with `CUT_MARK` at its end (openpyxl would cut it without a word)."""
    text = _NOT_IN_XML.sub("", well_formed(text))
    if len(text) <= XLSX_CELL_LIMIT // 2 or _excel_length(text) <= XLSX_CELL_LIMIT:
        return text
    room, used = XLSX_CELL_LIMIT - len(CUT_MARK), 0
    for index, char in enumerate(text):
        used += 2 if char > "\uffff" else 1
        if used > room:
            return text[:index] + CUT_MARK
    return text  # not reached: the text is longer than the room


def _excel_length(text: str) -> int:
    """Length as Excel counts it: a character beyond U+FFFF is two UTF-16 units."""
    return len(text.encode("utf-16-le")) // 2


def grade_counts(dossier: AuditDossier) -> dict[str, int]:
    """Findings per grade, in grade order (for summaries and the CLI)."""
    counts = {g.value: 0 for g in GRADE_ORDER}
    for finding in dossier.state.findings.values():
        counts[finding.grade.value] += 1
    return counts
