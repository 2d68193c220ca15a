"""Which font draws a character the report's current font lacks: regular DejaVu for what a bold or oblique
face lacks, the CJK font for Chinese, Japanese and Korean, and the code point when no shipped font has it."""

from __future__ import annotations

import io

import pytest
from fpdf.enums import XPos, YPos
from pypdf import PdfReader

from auditapp.reports.document import FAMILY, ReportPdf


def _drawn(style: str, text: str) -> str:
    pdf = ReportPdf("fallback fonts")
    pdf.add_page()
    pdf.set_font(FAMILY, style, 10)
    pdf.multi_cell(0, 5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return PdfReader(io.BytesIO(bytes(pdf.output()))).pages[0].extract_text()


@pytest.mark.req("REP-018")
@pytest.mark.parametrize("style", ["", "B", "I"])
def test_arabic_cjk_and_undrawable_characters_in_every_style(style: str) -> None:
    drawn = _drawn(style, "Note تدقيق 作業 ก end")
    assert "[U+0E01]" in drawn  # Thai: in no shipped font
    assert "作業" in drawn
    assert "تدقيق" in drawn  # the oblique face has no Arabic: drawn with the regular one, not as code points
    assert "[U+062A]" not in drawn
