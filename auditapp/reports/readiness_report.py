"""Certification readiness as PDF: the verdict and its reasons, traffic lights, coverage heatmap, CAPAs."""

from __future__ import annotations

from fpdf.enums import XPos, YPos

from auditapp.domain.practice import PracticeVerdict
from auditapp.domain.readiness import Readiness, Verdict
from auditapp.reports.charts import heatmap, traffic_lights
from auditapp.reports.document import FAMILY, MUTED, ReportPdf, building

VERDICT_COLORS = {
    Verdict.READY_STAGE2: (46, 125, 50),
    Verdict.READY_STAGE1: (249, 168, 37),
    Verdict.NOT_READY: (198, 40, 40),
}
SECTIONS = ("Verdict", "Key processes", "Audit programme coverage", "CAPAs", "Implementation gaps")


def render_readiness_pdf(readiness: Readiness) -> bytes:
    """The readiness of one site as PDF bytes; a failure to draw it is a ReportError."""
    with building(
        f"the readiness PDF of {readiness.site}",
        "The same verdict, reasons and processes are given as JSON (auditapp readiness --json)",
    ):
        return _render(readiness)


def site_label(readiness: Readiness) -> str:
    """The site with the organisation whose site it is, "Main plant (Beta Devices)", as the readiness screens
    label a site two clients share (REP-020); the site alone when the organisation is not known."""
    r = readiness
    return f"{r.site} ({r.organisation})" if r.organisation else r.site


def _render(readiness: Readiness) -> bytes:
    r = readiness
    where = site_label(r)
    pdf = ReportPdf(f"Certification readiness · {where} · as of {r.as_of.isoformat()}", subject=where)
    pdf.show_header = True
    pdf.add_page()
    pdf.set_font(FAMILY, "B", 20)
    pdf.cell(0, 11, "Certification readiness", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, "", 11)
    # Wrapped: a long organisation and site name is kept whole, not run off the page.
    pdf.multi_cell(
        0,
        7,
        f"{where}: records of the 12 months to {r.as_of.isoformat()}",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.ln(3)
    pdf.section("Verdict")
    y = pdf.get_y()
    pdf.set_fill_color(*VERDICT_COLORS[r.verdict])
    pdf.rect(pdf.l_margin, y, pdf.w - pdf.l_margin - pdf.r_margin, 12, style="F")
    pdf.set_xy(pdf.l_margin + 4, y + 2)
    pdf.set_text_color(255, 255, 255)
    pdf.set_font(FAMILY, "B", 15)
    pdf.cell(0, 8, r.verdict.label)
    pdf.set_text_color(33, 37, 41)
    pdf.set_xy(pdf.l_margin, y + 15)
    if not r.reasons:
        pdf.paragraph(
            "Every key process shows real records, every clause was audited and every CAPA loop is closed."
        )
    for stage in (1, 2):
        reasons = [x for x in r.reasons if x.blocks == stage]
        if reasons:
            pdf.paragraph(f"What keeps the site from Stage {stage}:", style="B")
            for reason in reasons:
                pdf.paragraph(f"•  {reason.text}", size=9.5)
    pdf.paragraph(f"Based on {len(r.audits)} audit(s) of the site in the cycle.", size=8.5, color=MUTED)
    pdf.section("Key processes")
    pdf.paragraph(
        "Green: records show the process ran in the last 12 months. Amber: it ran with nonconforming "
        "records, or only a simulated dry run (flagged) shows it, which is accepted for event-driven "
        "processes. "
        "Red: no record of it running (documents only, audited by interview or observation only, or "
        "records older than 12 months). Grey: out of scope.",
        size=8.5,
        color=MUTED,
    )
    traffic_lights(pdf, r.processes)
    pdf.section("Audit programme coverage")
    heatmap(pdf, r.grid)
    if r.grid.uncovered:
        pdf.paragraph(f"Clauses not audited in the cycle: {', '.join(r.grid.uncovered)}", size=9)
    if r.grid.excluded:
        pdf.paragraph(f"Out of scope: {', '.join(r.grid.excluded)}", size=9, color=MUTED)
    pdf.section("CAPAs")
    c = r.capas
    pdf.grid(
        ["Opened in the cycle", "Closed", "Closed with effectiveness verified"],
        [[str(c.opened), str(c.closed), str(c.verified)]],
        (58, 58, 58),
    )
    rows = [[x.name, x.problem] for x in c.loops]
    if rows:
        pdf.grid(["CAPA or finding", "Loop not closed"], rows, (94, 80))
    pdf.section("Implementation gaps")
    if not r.gaps:
        pdf.paragraph("None: where a procedure was read, practice was shown to follow it.")
    gap_rows = [
        [
            g.clause,
            ", ".join(g.documents),
            "practice does not conform"
            if g.verdict is PracticeVerdict.PRACTICE_FAILS
            else "practice not shown",
            f"{g.records} records ({g.records_failed} failed), {g.interviews} interviews",
        ]
        for g in r.gaps
    ]
    if gap_rows:
        pdf.grid(["Clause", "Paper", "Gap", "Practice evidence"], gap_rows, (16, 60, 44, 54))
    return pdf.bytes()
