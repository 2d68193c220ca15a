"""The audit report from a generated audit in a real encrypted field store: parsed back and rendered."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageStat
from pypdf import PdfReader

from auditapp.reports.audit_report import SECTIONS, render_audit_pdf
from auditapp.services.reporting import field_dossier
from auditapp.store import FieldStore
from tests.fixtures.reports.specimen import LANGUAGES, Specimen, generate

PASSPHRASE = "report passphrase"
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def specimen() -> Specimen:
    return generate(responses=300, findings=40, photos=60)


@pytest.fixture(scope="module")
def report(specimen: Specimen, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The report built the field way: events and photos in a real FieldStore, read back offline."""
    folder = tmp_path_factory.mktemp("workspace")
    store = FieldStore.create(folder, PASSPHRASE)
    try:
        store.append(specimen.events)
        for data in specimen.photos.values():
            store.photos.put(data)
        dossier = field_dossier(store, specimen.checklists, specimen.audit_id, photos=store.photos)
        return render_audit_pdf(dossier)
    finally:
        store.close()


def _text(reader: PdfReader) -> str:
    return re.sub(r"\s+", " ", " ".join(page.extract_text() or "" for page in reader.pages))


@pytest.mark.req("REP-001")
def test_the_report_has_cover_contents_and_every_section_with_page_numbers(report: bytes) -> None:
    reader = PdfReader(io.BytesIO(report))
    pages = len(reader.pages)
    # 40 findings with 60 photos two to a row, plus tables of 300 answers' worth: 20 to 45 pages.
    assert 20 <= pages <= 45
    outline = [item.title for item in reader.outline if not isinstance(item, list)]
    assert [re.sub(r"^\d+ ", "", str(title)) for title in outline] == list(SECTIONS)
    first = reader.pages[0].extract_text()
    assert "Audit report" in first
    assert "Acme Medical GmbH" in first
    assert "Plant Łódź" in first
    assert "Tomasz Żółkiewski" in first
    assert "Olga Иванова (Production lead)" in first
    contents = reader.pages[1].extract_text()
    assert "Contents" in contents
    for section in SECTIONS:
        assert section in contents
    for number in (2, pages // 2, pages):
        text = reader.pages[number - 1].extract_text()
        assert f"Page {number} of {pages}" in text
        assert "audit a0000000-0000-4000-8000-000000000001" in text


@pytest.mark.req("REP-002")
def test_every_finding_photo_and_sampled_record_is_in_the_report(specimen: Specimen, report: bytes) -> None:
    reader = PdfReader(io.BytesIO(report))
    text = _text(reader)
    for statement in specimen.statements:
        assert statement in text
    for identifier in specimen.record_ids:
        assert identifier in text
    for number in range(1, 41):
        assert f"F-{number:02d}" in text
    assert "F-41" not in text
    images = sum(len(page.images) for page in reader.pages)
    assert images == 60
    assert "not included" not in text


@pytest.mark.req("REP-003")
def test_fonts_are_embedded_and_every_script_reads_back(report: bytes) -> None:
    reader = PdfReader(io.BytesIO(report))
    text = _text(reader)
    for sentence in LANGUAGES:
        assert sentence in text
    fonts = set()
    for page in reader.pages[:4]:
        resources: Any = page["/Resources"]
        for font in resources["/Font"].values():
            descendant: Any = font.get_object()["/DescendantFonts"]
            descriptor = descendant[0].get_object()["/FontDescriptor"]
            assert "/FontFile2" in descriptor  # the TrueType program is in the file
            fonts.add(str(font.get_object()["/BaseFont"]))
    assert any("DejaVuSans" in f for f in fonts)


@pytest.mark.req("REP-004")
def test_criteria_and_methodology_state_hash_and_each_sample(specimen: Specimen, report: bytes) -> None:
    text = _text(PdfReader(io.BytesIO(report)))
    info = specimen.checklists.info
    assert info.version in text
    assert info.content_hash[:32] in text.replace(" ", "")
    for s in range(10):
        assert f"Batch records lot family {s}" in text
        assert f"random, seed seed-{s}" in text


@pytest.mark.req("REP-001")
def test_rendered_pages_are_not_blank(report: bytes, tmp_path: Path) -> None:
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed; make test installs it")
    source = tmp_path / "report.pdf"
    source.write_bytes(report)
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(source), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == len(PdfReader(io.BytesIO(report)).pages)
    for page in pages:
        with Image.open(page) as image:
            grey = image.convert("L")
            dark = sum(grey.histogram()[:200])
            assert dark > 200, f"{page.name} looks blank"
            assert ImageStat.Stat(grey).stddev[0] > 5
    target = os.environ.get("AUDITAPP_SCREENSHOTS")
    if target:
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                "80",
                "-png",
                "-f",
                "5",
                "-singlefile",
                str(source),
                str(ROOT / target / "report-page"),
            ],
            check=True,
        )


@pytest.mark.req("REP-002")
def test_a_photo_missing_from_the_store_is_named_in_a_placeholder(specimen: Specimen, tmp_path: Path) -> None:
    store = FieldStore.create(tmp_path / "ws", PASSPHRASE)
    try:
        store.append(specimen.events)
        kept = sorted(specimen.photos)[1:]
        for digest in kept:
            store.photos.put(specimen.photos[digest])
        dossier = field_dossier(store, specimen.checklists, specimen.audit_id, photos=store.photos)
        reader = PdfReader(io.BytesIO(render_audit_pdf(dossier)))
    finally:
        store.close()
    missing = sorted(specimen.photos)[0]
    text = _text(reader)
    assert f"Photo {missing[:12]} not included" in text
    assert sum(len(page.images) for page in reader.pages) == 59


@pytest.mark.req("REP-001")
def test_previous_findings_are_followed_up_in_plain_words() -> None:
    from auditapp.services.followup import PriorFinding
    from auditapp.services.reporting import build_dossier

    small = generate(responses=20, findings=2, photos=0)
    prior = PriorFinding(
        finding_id="f-prior-1",
        audit_id="a-earlier",
        clause="8.2.2",
        grade="minor_nc",
        statement="Complaint files closed without trend review",
        status="capa",
        capa_id="CAPA-17",
        capa_status="effectiveness",
    )
    dossier = build_dossier(small.events, small.audit_id, small.checklists, prior_findings=[prior])
    text = _text(PdfReader(io.BytesIO(render_audit_pdf(dossier))))
    section = text[text.rindex("Follow-up of previous findings") : text.rindex("Diverging opinions")]
    assert (
        "8.2.2 Minor nonconformity Complaint files closed without trend review In a CAPA "
        "CAPA-17 (Effectiveness) not re-examined in this audit"
    ) in section
