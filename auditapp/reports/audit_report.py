"""The audit report as PDF (ISO 19011 6.5.1 contents): the same dossier in the field and at the store.

Sections, in order: cover, contents, objectives, scope, criteria, methodology (with every sample's
population, size, method and seed), summary, findings by grade, paper vs practice, sampled records,
follow-up of previous findings, diverging opinions, conclusions, sampling statement, distribution.
"""

from __future__ import annotations

from collections import Counter

from fpdf.enums import XPos, YPos

from auditapp.domain.evidence import DocumentReviewed, Interview, Note, PhotoRef, Sample, SampledRecord
from auditapp.domain.responses import Answer
from auditapp.reports import audit_sections
from auditapp.reports.charts import bar_chart
from auditapp.reports.document import ACCENT, FAMILY, MUTED, ReportPdf, building
from auditapp.reports.labels import (
    ANSWER_LABELS,
    AUDIT_TYPE_LABELS,
    GRADE_COLORS,
    GRADE_LABELS,
    GRADE_ORDER,
    selection,
)
from auditapp.services.reporting import AuditDossier

SECTIONS = (
    "Objectives",
    "Scope",
    "Criteria",
    "Methodology",
    "Summary",
    "Findings",
    "Paper vs practice",
    "Sampled records",
    "Follow-up of previous findings",
    "Diverging opinions",
    "Conclusions",
    "Sampling statement",
    "Distribution",
)


def render_audit_pdf(dossier: AuditDossier) -> bytes:
    """The audit report of the dossier as PDF bytes; a failure to draw it is a ReportError."""
    with building(
        f"the PDF report of audit {dossier.state.audit_id}",
        "Its CSV, XLSX and JSON exports hold the same findings and sampled records",
    ):
        return _render(dossier)


def _render(dossier: AuditDossier) -> bytes:
    state, plan = dossier.state, dossier.state.plan
    assert plan is not None  # build_dossier refuses audits without a plan
    pdf = ReportPdf(f"Audit report · {plan.title} · audit {state.audit_id}", subject=plan.site)
    pdf.set_author(plan.lead_auditor)
    pdf.add_page()
    _cover(pdf, dossier)
    pdf.show_header = True
    pdf.add_page()
    pdf.contents_page()
    pdf.section("Objectives")
    pdf.paragraph(plan.objectives)
    pdf.section("Scope")
    pdf.paragraph(plan.scope)
    _criteria(pdf, dossier)
    _methodology(pdf, dossier)
    _summary(pdf, dossier)
    audit_sections.findings(pdf, dossier)
    audit_sections.paper_vs_practice_table(pdf, dossier)
    audit_sections.sampled_records(pdf, dossier)
    audit_sections.follow_up(pdf, dossier)
    audit_sections.diverging_opinions(pdf, dossier)
    audit_sections.conclusions(pdf, dossier)
    audit_sections.sampling_statement(pdf, dossier)
    audit_sections.distribution(pdf, dossier)
    return pdf.bytes()


def _cover(pdf: ReportPdf, dossier: AuditDossier) -> None:
    state, plan = dossier.state, dossier.state.plan
    assert plan is not None
    pdf.set_y(45)
    pdf.set_font(FAMILY, "B", 12)
    pdf.set_text_color(*MUTED)
    pdf.cell(0, 8, AUDIT_TYPE_LABELS[plan.audit_type].upper(), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, "B", 26)
    pdf.set_text_color(*ACCENT)
    pdf.multi_cell(0, 12, "Audit report", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, "B", 16)
    pdf.set_text_color(33, 37, 41)
    pdf.multi_cell(0, 8, plan.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(10)
    dates = plan.start_date.isoformat()
    if plan.end_date != plan.start_date:
        dates += f" to {plan.end_date.isoformat()}"
    auditees = "\n".join(f"{a.name} ({a.role})" if a.role else a.name for a in plan.auditees)
    pdf.facts(
        [
            ("Organisation", plan.organisation),
            ("Site", plan.site),
            ("Audit type", AUDIT_TYPE_LABELS[plan.audit_type]),
            ("Dates", dates),
            ("Lead auditor", plan.lead_auditor),
            ("Audit team", ", ".join(plan.team) or "lead auditor only"),
            ("Auditees", auditees or "none recorded"),
            ("Audit id", state.audit_id),
            ("Status", "closed" if state.closed else "in progress: this report is a draft"),
        ]
    )
    pdf.ln(20)
    generated = dossier.generated_at.strftime("%Y-%m-%d %H:%M UTC")
    pdf.paragraph(f"Generated {generated} from {dossier.source or 'the audit record'}.", size=8, color=MUTED)


def _criteria(pdf: ReportPdf, dossier: AuditDossier) -> None:
    pdf.section("Criteria")
    pdf.paragraph(
        "The audit criteria are the checklists below, each pinned into the audit by its version and the "
        "SHA-256 hash of its content, so the questions asked cannot have changed after planning."
    )
    rows = [
        [c.title, c.checklist_id, c.version, c.content_hash, str(len(c.items))] for c in dossier.checklists
    ]
    pdf.grid(["Checklist", "Id", "Version", "Content hash (SHA-256)", "Items"], rows, (40, 30, 14, 76, 14))


def _methodology(pdf: ReportPdf, dossier: AuditDossier) -> None:
    state = dossier.state
    pdf.section("Methodology")
    kinds = Counter(type(e).__name__ for e in state.evidence)
    pdf.paragraph(
        "Evidence was gathered by reading documents (the procedure on paper), interviewing people, observing "
        "work and sampling records (the practice), on a tablet, and recorded as it was found. "
        f"This audit holds {kinds[DocumentReviewed.__name__]} documents reviewed, "
        f"{kinds[Interview.__name__]} interviews, {kinds[PhotoRef.__name__]} photos, "
        f"{kinds[Note.__name__]} notes, "
        f"{kinds[Sample.__name__]} samples and {kinds[SampledRecord.__name__]} sampled records."
    )
    opening = state.meetings.get("opening", "")
    if opening:
        pdf.paragraph(f"Opening meeting: {opening}")
    pdf.section("How records were sampled", level=1)
    pdf.paragraph(
        "Each sample states its population, its size and how its records were chosen. Random samples rank "
        "every record by SHA-256 of the seed and its identifier and take the lowest, so anyone can redraw "
        "them from the seed; systematic samples take every k-th record from the start shown."
    )
    samples = [e for e in state.evidence if isinstance(e, Sample)]
    rows = [
        [
            s.target.clause or "-",
            s.population_description,
            str(s.population_size),
            str(s.sample_size),
            selection(s),
        ]
        for s in samples
    ]
    pdf.grid(["Clause", "Population", "Size", "Sampled", "Method and seed"], rows, (16, 62, 16, 18, 62))


def _summary(pdf: ReportPdf, dossier: AuditDossier) -> None:
    state = dossier.state
    pdf.section("Summary")
    grades = Counter(f.grade for f in state.findings.values())
    answers = Counter(r.answer for r in state.responses.values())
    items = sum(len(c.items) for c in dossier.checklists)
    pdf.paragraph(
        f"{len(state.responses)} of {items} checklist items were answered and {len(state.findings)} findings "
        f"were raised: {grades[GRADE_ORDER[0]]} major and {grades[GRADE_ORDER[1]]} minor nonconformities."
    )
    bar_chart(
        pdf,
        [(GRADE_LABELS[g], grades[g], GRADE_COLORS[g]) for g in GRADE_ORDER],
        title="Findings by grade",
    )
    rows = [[GRADE_LABELS[g], str(grades[g])] for g in GRADE_ORDER]
    rows.append(["All findings", str(len(state.findings))])
    pdf.grid(["Grade", "Findings"], rows, (120, 54))
    answer_rows = [[ANSWER_LABELS[a], str(answers[a])] for a in Answer]
    pdf.grid(["Answer", "Items"], answer_rows, (120, 54))
