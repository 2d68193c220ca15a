"""The audit report's sections from findings on: evidence, photos, tables, follow-up and closing text."""

from __future__ import annotations

from collections.abc import Mapping

from fpdf.enums import XPos, YPos

from auditapp.domain.evidence import PhotoRef, Sample, SampledRecord
from auditapp.domain.findings import Finding
from auditapp.domain.practice import ClausePractice, PracticeVerdict
from auditapp.reports.document import FAMILY, MUTED, ReportPdf
from auditapp.reports.labels import (
    GRADE_COLORS,
    GRADE_LABELS,
    GRADE_ORDER,
    GRADE_PLURALS,
    describe,
    grade_label,
)
from auditapp.services.labels import STAGE_LABEL, STATUS_LABEL, label
from auditapp.services.paper_practice import clause_practice
from auditapp.services.reporting import AuditDossier, fetch_photo
from auditapp.services.workspace import ChecklistItemText

PHOTO_WIDTH = 84.0
VERDICT_TEXT = {
    PracticeVerdict.CONSISTENT: "paper and practice agree",
    PracticeVerdict.PRACTICE_FAILS: "GAP: practice does not follow the paper",
    PracticeVerdict.UNPROVEN: "GAP: no practice evidence",
    PracticeVerdict.NO_PAPER: "practice seen, no document reviewed",
    PracticeVerdict.PAPER_FAULTED: "the document reviewed is itself cited in a nonconformity",
    PracticeVerdict.NOT_SEEN: "not examined",
}
SAMPLING_STATEMENT = (
    "This audit was based on samples of the information available: documents, records, interviews and "
    "observations selected as described under Methodology. Because an audit examines a sample and not "
    "everything, nonconformities may exist that were not found, and the absence of a finding on a clause "
    "does not prove that the clause is met everywhere. The findings and conclusions hold for the sample "
    "examined."
)


def finding_numbers(dossier: AuditDossier) -> dict[str, str]:
    """Short report numbers (F-01, F-02, ...) for the findings, in grade then clause order."""
    ordered = sorted(
        dossier.state.findings.values(),
        key=lambda f: (GRADE_ORDER.index(f.grade), _key(f.clause), f.finding_id),
    )
    return {f.finding_id: f"F-{n:02d}" for n, f in enumerate(ordered, start=1)}


def _key(clause: str) -> tuple[int | str, ...]:
    return tuple(int(p) if p.isdigit() else p for p in clause.split("."))


def findings(pdf: ReportPdf, dossier: AuditDossier) -> None:
    """Findings grouped by grade, each with requirement, statement, objective evidence and photos."""
    pdf.section("Findings")
    numbers = finding_numbers(dossier)
    by_grade: dict[str, list[Finding]] = {}
    for finding in dossier.state.findings.values():
        by_grade.setdefault(finding.grade.value, []).append(finding)
    if not by_grade:
        pdf.paragraph("No findings were raised.", style="I", color=MUTED)
    items = {i.item_id: i for c in dossier.checklists for i in c.items}
    for grade in GRADE_ORDER:
        group = sorted(by_grade.get(grade.value, []), key=lambda f: numbers[f.finding_id])
        if not group:
            continue
        pdf.section(f"{GRADE_PLURALS[grade]} ({len(group)})", level=1)
        for finding in group:
            _finding(pdf, dossier, finding, numbers[finding.finding_id], items)


def _finding(
    pdf: ReportPdf,
    dossier: AuditDossier,
    finding: Finding,
    number: str,
    items: Mapping[str, ChecklistItemText],
) -> None:
    evidence = dossier.state.evidence_for_finding(finding.finding_id)
    photos = [e for e in evidence if isinstance(e, PhotoRef)]
    pdf.ensure_space(45 + (70 if photos else 0))  # keep a finding's heading with its first photos
    color = GRADE_COLORS[finding.grade]
    y = pdf.get_y()
    pdf.set_fill_color(*color)
    pdf.rect(pdf.l_margin, y, 1.6, 6, style="F")
    pdf.set_x(pdf.l_margin + 3)
    pdf.set_font(FAMILY, "B", 10.5)
    pdf.cell(0, 6, f"{number}  {GRADE_LABELS[finding.grade]}  ·  clause {finding.clause}")
    pdf.ln(6.5)
    facts = [("Requirement", finding.requirement or "-"), ("Statement", finding.statement)]
    item = items.get(finding.item_id or "")
    if item is not None:
        facts.append(("Checklist item", f"{item.item_id}: {item.text}"))
    status = dossier.finding_statuses.get(finding.finding_id)
    if status:
        facts.append(("Status", status))
    if finding.n19_grade is not None:
        facts.append(("GHTF N19 grade", str(finding.n19_grade)))
    facts.append(("Finding id", finding.finding_id))
    pdf.facts(facts, label_width=32)
    simulated = dossier.extras.simulated_records
    lines = [describe(e, e.evidence_id in simulated) for e in evidence if not isinstance(e, PhotoRef)]
    if lines:
        pdf.set_font(FAMILY, "B", 9.5)
        pdf.cell(0, 5, "Objective evidence", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FAMILY, "", 9)
        for line in lines:
            pdf.multi_cell(0, 4.6, f"•  {line}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1)
    for index, photo in enumerate(photos):
        column = index % 2
        if column == 0:
            height = PHOTO_WIDTH * photo.height / max(photo.width, 1)
            pdf.ensure_space(min(height, 120) + 10)
            row_top = pdf.get_y()
            row_bottom = row_top
        pdf.set_xy(pdf.l_margin + column * (PHOTO_WIDTH + 6), row_top)
        data, damaged = fetch_photo(dossier.photos, photo.sha256)
        missing = damaged or f"not available from {dossier.source or 'this store'}"
        caption = f"{photo.caption or 'Photo'} ({photo.sha256[:12]})"
        used = pdf.photo(data, photo.sha256[:12], caption, PHOTO_WIDTH, missing)
        row_bottom = max(row_bottom, row_top + used)
        if column == 1 or index == len(photos) - 1:
            pdf.set_xy(pdf.l_margin, row_bottom + 2)
    pdf.ln(3)


def paper_vs_practice_table(pdf: ReportPdf, dossier: AuditDossier) -> None:
    """Per clause: the documents read, the practice seen, and whether they agree (the field screen's
    comparison, REP-016)."""
    pdf.section("Paper vs practice")
    pdf.paragraph(
        "For each clause: the documented procedure reviewed (paper) beside the records, interviews, "
        "observations and nonconforming answers (practice), and the nonconformities raised (NCs). A clause "
        "whose paper conforms while practice does not, or is not shown, is an implementation gap."
    )
    items = ((i.item_id, i.clause) for c in dossier.checklists for i in c.items)
    rows = [
        [
            row.clause,
            ", ".join(row.documents),
            practice_words(row),
            str(len(row.findings)),
            VERDICT_TEXT[row.verdict],
        ]
        for row in clause_practice(dossier.state, items)
    ]
    pdf.grid(["Clause", "Paper", "Practice", "NCs", "Verdict"], rows, (14, 46, 58, 10, 46))


def practice_words(row: ClausePractice) -> str:
    """What a clause's verdict rests on in practice: every count, nonconforming answers included."""
    records = _count(row.records, "record")
    if row.records_failed:
        records += f" ({row.records_failed} not conforming)"
    counts = [
        records,
        _count(row.interviews, "interview"),
        _count(row.observations, "observation"),
        _count(row.nonconforming_answers, "nonconforming answer"),
    ]
    return ", ".join(counts)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def sampled_records(pdf: ReportPdf, dossier: AuditDossier) -> None:
    """Every sampled record with its sample, date and result."""
    pdf.section("Sampled records")
    state = dossier.state
    samples = {e.evidence_id: e for e in state.evidence if isinstance(e, Sample)}
    simulated = dossier.extras.simulated_records
    rows = []
    for record in (e for e in state.evidence if isinstance(e, SampledRecord)):
        sample = samples.get(record.sample_id)
        result = "conforms" if record.conforms else "does NOT conform"
        if record.evidence_id in simulated:
            result += " (simulated dry run)"
        rows.append(
            [
                record.target.clause or "-",
                sample.population_description if sample else record.sample_id,
                record.record_type,
                record.identifier,
                record.record_date,
                result,
                record.comment,
            ]
        )
    pdf.grid(
        ["Clause", "Sample", "Record type", "Identifier", "Date", "Result", "Comment"],
        rows,
        (13, 34, 26, 26, 18, 22, 35),
        size=7.5,
    )


def follow_up(pdf: ReportPdf, dossier: AuditDossier) -> None:
    """The previous audit's findings: where they stand and what this audit saw of them."""
    pdf.section("Follow-up of previous findings")
    if not dossier.prior_findings:
        pdf.paragraph("No findings of an earlier audit of this site are known.", style="I", color=MUTED)
        return
    results = {r.finding_id: r for r in dossier.state.effectiveness.values()}
    clauses_now = {f.clause for f in dossier.state.findings.values() if f.grade.is_nonconformity}
    rows = []
    for prior in dossier.prior_findings:
        seen = results.get(prior.finding_id)
        if seen is not None:
            outcome = "re-verified: " + ("effective" if seen.result == "effective" else "NOT effective")
        elif prior.clause in clauses_now:
            outcome = "recurred: a nonconformity on the same clause was raised in this audit"
        else:
            outcome = "not re-examined in this audit"
        stage = label(STAGE_LABEL, prior.capa_status or "")
        capa = f"{prior.capa_id} ({stage})" if prior.capa_id else "-"
        status = label(STATUS_LABEL, prior.status)
        rows.append([prior.clause, grade_label(prior.grade), prior.statement, status, capa, outcome])
    pdf.grid(
        ["Clause", "Grade", "Statement", "Status", "CAPA", "In this audit"], rows, (13, 24, 52, 18, 25, 42)
    )


def diverging_opinions(pdf: ReportPdf, dossier: AuditDossier) -> None:
    """Unresolved differences: concurrent edits by the team and what the closing meeting recorded."""
    pdf.section("Diverging opinions")
    state = dossier.state
    if not state.conflicts:
        pdf.paragraph("The audit team recorded no unresolved diverging values.")
    for conflict in state.conflicts:
        values = "; ".join(f"'{v.value}' (device {v.device_id[:8]}, {v.hlc[:19]})" for v in conflict.values)
        pdf.paragraph(f"{conflict.label}: {values}")
    closing = state.meetings.get("closing", "")
    pdf.paragraph(
        f"Closing meeting notes: {closing}" if closing else "No closing meeting notes were recorded.",
        color=MUTED if not closing else (33, 37, 41),
    )


def conclusions(pdf: ReportPdf, dossier: AuditDossier) -> None:
    """The auditor's summary at closing and what the findings add up to."""
    pdf.section("Conclusions")
    state = dossier.state
    if dossier.extras.closing_summary:
        pdf.paragraph(dossier.extras.closing_summary)
    ncs = [f for f in state.findings.values() if f.grade.is_nonconformity]
    majors = [f for f in ncs if f.grade.value == "major_nc"]
    if majors:
        text = f"{len(majors)} major nonconformities show that a requirement is not met in practice; "
    elif ncs:
        text = "No major nonconformity was found; "
    else:
        text = "No nonconformity was found in the sample examined; "
    text += f"{len(ncs)} nonconformities in total need correction and corrective action (ISO 13485 8.5.2)."
    pdf.paragraph(text)
    if not state.closed:
        pdf.paragraph("The audit is not closed yet: this report is a draft.", style="B")


def sampling_statement(pdf: ReportPdf, dossier: AuditDossier) -> None:
    """ISO 19011: the audit was based on samples."""
    pdf.section("Sampling statement")
    pdf.paragraph(SAMPLING_STATEMENT)


def distribution(pdf: ReportPdf, dossier: AuditDossier) -> None:
    """Who receives the report."""
    pdf.section("Distribution")
    for person in dossier.distribution:
        pdf.paragraph(f"•  {person}")
