"""Readiness from a real encrypted workspace, as a PDF whose pictures show on the rendered page."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from auditapp.domain.readiness import Light, assess
from auditapp.reports.charts import HEAT_HIGH, LIGHT_COLORS
from auditapp.reports.library import standard_clauses
from auditapp.reports.readiness_report import SECTIONS, render_readiness_pdf
from auditapp.services.reporting import field_readiness_inputs, sites
from auditapp.store import FieldStore
from tests.fixtures.reports.readiness_sites import Site, documents_only_site, ready_site


def _pixels(pdf: bytes, tmp_path: Path) -> list[tuple[int, int, int]]:
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed; make test installs it")
    (tmp_path / "r.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(tmp_path / "r.pdf"), str(tmp_path / "p")], check=True)
    out: list[tuple[int, int, int]] = []
    for page in sorted(tmp_path.glob("p-*.png")):
        with Image.open(page) as image:
            out.extend(image.convert("RGB").get_flattened_data())  # type: ignore[arg-type]
    return out


def _near(pixels: list[tuple[int, int, int]], color: tuple[int, int, int]) -> int:
    return sum(1 for p in pixels if all(abs(a - b) <= 12 for a, b in zip(p, color, strict=True)))


def _from_workspace(site: Site, folder: Path) -> bytes:
    store = FieldStore.create(folder, "readiness passphrase")
    try:
        for events in site.events.values():
            store.append(events)
        assert site.name in sites(store)
        inputs = field_readiness_inputs(store, site.name, site.as_of, standard_clauses())
        return render_readiness_pdf(assess(inputs.__class__(**{**inputs.__dict__, "capas": site.capas})))
    finally:
        store.close()


@pytest.mark.req("REP-010")
def test_the_ready_site_pdf_says_stage_2_with_a_green_heatmap_and_lights(tmp_path: Path) -> None:
    pdf = _from_workspace(ready_site(), tmp_path / "ws")
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(p.extract_text() for p in reader.pages)
    assert "Ready for Stage 2" in text
    for section in SECTIONS:
        assert section in text
    pixels = _pixels(pdf, tmp_path)
    assert _near(pixels, LIGHT_COLORS[Light.GREEN]) > 50  # the verdict banner and green lights
    assert _near(pixels, HEAT_HIGH) > 5  # the darkest heatmap cells
    assert _near(pixels, LIGHT_COLORS[Light.RED]) == 0


@pytest.mark.req("REP-010")
def test_the_documents_only_site_pdf_is_red(tmp_path: Path) -> None:
    pdf = _from_workspace(documents_only_site(), tmp_path / "ws")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Not ready" in text
    assert "What keeps the site from Stage 1" in text
    assert _near(_pixels(pdf, tmp_path), LIGHT_COLORS[Light.RED]) > 100
