"""Paper vs practice per clause: documents next to practice evidence, gaps marked."""

from __future__ import annotations

import pytest

from auditapp.services.field_audits import FieldAudits
from auditapp.services.paper_practice import ClausePaperPractice, Mark
from auditapp.services.plan_form import PlanForm
from tests.unit.services.field_fakes import PLAN_VALUES, field_audits


def _by_clause(audits: FieldAudits, audit_id: str) -> dict[str, ClausePaperPractice]:
    return {row.clause: row for row in audits.paper_practice(audit_id)}


@pytest.fixture
def planned() -> tuple[FieldAudits, str]:
    audits, _ = field_audits()
    return audits, audits.create_audit(PlanForm(**PLAN_VALUES))


@pytest.mark.req("FLD-107")
def test_a_procedure_read_with_no_practice_evidence_is_marked_as_a_gap(
    planned: tuple[FieldAudits, str],
) -> None:
    audits, audit_id = planned
    audits.add_document(audit_id, "P-01", document_id="WI-7", revision="C", title="Moulding set-up")

    row = _by_clause(audits, audit_id)["7.5.1"]

    assert row.documents == ("WI-7 rev C Moulding set-up",)
    assert row.practice == ()
    assert row.mark is Mark.NO_PRACTICE
    assert row.gap
    assert row.mark_text == "Gap: no practice evidence for the documented procedure"


@pytest.mark.req("FLD-107")
def test_practice_that_matches_the_paper_is_consistent(planned: tuple[FieldAudits, str]) -> None:
    audits, audit_id = planned
    audits.add_document(audit_id, "P-01", document_id="WI-7", revision="C")
    audits.add_interview(
        audit_id, "P-01", person="Pat", role="Operator", question="Which revision?", answer="Rev C"
    )
    audits.add_photo(audit_id, "P-01", b"\xff\xd8jpeg", "wi.jpg", "WI-7 rev C posted at the machine")

    row = _by_clause(audits, audit_id)["7.5.1"]

    assert row.mark is Mark.CONSISTENT
    assert not row.gap
    assert [line.kind for line in row.practice] == ["interview", "observation"]
    assert "Pat (Operator): Which revision? - Rev C" in row.practice[0].text


@pytest.mark.req("FLD-107")
def test_a_nonconforming_sampled_record_contradicts_the_paper(planned: tuple[FieldAudits, str]) -> None:
    audits, audit_id = planned
    audits.add_document(audit_id, "P-02", document_id="VAL-3", revision="A")
    detail = audits.draw_sample(
        audit_id,
        "P-02",
        {
            "population_description": "sealer runs",
            "population_ids": "R1, R2, R3",
            "method": "judgmental",
            "selected_ids": "R1, R2",
            "reason": "after the jaw change",
        },
    )
    sample_id = detail.samples[0].sample.evidence_id
    audits.record_sampled(
        audit_id, "P-02", sample_id, identifier="R1", record_type="run record", conforms=True
    )
    audits.record_sampled(
        audit_id,
        "P-02",
        sample_id,
        identifier="R2",
        record_type="run record",
        conforms=False,
        comment="seal strength not tested",
    )

    row = _by_clause(audits, audit_id)["7.5.6"]

    assert row.mark is Mark.CONTRADICTS
    assert row.gap
    contradicting = [line.text for line in row.practice if line.contradicts]
    assert contradicting == ["run record R2 does not conform: seal strength not tested"]


@pytest.mark.req("FLD-107")
def test_a_nonconforming_answer_or_finding_contradicts_the_paper_and_practice_alone_is_no_gap(
    planned: tuple[FieldAudits, str],
) -> None:
    audits, audit_id = planned
    audits.add_document(audit_id, "C-01", document_id="SOP-CAPA", revision="4")
    audits.answer(audit_id, "C-01", "nonconforming")
    audits.add_note(audit_id, "P-03", "Unlabelled tote at the packing line")

    rows = _by_clause(audits, audit_id)

    assert rows["8.5.2"].mark is Mark.CONTRADICTS
    assert [line.text for line in rows["8.5.2"].practice if line.contradicts] == [
        "Answered nonconforming: Are corrective actions verified for effectiveness?"
    ]  # the question in words, not the item's code
    assert rows["7.5.8"].mark is Mark.PRACTICE_ONLY
    assert not rows["7.5.8"].gap
    assert rows["7.5.1"].mark is Mark.NO_EVIDENCE
    assert list(rows) == ["7.5.1", "7.5.6", "7.5.8", "8.5.2"]


@pytest.mark.req("FLD-107")
def test_a_procedure_cited_in_a_nonconformity_is_not_counted_as_conforming_paper(
    planned: tuple[FieldAudits, str],
) -> None:
    audits, audit_id = planned
    detail = audits.add_document(audit_id, "P-01", document_id="WI-7", revision="B")
    audits.add_note(audit_id, "P-01", "Operators follow the supplier manual, not WI-7")
    audits.raise_finding(
        audit_id,
        "P-01",
        grade="minor_nc",
        statement="WI-7 rev B omits the purge step",
        requirement="7.5.1 a) documented procedures",
        evidence_ids=[detail.documents[0].evidence_id],
    )

    row = _by_clause(audits, audit_id)["7.5.1"]

    assert row.mark is Mark.PAPER_FAULTED
    assert row.mark_text == "The documented procedure itself is cited in a nonconformity"
