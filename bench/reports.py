"""Reports benchmark: the report of 300 answers, 40 findings and 60 photos, against fpdf2's bare minimum.

The baseline writes the same text (extracted from the report) and places the same 60 JPEGs with the same
embedded font and no layout at all: no tables, contents, header, sections or wrapping rules beyond
`write`. Both are measured alternately in the same run; peak memory is measured in separate runs under
tracemalloc, so its overhead does not inflate the times. Target: the report in under 5 s.
"""

from __future__ import annotations

import io
from typing import Any

from fpdf import FPDF
from pypdf import PdfReader

from auditapp.reports.audit_report import render_audit_pdf
from auditapp.reports.document import FAMILY, FONT_FILES
from auditapp.reports.font_files import FONT_DIR
from auditapp.services.reporting import AuditDossier, build_dossier
from bench.harness import Report, median, peak_memory, timed
from tests.fixtures.reports.specimen import Specimen, generate

TARGET_S = 5.0


class _Photos:
    def __init__(self, photos: dict[str, bytes]) -> None:
        self._photos = photos

    def photo(self, sha256: str) -> bytes | None:
        return self._photos.get(sha256)


def _dossier(spec: Specimen) -> AuditDossier:
    return build_dossier(
        spec.events, spec.audit_id, spec.checklists, photos=_Photos(spec.photos), source="bench"
    )


def _report(spec: Specimen) -> bytes:
    """What the product does: project the events, gather the dossier, lay out and write the PDF."""
    return render_audit_pdf(_dossier(spec))


def _bare(text: str, images: list[bytes]) -> bytes:
    """fpdf2's bare minimum for the same content: one font, flowing text, each photo at a fixed place."""
    pdf = FPDF()
    pdf.add_font(FAMILY, "", str(FONT_DIR / FONT_FILES[""]))
    pdf.set_font(FAMILY, size=9)
    pdf.add_page()
    pdf.write(4.5, text)
    for index, data in enumerate(images):
        if index % 4 == 0:
            pdf.add_page()
        pdf.image(io.BytesIO(data), x=10 + (index % 2) * 95, y=10 + (index % 4 // 2) * 75, w=90)
    return bytes(pdf.output())


def run(quick: bool = False) -> Report:
    """Time and peak memory of the report and of the bare baseline, alternately, in one run."""
    spec = generate(responses=300, findings=40, photos=60)
    first = _report(spec)  # warm-up: imports, font parsing caches
    reader = PdfReader(io.BytesIO(first))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    images = list(spec.photos.values())
    _bare(text, images)
    repeat = 1 if quick else 3
    report_s: list[float] = []
    bare_s: list[float] = []
    for _ in range(repeat):
        report_s.append(timed(lambda: _report(spec)))
        bare_s.append(timed(lambda: _bare(text, images)))
    _, report_peak = peak_memory(lambda: _report(spec))
    _, bare_peak = peak_memory(lambda: _bare(text, images))
    out = Report("reports")
    out.metrics = {
        "report_s": round(median(report_s), 3),
        "report_peak_mb": round(report_peak / 2**20, 1),
        "report_pages": len(reader.pages),
        "report_mb": round(len(first) / 2**20, 2),
        "under_target": 1.0 if median(report_s) < TARGET_S else 0.0,
    }
    out.baseline = {
        "bare_s": round(median(bare_s), 3),
        "bare_peak_mb": round(bare_peak / 2**20, 1),
    }
    out.ratio("time", "report_s", "bare_s")
    out.ratio("peak_memory", "report_peak_mb", "bare_peak_mb")
    notes: dict[str, Any] = {
        "audit": "300 answers, 40 findings, 60 photos (1280x960 JPEG), 50 sampled records",
        "target_s": TARGET_S,
        "runs": repeat,
    }
    out.notes = notes
    out.target("report_s", "<", TARGET_S)
    return out
