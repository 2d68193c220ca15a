"""The report's paper-vs-practice table says what the field screen says, and shows what it rests on."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from auditapp.bootstrap import FieldStoreOpener
from auditapp.client.device_checklists import DeviceChecklists
from auditapp.demo import demo_plan
from auditapp.media import process_photo
from auditapp.reports.audit_report import render_audit_pdf
from auditapp.services.field_audits import FieldAudits
from auditapp.services.paper_practice import Mark
from auditapp.services.reporting import field_dossier
from auditapp.services.workspace import FieldWorkspace

PASSPHRASE = "a long passphrase"

# The report's words for each of the screen's marks.
REPORT_WORDS = {
    Mark.CONSISTENT: "paper and practice agree",
    Mark.CONTRADICTS: "GAP: practice does not follow the paper",
    Mark.NO_PRACTICE: "GAP: no practice evidence",
    Mark.PRACTICE_ONLY: "practice seen, no document reviewed",
    Mark.PAPER_FAULTED: "the document reviewed is itself cited in a nonconformity",
}


class Audit:
    """A real encrypted workspace with the demo audit and the screens' use cases."""

    def __init__(self, folder: Path):
        self.ws = FieldWorkspace(folder, FieldStoreOpener(), DeviceChecklists(lambda: self.ws.store()))
        self.ws.set_up(PASSPHRASE, PASSPHRASE)
        self.audits = FieldAudits(self.ws.store, DeviceChecklists(self.ws.store), process_photo)
        self.audit_id = self.ws.plan_audit(demo_plan(dt.date(2026, 11, 2)))
        rows = self.audits.walkthrough(self.audit_id).rows
        by_clause: dict[str, str] = {}
        for row in rows:
            by_clause.setdefault(row.clause, row.item_id)
        self.items = list(by_clause.items())  # (clause, first item there), one item per clause

    def report_text(self) -> str:
        store = self.ws.store()
        dossier = field_dossier(store, DeviceChecklists(lambda: store), self.audit_id, photos=store.photos)
        reader = PdfReader(io.BytesIO(render_audit_pdf(dossier)))
        text = " ".join(page.extract_text() or "" for page in reader.pages)
        return re.sub(r"\s+", " ", text)


@pytest.fixture
def audit(tmp_path: Path) -> Iterator[Audit]:
    opened = Audit(tmp_path / "ws")
    yield opened
    opened.ws.close()


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (40, 120, 200)).save(out, format="JPEG")
    return out.getvalue()


def practice_table(text: str) -> str:
    """The paper-vs-practice section of the report's text."""
    start = text.index("Paper vs practice For each clause")
    return text[start : text.index("Sampled records", start)]


@pytest.mark.req("REP-016")
def test_a_procedure_cited_in_a_nonconformity_reads_the_same_in_the_report_as_on_the_screen(
    audit: Audit,
) -> None:
    (clause, item_id) = audit.items[0]
    audits, audit_id = audit.audits, audit.audit_id
    detail = audits.add_document(audit_id, item_id, document_id="SOP-12", revision="C")
    document_id = detail.evidence[-1].evidence_id
    audits.add_interview(audit_id, item_id, person="Pat", role="Operator", question="Q?", answer="A")
    audits.add_photo(audit_id, item_id, jpeg(), "line.jpg", "Line 3")
    audits.answer(audit_id, item_id, "nonconforming")
    audits.raise_finding(
        audit_id,
        item_id,
        grade="major_nc",
        statement="SOP-12 does not require the line clearance it claims",
        requirement="ISO 13485 4.2.4: documents are reviewed and approved",
        evidence_ids=[document_id],
    )

    [screen] = [row for row in audits.paper_practice(audit_id) if row.clause == clause]
    assert screen.mark is Mark.PAPER_FAULTED

    table = practice_table(audit.report_text())
    row = table[table.index(f"{clause} SOP-12 rev C") :]
    assert row.startswith(
        f"{clause} SOP-12 rev C 0 records, 1 interview, 1 observation, 1 nonconforming answer 1 "
        "the document reviewed is itself cited in a nonconformity"
    )
    assert "no document reviewed" not in row[:250]


@pytest.mark.req("REP-016")
def test_a_clause_answered_nonconforming_shows_those_answers_beside_its_verdict(audit: Audit) -> None:
    (clause, item_id) = audit.items[1]
    audit.audits.answer(audit.audit_id, item_id, "nonconforming")

    [screen] = [row for row in audit.audits.paper_practice(audit.audit_id) if row.clause == clause]
    assert screen.mark is Mark.PRACTICE_ONLY

    table = practice_table(audit.report_text())
    assert (
        f"{clause} - 0 records, 0 interviews, 0 observations, 1 nonconforming answer 0 "
        "practice seen, no document reviewed"
    ) in table


@pytest.mark.req("REP-016")
def test_every_clause_the_screen_marks_has_the_same_verdict_in_the_report(audit: Audit) -> None:
    audits, audit_id = audit.audits, audit.audit_id
    (c0, i0), (c1, i1), (c2, i2), (c3, i3), (c4, i4), (c5, i5) = audit.items[2:8]
    audits.add_document(audit_id, i0, document_id="WI-1", revision="A")  # paper, no practice: a gap
    audits.add_document(audit_id, i1, document_id="WI-2", revision="B")  # paper and matching practice
    audits.add_note(audit_id, i1, "Operator follows WI-2 rev B at the press")
    audits.add_document(audit_id, i2, document_id="WI-3", revision="D")  # practice contradicts the paper
    audits.answer(audit_id, i2, "nonconforming")
    audits.add_note(audit_id, i3, "Seen at goods-in")  # practice with no paper
    audits.answer(audit_id, i4, "nonconforming")  # an answer only
    cited = audits.add_document(audit_id, i5, document_id="WI-5", revision="E").evidence[-1]
    audits.add_note(audit_id, i5, "WI-5 asks for a check nobody can do")
    audits.raise_finding(
        audit_id,
        i5,
        grade="minor_nc",
        statement="WI-5 rev E asks for a check the line has no gauge for",
        requirement="ISO 13485 4.2.4",
        evidence_ids=[cited.evidence_id],
    )

    table = practice_table(audit.report_text())
    marked = [row for row in audits.paper_practice(audit_id) if row.mark is not Mark.NO_EVIDENCE]
    assert {row.clause: row.mark for row in marked} == {
        c0: Mark.NO_PRACTICE,
        c1: Mark.CONSISTENT,
        c2: Mark.CONTRADICTS,
        c3: Mark.PRACTICE_ONLY,
        c4: Mark.PRACTICE_ONLY,
        c5: Mark.PAPER_FAULTED,
    }
    for row in marked:
        paper = " ".join(row.documents) or "-"
        at = table.index(f"{row.clause} {paper} ")
        assert REPORT_WORDS[row.mark] in table[at : at + 200], row.clause
