"""The PDF page frame every report shares: embedded Unicode fonts, header, page numbers, contents, tables.

fpdf2 (ADR 0090): pure Python, embeds and subsets TrueType fonts, breaks tables across pages with their
headings repeated, keeps JPEG photos as they are (no re-encoding) and builds the table of contents and the
PDF outline from `start_section`. fpdf2 cannot break one table row across pages and refuses a row taller
than a page: a row taller than `ROW_SHARE` of a page is drawn a line at a time, as rows with no rule or
padding between them, so that it reads as one row, a page break may fall after any of its lines and no text
the auditor wrote is cut (REP-002).

Every text drawn passes `printable` (REP-013): a character that would vanish from the page or reorder its
line (a control character, a text-direction control, half of a character pair) is shown as U+FFFD.
Text DejaVu cannot draw is drawn with the shipped fallback font (Chinese, Japanese, Korean), loaded the first
time a report needs it; a character neither font has is shown as its code point, never left out (REP-018).
"""

from __future__ import annotations

import io
import logging
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import CellBordersLayout, TableCellFillMode, XPos, YPos
from fpdf.errors import FPDFException
from fpdf.fonts import FontFace, TTFFont
from fpdf.outline import OutlineSection
from fpdf.util import Padding

from auditapp.domain.errors import AuditAppError
from auditapp.domain.payloads import UNSAFE_CHARACTER, well_formed
from auditapp.reports.font_files import CJK_FAMILY, CJK_FILE, FONT_DIR

FAMILY = "DejaVu"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf", "I": "DejaVuSans-Oblique.ttf"}
INK = (33, 37, 41)
MUTED = (108, 117, 125)
ACCENT = (13, 71, 161)
RULE = (206, 212, 218)
HEADING_FILL = (232, 238, 247)
LINE_BREAKS = frozenset("\n\r")
"""What fpdf2 breaks lines at, after normalising: kept as they are."""
RIGHT_TO_LEFT = frozenset({"R", "AL", "AN"})
"""Unicode bidirectional classes of Hebrew, Arabic and their digits: text holding one is shaped (REP-019)."""
ROW_FILL = (248, 249, 250)
CELL_PADDING = 0.8
ROW_SHARE = 1 / 3
"""The most of a page's height a table row takes in one piece; a taller row is drawn a line at a time."""
_FIRST, _MIDDLE, _LAST = (  # the borders of the first, middle and last lines of a row drawn a line at a time
    CellBordersLayout.LEFT | CellBordersLayout.RIGHT | CellBordersLayout.TOP,
    CellBordersLayout.LEFT | CellBordersLayout.RIGHT,
    CellBordersLayout.LEFT | CellBordersLayout.RIGHT | CellBordersLayout.BOTTOM,
)

log = logging.getLogger(__name__)


class ReportError(AuditAppError):
    """A report cannot be produced; the message says why and what to do."""


@contextmanager
def building(what: str, instead: str) -> Iterator[None]:
    """Turn a failure while drawing `what` into a ReportError that names it and says what to use `instead`,
    so the command line and the store show one clear message; the original error stays chained for logs."""
    try:
        yield
    except AuditAppError:
        raise
    except Exception as exc:  # a defect of the layout or of fpdf2: the user still needs a way forward
        raise ReportError(
            f"{what} could not be drawn ({type(exc).__name__}: {exc}). {instead}. Please report this error."
        ) from exc


def printable(text: str) -> str:
    """Text as the report shows it: each character capture refuses as U+FFFD (so the reader sees that
    something was there and the line keeps its order), a tab as a space."""
    return UNSAFE_CHARACTER.sub("\ufffd", well_formed(text)).replace("\t", " ")


def _font_file(name: str) -> Path:
    path = FONT_DIR / name
    if not path.exists():
        raise ReportError(f"the report font {path} is missing: reinstall auditapp")
    return path


class ReportPdf(FPDF):
    """An A4 report with a running header (title and id), `Page n of N` and a table of contents."""

    def __init__(self, header_text: str, subject: str = "") -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.header_text = header_text
        self.set_margins(18, 20, 18)
        self.set_auto_page_break(auto=True, margin=18)
        for style, name in FONT_FILES.items():
            self.add_font(FAMILY, style, str(_font_file(name)))
        self._fallback: TTFFont | None = None  # the CJK fallback font, once a text needed it
        self._shaping_tried = False  # text shaping switched on (or found missing) at the first RTL text
        self.set_font(FAMILY, size=10)
        self.set_text_color(*INK)
        self.set_title(header_text)
        self.set_subject(subject)
        self.set_creator("auditapp")
        self.show_header = False
        self._numbers: list[int] = [0, 0, 0]

    # ------------------------------------------------------------------ text
    def normalize_text(self, text: str) -> str:
        """fpdf2 passes every text it draws or measures through here: keep odd characters visible."""
        text = printable(text)
        if not text.isascii():
            text = self._drawable(text)
            if not self._shaping_tried and any(unicodedata.bidirectional(c) in RIGHT_TO_LEFT for c in text):
                self._shape_from_now_on()
        return super().normalize_text(text)

    def _shape_from_now_on(self) -> None:
        """Lay out text with HarfBuzz from this text on (fpdf2 reads the setting after this call): Hebrew and
        Arabic in reading order, Arabic letters joined. Off until needed, since it makes a report about four
        times slower to build (REP-019)."""
        self._shaping_tried = True  # fpdf2 restores `text_shaping` with its graphics state: kept apart
        try:
            self.set_text_shaping(True)
        except FPDFException as exc:  # uharfbuzz missing on this platform: drawn as before, left to right
            log.warning("right-to-left text in a report is drawn unshaped: %s", exc)

    def _drawable(self, text: str) -> str:
        """`text` with each character the current font lacks drawn by the fallback font (loaded on first
        need) or, when that lacks it too, written as its code point, e.g. `[U+2705]` (REP-018). An invisible
        format character the font lacks (a direction mark, a zero-width joiner) is left out, as it shows
        nothing; a space it lacks becomes a plain space; line breaks are left for fpdf2 to break lines at."""
        font = self.current_font
        if not isinstance(font, TTFFont):  # only the shipped TrueType fonts are ever set
            return text
        # Line breaks are never glyphs: fpdf2 breaks lines at them after this, so they stay as they are.
        lacking = {char for char in set(text) if ord(char) not in font.cmap} - LINE_BREAKS
        if not lacking:
            return text
        instead = {
            char: "" if unicodedata.category(char) == "Cf" else " "
            for char in lacking
            if unicodedata.category(char) == "Cf" or char.isspace()
        }
        drawn_elsewhere = lacking - instead.keys()
        if drawn_elsewhere:
            fallbacks = self._fallback_fonts()
            for char in drawn_elsewhere:
                if not any(ord(char) in fallback.cmap for fallback in fallbacks):
                    instead[char] = f"[U+{ord(char):04X}]"
        if not instead:
            return text
        return "".join(instead.get(char, char) for char in text)

    def _fallback_fonts(self) -> list[TTFFont]:
        """The fonts a character the current font lacks is drawn with: regular DejaVu (the oblique face has
        no Arabic, say), then the CJK font, added to this document the first time a text needs it."""
        if self._fallback is None:
            self.add_font(CJK_FAMILY, "", str(_font_file(CJK_FILE.name)), collection_font_number=0)
            # One face for every style: CJK text in a bold heading is drawn regular, not left out.
            self.set_fallback_fonts([FAMILY, CJK_FAMILY], exact_match=False)
            font = self.fonts[CJK_FAMILY.lower()]
            assert isinstance(font, TTFFont)
            self._fallback = font
        regular = self.fonts[FAMILY.lower()]
        assert isinstance(regular, TTFFont)
        return [regular, self._fallback]

    def set_title(self, title: str) -> None:
        """The document's title property, as printable text (UTF-16 in the file cannot hold half pairs)."""
        super().set_title(printable(title))

    def set_subject(self, subject: str) -> None:
        """The document's subject property, as printable text."""
        super().set_subject(printable(subject))

    def set_author(self, author: str | Sequence[str]) -> None:
        """The document's author property, as printable text."""
        super().set_author(printable(author) if isinstance(author, str) else [printable(a) for a in author])

    def start_section(self, name: str, level: int = 0, strict: bool = True) -> None:
        """A section of the PDF outline, its name as printable text."""
        super().start_section(printable(name), level, strict)

    # ------------------------------------------------------------------ frame
    def header(self) -> None:
        """Title and audit id on every page after the cover."""
        if not self.show_header:
            return
        self.set_font(FAMILY, size=8)
        self.set_text_color(*MUTED)
        self.set_y(9)
        self.cell(0, 5, self.header_text, align="L")
        self.set_draw_color(*RULE)
        self.line(self.l_margin, 15, self.w - self.r_margin, 15)
        self.set_y(self.t_margin)
        self.set_font(FAMILY, size=10)
        self.set_text_color(*INK)

    def footer(self) -> None:
        """`Page n of N` on every page."""
        self.set_y(-12)
        self.set_font(FAMILY, size=8)
        self.set_text_color(*MUTED)
        self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="C")
        self.set_text_color(*INK)

    # ------------------------------------------------------------------ structure
    def section(self, title: str, level: int = 0) -> None:
        """A numbered heading that appears in the contents and the PDF outline."""
        self._numbers[level] += 1
        for deeper in range(level + 1, len(self._numbers)):
            self._numbers[deeper] = 0
        number = ".".join(str(n) for n in self._numbers[: level + 1])
        label = f"{number} {title}"
        if level == 0:
            if self.get_y() > self.h * 0.72:
                self.add_page()
            self.ln(3)
        elif self.get_y() > self.h - 50:
            self.add_page()
        self.start_section(label, level=level)
        size = (15, 12, 10.5)[level]
        self.set_font(FAMILY, "B", size)
        self.set_text_color(*(ACCENT if level == 0 else INK))
        self.multi_cell(0, size * 0.55, label, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*INK)
        self.set_font(FAMILY, size=10)
        self.ln(1.5)

    def contents_page(self) -> None:
        """Reserve the table of contents; it is filled in when the document is finished."""
        self.insert_toc_placeholder(render_contents, pages=1, allow_extra_pages=True)

    def paragraph(self, text: str, *, style: str = "", size: float = 10, color: Sequence[int] = INK) -> None:
        """A block of wrapped text."""
        self.set_font(FAMILY, style, size)
        self.set_text_color(*color)
        self.multi_cell(0, size * 0.5, text or "-", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*INK)
        self.set_font(FAMILY, size=10)
        self.ln(1)

    def facts(self, pairs: Sequence[tuple[str, str]], label_width: float = 42) -> None:
        """Label: value lines, the value wrapped beside its label."""
        for label, value in pairs:
            self.set_font(FAMILY, "B", 9.5)
            y = self.get_y()
            self.multi_cell(label_width, 5, label, new_x=XPos.RIGHT, new_y=YPos.TOP)
            self.set_font(FAMILY, "", 9.5)
            self.multi_cell(0, 5, value or "-", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.set_y(max(self.get_y(), y + 5))
        self.ln(1.5)

    def grid(
        self,
        headings: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        *,
        size: float = 8.5,
        align: str = "LEFT",
    ) -> None:
        """A table that breaks across pages and repeats its headings; an empty table says so. A row of any
        length is drawn whole: one taller than `ROW_SHARE` of a page may break across pages (REP-002)."""
        if not rows:
            self.paragraph("None recorded.", style="I", color=MUTED)
            return
        self.set_font(FAMILY, size=size)
        self.set_draw_color(*RULE)
        self.set_fill_color(*ROW_FILL)
        line_height = size * 0.5
        column_widths = [self.epw * w / sum(widths) for w in widths]  # how fpdf2 shares out the page width
        most_lines = max(1, int((self.page_break_trigger - self.t_margin) * ROW_SHARE / line_height))
        with self.table(
            col_widths=tuple(widths),
            headings_style=FontFace(emphasis="BOLD", fill_color=HEADING_FILL),
            line_height=line_height,
            text_align=align,
            cell_fill_color=ROW_FILL,
            cell_fill_mode=TableCellFillMode.ROWS,
            padding=CELL_PADDING,
        ) as table:
            head = table.row()
            for text in headings:
                head.cell(text)
            for values in rows:
                texts = [value if value else "-" for value in values]
                parts = self._row_parts(texts, column_widths, line_height, most_lines)
                if len(parts) == 1:
                    row = table.row()
                    for text in texts:
                        row.cell(text)
                    continue
                for index, part in enumerate(parts):
                    last = index == len(parts) - 1
                    border = _FIRST if index == 0 else _LAST if last else _MIDDLE
                    top = CELL_PADDING if index == 0 else 0
                    bottom = CELL_PADDING if last else 0
                    # A blank line of the text keeps its height: every part is at least one line tall.
                    row = table.row(v_align="TOP", min_height=line_height + top + bottom)
                    for text in part:
                        row.cell(text, border=border, padding=(top, CELL_PADDING, bottom, CELL_PADDING))
        self.set_font(FAMILY, size=10)
        self.ln(2)

    def _row_parts(
        self, texts: Sequence[str], widths: Sequence[float], line_height: float, most_lines: int
    ) -> list[list[str]]:
        """The row's cells as one part, or, when a cell wraps to more than `most_lines` lines, as one part
        per line, so that a page break can fall after any line; every line of every cell is in a part."""
        # A line holds at least one character, so a shorter text cannot wrap to more lines: not measured.
        if all(len(text) < most_lines for text in texts):
            return [list(texts)]
        lines = [self._lines(text, width, line_height) for text, width in zip(texts, widths, strict=True)]
        tallest = max(len(cell) for cell in lines)
        if tallest <= most_lines:
            return [list(texts)]
        return [[cell[n] if n < len(cell) else "" for cell in lines] for n in range(tallest)]

    def _lines(self, text: str, width: float, line_height: float) -> list[str]:
        """`text` wrapped as a table cell `width` wide wraps it (inside its padding), one string a line."""
        sides = Padding(0, CELL_PADDING, 0, CELL_PADDING)
        lines = self.multi_cell(width, line_height, text, padding=sides, dry_run=True, output="LINES")
        assert isinstance(lines, list)  # what output="LINES" returns
        return lines

    def photo(self, data: bytes | None, name: str, caption: str, width: float, missing: str) -> float:
        """Place a photo at the current position (or a box naming the missing one); returns its height."""
        x, y = self.get_x(), self.get_y()
        if data is not None:
            try:
                info: Any = self.image(io.BytesIO(data), x=x, y=y, w=width)
                height = float(info.rendered_height)
            except Exception:
                data, missing = None, "the stored image could not be read"
        if data is None:
            height = width * 0.45
            self.set_fill_color(241, 243, 245)
            self.set_draw_color(*RULE)
            self.rect(x, y, width, height, style="DF")
            self.set_xy(x + 2, y + height / 2 - 6)
            self.set_font(FAMILY, "I", 8)
            self.set_text_color(*MUTED)
            self.multi_cell(width - 4, 4, f"Photo {name}\nnot included: {missing}", align="C")
            self.set_text_color(*INK)
        self.set_xy(x, y + height + 0.8)
        self.set_font(FAMILY, size=7.5)
        self.set_text_color(*MUTED)
        self.multi_cell(width, 3.5, caption, new_x=XPos.LEFT, new_y=YPos.NEXT)
        self.set_text_color(*INK)
        self.set_font(FAMILY, size=10)
        return self.get_y() - y

    def ensure_space(self, height: float) -> None:
        """Start a new page unless `height` mm are left above the bottom margin."""
        if self.get_y() + height > self.h - self.b_margin:
            self.add_page()

    def bytes(self) -> bytes:
        """The finished PDF."""
        return bytes(self.output())


def render_contents(pdf: FPDF, outline: list[OutlineSection]) -> None:
    """The table of contents: every section with its page number, sub-sections indented."""
    pdf.set_xy(pdf.l_margin, pdf.t_margin)
    pdf.set_font(FAMILY, "B", 15)
    pdf.set_text_color(*ACCENT)
    pdf.cell(0, 10, "Contents", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*INK)
    pdf.ln(2)
    for entry in outline:
        indent = 6 * entry.level
        pdf.set_font(FAMILY, "B" if entry.level == 0 else "", 10 if entry.level == 0 else 9)
        pdf.set_x(pdf.l_margin + indent)
        link = pdf.add_link(page=entry.page_number)
        width = pdf.w - pdf.l_margin - pdf.r_margin - indent - 14
        pdf.cell(width, 5.6, entry.name, link=link)
        pdf.cell(14, 5.6, str(entry.page_number), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, size=10)
