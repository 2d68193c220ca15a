"""A table cell of any length never stops a PDF report: a tall row goes on over pages, every word kept.

fpdf2 refuses a table row taller than a page; a sampled record's comment or a previous finding's statement of
a few thousand characters made the whole audit report fail (REP-002).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from collections.abc import Sequence
from pathlib import Path

import pytest
import requests
from pypdf import PdfReader

from auditapp.cli import main
from auditapp.domain import drafts
from auditapp.domain.clock import HybridClock
from auditapp.domain.events import DomainEvent, EventFactory
from auditapp.domain.evidence import EvidenceTarget, SamplingMethod
from auditapp.domain.findings import Finding, FindingGrade
from auditapp.domain.readiness import CapaFacts, assess
from auditapp.reports.document import ReportError, ReportPdf
from auditapp.reports.library import standard_clauses
from auditapp.reports.readiness_report import render_readiness_pdf
from auditapp.services.reporting import readiness_inputs
from auditapp.store import FieldStore
from tests.fixtures.reports.readiness_sites import ready_site
from tests.fixtures.reports.specimen import CHECKLIST_ID, SpecimenChecklists, plan
from tests.integration.sync_e2e.devices import enroll, login
from tests.support.processes import Running

PASSPHRASE = "long cells passphrase"
EARLIER = "a0000000-0000-4000-8000-00000000e001"
CURRENT = "a0000000-0000-4000-8000-00000000e002"
IDENTIFIER = "BR-0042"


def _long(name: str, letter: str) -> str:
    text = f"{name}-START " + " ".join(f"{letter}{n:04d}" for n in range(840)) + f" {name}-END"
    assert len(text) >= 5_000
    return text


COMMENT = _long("COMMENT", "c")
PRIOR = _long("PRIOR", "p")
POPULATION = _long("POPULATION", "q")


def _audits(device_id: str) -> list[DomainEvent]:
    """An earlier audit of the site whose finding's statement is 5,000 characters long, and the audit
    reported on, whose sample's population and sampled record's comment are as long."""
    texts = SpecimenChecklists(10)
    items = texts.items(CHECKLIST_ID)
    wall = iter(range(1_767_225_600_000, 1_767_325_600_000, 1000))
    factory = EventFactory(device_id, HybridClock(device_id, wall.__next__))
    target = EvidenceTarget.item(items[0].item_id, items[0].clause)

    def planned(start: dt.date) -> drafts.Draft:
        return drafts.audit_planned(dataclasses.replace(plan(start=start), criteria=(texts.info.ref(),)))

    earlier = [
        planned(dt.date(2026, 1, 5)),
        drafts.finding_raised(
            Finding("f-prior-1", items[1].item_id, items[1].clause, FindingGrade.MINOR_NC, "7.5.1", PRIOR)
        ),
    ]
    current = [
        planned(dt.date(2026, 3, 2)),
        drafts.sample_drawn(
            "s-long", target, population_description=POPULATION, population_size=40, population_ids=None,
            sample_size=2, method=SamplingMethod.JUDGMENTAL, selected_ids=[IDENTIFIER, "BR-2026-0007"],
            reason="the lots released in the audit week",
        ),
        drafts.record_sampled(
            "r-long", target, sample_id="s-long", record_type="batch record", identifier=IDENTIFIER,
            record_date="2026-02-20", conforms=False, comment=COMMENT,
        ),
        drafts.record_sampled(
            "r-short", target, sample_id="s-long", record_type="batch record", identifier="BR-2026-0007",
            record_date="2026-02-21", conforms=True, comment="complete",
        ),
    ]  # fmt: skip
    return [factory.make(EARLIER, d.kind, d.payload) for d in earlier] + [
        factory.make(CURRENT, d.kind, d.payload) for d in current
    ]


def _words(pdf: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(page.extract_text() or "" for page in reader.pages).split()


def _holds_in_order(words: Sequence[str], text: str) -> bool:
    """Whether every word of `text` is on the pages, in its order (other cells' words may come between)."""
    found = iter(words)
    return all(any(word == seen for seen in found) for word in text.split())


def _assert_whole(pdf: bytes, *texts: str) -> None:
    words = _words(pdf)
    assert IDENTIFIER in words
    for text in texts:
        first, last = text.split()[0], text.split()[-1]
        assert first in words
        assert last in words
        assert _holds_in_order(words, text), f"{first}: a word is missing or out of order"


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "ws"
    store = FieldStore.create(folder, PASSPHRASE)
    try:
        store.append(_audits("long-cells-device"))
    finally:
        store.close()
    monkeypatch.setenv("AUDITAPP_PASSPHRASE", PASSPHRASE)
    return folder


@pytest.mark.req("REP-002")
def test_5000_character_comment_population_and_prior_statement_are_in_the_workspace_report(
    workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report.pdf"
    code = main(["report", CURRENT, "--format", "pdf", "--out", str(out), "--workspace", str(workspace)])
    assert (code, capsys.readouterr().err) == (0, "")
    _assert_whole(out.read_bytes(), COMMENT, POPULATION, PRIOR)


@pytest.mark.req("REP-002")
def test_the_central_store_gives_the_report_of_an_audit_with_long_cells(central: Running) -> None:
    device = enroll(central)
    reply = device.push(_audits(device.device_id))
    assert reply.status_code == 200, reply.text
    url = f"{central.url}/api/audits/{CURRENT}/report"
    pdf = requests.get(url, headers=login(central), timeout=120)
    assert pdf.status_code == 200, pdf.text
    _assert_whole(pdf.content, COMMENT, POPULATION, PRIOR)


@pytest.mark.req("REP-002", "REP-008")
def test_a_5000_character_capa_title_is_in_the_readiness_pdf() -> None:
    site = ready_site()
    title = _long("CAPA", "k")
    still_open = CapaFacts("CAPA-9", title, "open", dt.date(2026, 9, 1), None, None, (), ("6.2",))
    inputs = readiness_inputs(
        site.events, site.name, site.as_of, standard_clauses(), [*site.capas, still_open], (), site.statuses
    )
    words = [word.strip('"') for word in _words(render_readiness_pdf(assess(inputs)))]  # CAPA "title"
    assert words.count("CAPA-START") == 2  # in the reasons, and in the CAPA loops table
    assert words.count("CAPA-END") == 2
    assert _holds_in_order(words, title)


@pytest.mark.req("REP-002", "REP-011")
def test_a_report_that_cannot_be_drawn_is_one_clear_line_and_writes_no_file(
    workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise ValueError("a layout defect")

    monkeypatch.setattr(ReportPdf, "grid", broken)
    out = tmp_path / "report.pdf"
    code = main(["report", CURRENT, "--format", "pdf", "--out", str(out), "--workspace", str(workspace)])
    err = capsys.readouterr().err
    assert code == 2
    assert err == (
        f"auditapp report: error: the PDF report of audit {CURRENT} could not be drawn (ValueError: a layout "
        "defect). Its CSV, XLSX and JSON exports hold the same findings and sampled records. Please report "
        "this error.\n"
    )
    assert not out.exists()
    site = ready_site()
    result = assess(readiness_inputs(site.events, site.name, site.as_of, standard_clauses(), site.capas))
    with pytest.raises(ReportError, match=r"^the readiness PDF of Ready Medical could not be drawn \(ValueE"):
        render_readiness_pdf(result)
