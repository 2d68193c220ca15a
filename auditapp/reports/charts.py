"""Pictures drawn as PDF vectors: grade bars, the clause x month coverage heatmap, process traffic lights.

Colour scales live here so the PDF and both apps' readiness screens show the same colours.
"""

from __future__ import annotations

from collections.abc import Sequence

from auditapp.domain.readiness import CoverageGrid, Light, ProcessStatus
from auditapp.reports.document import FAMILY, INK, MUTED, RULE, ReportPdf

Color = tuple[int, int, int]

LIGHT_COLORS: dict[Light, Color] = {
    Light.GREEN: (46, 125, 50),
    Light.AMBER: (249, 168, 37),
    Light.RED: (198, 40, 40),
    Light.GREY: (158, 158, 158),
}
EMPTY_CELL: Color = (245, 245, 245)
HEAT_LOW: Color = (200, 230, 201)
HEAT_HIGH: Color = (27, 94, 32)


def heat_color(value: int, top: int) -> Color:
    """Cell colour: light grey for nothing audited, then light to dark green with the number of answers."""
    if value <= 0:
        return EMPTY_CELL
    share = min(value / max(top, 1), 1.0)
    return (
        round(HEAT_LOW[0] + (HEAT_HIGH[0] - HEAT_LOW[0]) * share),
        round(HEAT_LOW[1] + (HEAT_HIGH[1] - HEAT_LOW[1]) * share),
        round(HEAT_LOW[2] + (HEAT_HIGH[2] - HEAT_LOW[2]) * share),
    )


def hex_color(color: Color) -> str:
    """#rrggbb for the apps."""
    return "#{:02x}{:02x}{:02x}".format(*color)


def bar_chart(pdf: ReportPdf, bars: Sequence[tuple[str, int, Color]], title: str) -> None:
    """Horizontal bars, one per label, with the count written at the end of each bar."""
    top = max((count for _, count, _ in bars), default=0) or 1
    label_w, bar_w, row_h = 58.0, pdf.w - pdf.l_margin - pdf.r_margin - 70, 6.0
    pdf.ensure_space(row_h * len(bars) + 10)
    pdf.set_font(FAMILY, "B", 9.5)
    pdf.cell(0, 6, title)
    pdf.ln(7)
    pdf.set_font(FAMILY, "", 8.5)
    for label, count, color in bars:
        y = pdf.get_y()
        pdf.set_x(pdf.l_margin)
        pdf.cell(label_w, row_h, label)
        width = bar_w * count / top
        if width > 0:
            pdf.set_fill_color(*color)
            pdf.rect(pdf.l_margin + label_w, y + 1, width, row_h - 2, style="F")
        pdf.set_xy(pdf.l_margin + label_w + width + 1.5, y)
        pdf.cell(10, row_h, str(count))
        pdf.set_xy(pdf.l_margin, y + row_h)
    pdf.ln(3)


def heatmap(pdf: ReportPdf, grid: CoverageGrid) -> None:
    """The audit programme's coverage: clause groups down, months across, darker for more answers."""
    rows, months = grid.rows, grid.months
    label_w = 14.0
    cell_w = min(12.5, (pdf.w - pdf.l_margin - pdf.r_margin - label_w - 14) / max(len(months), 1))
    cell_h = 5.2
    pdf.ensure_space(cell_h * (len(rows) + 2) + 12)
    top = max((v for row in grid.cells for v in row), default=0)
    x0, y = pdf.l_margin, pdf.get_y()
    pdf.set_font(FAMILY, "", 6.5)
    pdf.set_text_color(*MUTED)
    for i, month in enumerate(months):
        pdf.set_xy(x0 + label_w + i * cell_w, y)
        pdf.cell(cell_w, cell_h, month[2:], align="C")
    pdf.set_xy(x0 + label_w + len(months) * cell_w, y)
    pdf.cell(14, cell_h, "total", align="C")
    y += cell_h
    pdf.set_draw_color(255, 255, 255)
    for r, clause in enumerate(rows):
        pdf.set_text_color(*INK)
        pdf.set_font(FAMILY, "B", 7.5)
        pdf.set_xy(x0, y)
        pdf.cell(label_w, cell_h, clause)
        pdf.set_font(FAMILY, "", 6.5)
        for i, value in enumerate(grid.cells[r]):
            color = heat_color(value, top)
            pdf.set_fill_color(*color)
            cx = x0 + label_w + i * cell_w
            pdf.rect(cx, y, cell_w, cell_h, style="DF")
            if value:
                pdf.set_text_color(*((255, 255, 255) if sum(color) < 380 else INK))
                pdf.set_xy(cx, y)
                pdf.cell(cell_w, cell_h, str(value), align="C")
        total = sum(grid.cells[r])
        pdf.set_text_color(*(INK if total else LIGHT_COLORS[Light.RED]))
        pdf.set_xy(x0 + label_w + len(months) * cell_w, y)
        pdf.cell(14, cell_h, str(total) if total else "none", align="C")
        y += cell_h
    pdf.set_text_color(*INK)
    pdf.set_draw_color(*RULE)
    pdf.set_xy(x0, y + 2)
    pdf.set_font(FAMILY, "I", 7.5)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(
        0,
        4,
        "Cells: checklist answers recorded under the clause group in audits started that month.",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_text_color(*INK)
    pdf.set_font(FAMILY, "", 10)
    pdf.ln(2)


def traffic_lights(pdf: ReportPdf, processes: Sequence[ProcessStatus]) -> None:
    """One row per key process: a coloured light, its name and the line that explains it."""
    pdf.set_draw_color(*RULE)
    for process in processes:
        pdf.ensure_space(10)
        y = pdf.get_y()
        pdf.set_fill_color(*LIGHT_COLORS[process.light])
        pdf.circle(x=pdf.l_margin + 3, y=y + 3, radius=2.6, style="F")
        pdf.set_xy(pdf.l_margin + 8, y)
        pdf.set_font(FAMILY, "B", 9)
        pdf.cell(76, 6, process.name)
        pdf.set_font(FAMILY, "", 8.5)
        pdf.multi_cell(0, 4.4, process.explanation, new_x="LMARGIN", new_y="NEXT")
        pdf.set_y(max(pdf.get_y(), y + 6.5) + 0.6)
    pdf.set_font(FAMILY, "", 10)
    pdf.ln(2)
