"""`auditapp report` from a real workspace whose audit was written in Chinese, Japanese and Korean."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from auditapp.cli import main
from auditapp.domain import drafts
from auditapp.domain.clock import HybridClock
from auditapp.domain.events import EventFactory, EventKind
from auditapp.store import FieldStore
from tests.fixtures.reports.specimen import Specimen, generate

PASSPHRASE = "scripts passphrase"
TITLE = "内部監査 工場A"  # Japanese
STATEMENT = "作业指导书第3版未在产线 — 현장에 없음"  # Chinese, then Korean
UNDRAWABLE = "Label ก missing"  # Thai: in neither shipped font


def _workspace(tmp_path: Path, edits: list[tuple[str, str]]) -> tuple[Path, Specimen]:
    """A workspace holding the specimen audit, its title and first finding's statement set as given."""
    spec = generate(responses=10, findings=2, photos=1)
    finding = next(e.payload["finding_id"] for e in spec.events if e.kind is EventKind.FINDING_RAISED)
    factory = EventFactory(
        "tablet-cjk", HybridClock("tablet-cjk", iter(range(2 * 10**12, 3 * 10**12)).__next__)
    )
    made = {
        "title": drafts.plan_edited("title", "x", None),
        "statement": drafts.finding_edited(finding, "statement", "x", None),
    }
    events = [factory.make(spec.audit_id, made[f].kind, {**made[f].payload, "value": v}) for f, v in edits]
    folder = tmp_path / "ws"
    store = FieldStore.create(folder, PASSPHRASE)
    try:
        store.append(spec.events)
        store.merge_remote(events)
        for data in spec.photos.values():
            store.photos.put(data)
    finally:
        store.close()
    return folder, spec


def _pdf(folder: Path, spec: Specimen, out: Path, monkeypatch: pytest.MonkeyPatch) -> PdfReader:
    monkeypatch.setenv("AUDITAPP_PASSPHRASE", PASSPHRASE)
    assert (
        main(["report", spec.audit_id, "--format", "pdf", "--out", str(out), "--workspace", str(folder)]) == 0
    )
    return PdfReader(out)


def _text(reader: PdfReader) -> str:
    return "".join((page.extract_text() or "") for page in reader.pages).replace(" ", "").replace("\n", "")


def _fonts(reader: PdfReader) -> set[str]:
    names = set()
    for page in reader.pages:
        resources: Any = page["/Resources"].get_object()
        for font in resources.get("/Font", {}).get_object().values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


@pytest.mark.req("REP-018")
def test_chinese_japanese_and_korean_text_is_on_the_page_as_typed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, spec = _workspace(tmp_path, [("title", TITLE), ("statement", STATEMENT + " " + UNDRAWABLE)])
    reader = _pdf(folder, spec, tmp_path / "report.pdf", monkeypatch)
    text = _text(reader)
    for phrase in (TITLE, STATEMENT):
        assert phrase.replace(" ", "") in text  # every character drawn, none left out
    assert "Label[U+0E01]missing" in text  # a character no shipped font has is shown as its code point
    assert any("WenQuanYi" in name for name in _fonts(reader))


@pytest.mark.req("REP-018")
def test_a_report_in_latin_script_does_not_carry_the_fallback_font(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An Arabic letter mark pasted from a phone and a full-width space: invisible or blank, not text.
    folder, spec = _workspace(tmp_path, [("title", "Internal audit Zürich, Ærø\u061c\u3000Plant 2")])
    reader = _pdf(folder, spec, tmp_path / "report.pdf", monkeypatch)
    text = _text(reader)
    assert "Internalaudit" in text
    assert "ÆrøPlant2" in text  # the mark left out, the space a space (spaces are not compared)
    assert "[U+" not in text
    assert not any("WenQuanYi" in name for name in _fonts(reader))


@pytest.mark.req("REP-019")
def test_hebrew_and_arabic_text_is_in_reading_order_on_the_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, spec = _workspace(tmp_path, [("title", "Audit ביקורת פנימית / تدقيق داخلي")])
    reader = _pdf(folder, spec, tmp_path / "report.pdf", monkeypatch)
    text = _text(reader)
    assert "ביקורתפנימית" in text  # drawn unshaped, the letters came out reversed: תימינפתרוקיב
    assert "תימינפתרוקיב" not in text
    assert "تدقيقداخلي" in text  # Arabic too (unshaped: يلخادقيقدت)


@pytest.mark.req("REP-018")
def test_a_statement_of_several_lines_with_accents_and_cjk_keeps_its_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, spec = _workspace(tmp_path, [("statement", "Prüfung Zeile eins\nZeile zwei 作業手順書")])
    reader = _pdf(folder, spec, tmp_path / "report.pdf", monkeypatch)
    lines = [line.strip() for page in reader.pages for line in (page.extract_text() or "").splitlines()]
    assert any(line.endswith("Prüfung Zeile eins") for line in lines), lines
    assert any(line.startswith("Zeile zwei") for line in lines), lines
