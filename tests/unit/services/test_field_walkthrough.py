"""The walkthrough view-model and capture on an item: navigation, progress, search, filters, evidence."""

from __future__ import annotations

import pytest

from auditapp.domain.errors import ValidationError
from auditapp.domain.evidence import PhotoRef
from auditapp.services.field_audits import FieldAudits
from auditapp.services.navigation import GroupBy, ItemFilter
from auditapp.services.plan_form import PlanForm
from auditapp.store.memory import MemoryEventStore
from tests.unit.services.field_fakes import PLAN_VALUES, field_audits


@pytest.fixture
def opened() -> tuple[FieldAudits, MemoryEventStore, str]:
    audits, store = field_audits()
    return audits, store, audits.create_audit(PlanForm(**PLAN_VALUES))


@pytest.mark.req("FLD-102")
def test_the_clause_tree_and_the_processes_show_progress_and_the_overall_count(
    opened: tuple[FieldAudits, MemoryEventStore, str],
) -> None:
    audits, _, audit_id = opened
    audits.answer(audit_id, "P-01", "conforming")
    audits.answer(audit_id, "P-02", "nonconforming")

    model = audits.walkthrough(audit_id)

    assert model.progress_text == "2 of 4 items answered"
    labels = [g.label for g in model.groups(GroupBy.CLAUSE)]
    assert labels == [
        "7 Product realization (2/3)",
        "7.5 Production and service provision (2/3)",
        "7.5.1 Control of production and service provision (1/1)",
        "7.5.6 Validation of processes for production (1/1)",
        "7.5.8 Identification (0/1)",
        "8 Measurement, analysis and improvement (0/1)",
        "8.5.2 Corrective action (0/1)",
    ]
    processes = {g.key: (g.answered, g.total) for g in model.groups(GroupBy.PROCESS)}
    assert processes == {
        "Production and Service Controls": (2, 2),
        "Other": (0, 1),
        "Measurement Analysis and Improvement": (0, 1),
    }
    assert [r.item_id for r in model.select(by=GroupBy.CLAUSE, group="7.5")] == ["P-01", "P-02", "P-03"]
    assert [r.item_id for r in model.select(by=GroupBy.PROCESS, group="Other")] == ["P-03"]


@pytest.mark.req("FLD-102")
def test_search_and_filters_find_items_unanswered_and_with_findings(
    opened: tuple[FieldAudits, MemoryEventStore, str],
) -> None:
    audits, _, audit_id = opened
    audits.answer(audit_id, "P-02", "nonconforming")
    audits.raise_finding(
        audit_id,
        "P-02",
        grade="minor_nc",
        statement="Sealer revalidation overdue",
        requirement="7.5.6 revalidation",
        evidence_ids=(),
    )
    model = audits.walkthrough(audit_id)

    assert [r.item_id for r in model.select(query="SEALING validated")] == ["P-02"]
    assert [r.item_id for r in model.select(query="identification")] == ["P-03"]  # clause title matches
    assert [r.item_id for r in model.select(show=ItemFilter.UNANSWERED)] == ["P-01", "P-03", "C-01"]
    assert [r.item_id for r in model.select(show=ItemFilter.FINDINGS)] == ["P-02"]
    assert model.with_findings == 1
    assert model.select(query="no such words") == []


@pytest.mark.req("FLD-103")
def test_an_answer_changes_only_its_row_and_a_wrong_answer_is_refused(
    opened: tuple[FieldAudits, MemoryEventStore, str],
) -> None:
    audits, store, audit_id = opened
    row = audits.answer(audit_id, "P-03", "not_applicable")
    assert (row.item_id, row.answer) == ("P-03", "not_applicable")

    events = len(store.events(audit_id))
    with pytest.raises(ValidationError, match="not an answer"):
        audits.answer(audit_id, "P-03", "maybe")
    assert len(store.events(audit_id)) == events


@pytest.mark.req("FLD-103")
def test_notes_interviews_documents_and_photos_are_recorded_on_the_item(
    opened: tuple[FieldAudits, MemoryEventStore, str],
) -> None:
    audits, store, audit_id = opened
    audits.add_note(audit_id, "P-01", "Instruction WI-7 rev B at the machine")
    audits.add_interview(
        audit_id, "P-01", person="Pat", role="Operator", question="Which revision?", answer="Rev B"
    )
    audits.add_document(audit_id, "P-01", document_id="WI-7", revision="C", title="Moulding set-up")
    detail = audits.add_photo(audit_id, "P-01", b"\xff\xd8a real jpeg", "machine.jpg", "WI at machine")

    assert [n.text for n in detail.notes] == ["Instruction WI-7 rev B at the machine"]
    assert [(i.person, i.role, i.answer) for i in detail.interviews] == [("Pat", "Operator", "Rev B")]
    assert [(d.document_id, d.revision) for d in detail.documents] == [("WI-7", "C")]
    [photo] = detail.photos
    assert isinstance(photo, PhotoRef)
    assert photo.caption == "WI at machine"
    assert audits.thumbnail(photo.thumbnail_sha256) is not None
    assert store.photos.has(photo.sha256)
    assert audits.walkthrough(audit_id).row("P-01").evidence == 4  # type: ignore[union-attr]
    assert detail.item.guidance.startswith("Compare the revision")


@pytest.mark.req("FLD-103")
def test_a_file_that_is_not_a_photo_is_refused_by_name_and_nothing_is_stored(
    opened: tuple[FieldAudits, MemoryEventStore, str],
) -> None:
    audits, store, audit_id = opened
    audits.drafts.save(f"photo:{audit_id}:P-01", "caption", "Label area")
    events = len(store.events(audit_id))

    with pytest.raises(ValidationError) as refused:
        audits.add_photo(audit_id, "P-01", b"%PDF-1.7 not a photo", "report.pdf", "Label area")
    assert "report.pdf cannot be used" in str(refused.value)
    assert "JPEG, PNG or HEIC" in str(refused.value)
    with pytest.raises(ValidationError, match=r"empty\.jpg is empty"):
        audits.add_photo(audit_id, "P-01", b"", "empty.jpg")

    assert len(store.events(audit_id)) == events
    assert audits.drafts.get(f"photo:{audit_id}:P-01") == {"caption": "Label area"}


@pytest.mark.req("FLD-103")
def test_an_incomplete_interview_or_document_names_the_missing_field(
    opened: tuple[FieldAudits, MemoryEventStore, str],
) -> None:
    audits, _, audit_id = opened
    with pytest.raises(ValidationError, match="answer: enter what the person answered"):
        audits.add_interview(audit_id, "P-01", person="Pat", role="", question="Which revision?", answer=" ")
    with pytest.raises(ValidationError, match="revision: enter the revision"):
        audits.add_document(audit_id, "P-01", document_id="WI-7", revision="")
    with pytest.raises(ValidationError, match="note: write the note first"):
        audits.add_note(audit_id, "P-01", "  ")


@pytest.mark.req("FLD-106")
def test_a_half_typed_interview_survives_a_reload_and_goes_once_it_is_recorded(
    opened: tuple[FieldAudits, MemoryEventStore, str],
) -> None:
    audits, store, audit_id = opened
    key = f"interview:{audit_id}:P-01"
    audits.drafts.save(key, "person", "Pat")
    audits.drafts.save(key, "question", "Who trains new operators?")

    reloaded, _ = field_audits(store)
    assert reloaded.drafts.get(key) == {"person": "Pat", "question": "Who trains new operators?"}
    reloaded.add_interview(
        audit_id, "P-01", person="Pat", role="Lead", question="Who trains new operators?", answer="The lead"
    )
    assert reloaded.drafts.get(key) == {}


@pytest.mark.req("FLD-105")
def test_a_finding_raised_from_an_item_carries_its_clause_and_the_evidence_chosen(
    opened: tuple[FieldAudits, MemoryEventStore, str],
) -> None:
    audits, _, audit_id = opened
    audits.add_note(audit_id, "P-02", "No revalidation after the new sealer jaw")
    detail = audits.add_document(audit_id, "P-02", document_id="VAL-3", revision="A")
    at_hand = [e.evidence_id for e in detail.evidence]
    note = detail.notes[0].evidence_id
    assert detail.cited_by_default == {note}  # the procedure is cited only when the paper itself is faulty

    for grade in ("major_nc", "minor_nc", "observation", "ofi", "good_practice"):
        detail = audits.raise_finding(
            audit_id,
            "P-02",
            grade=grade,
            statement=f"{grade} statement",
            requirement="7.5.6",
            evidence_ids=at_hand,
        )

    assert [f.grade.value for f in sorted(detail.findings, key=lambda f: f.statement)] == [
        "good_practice",
        "major_nc",
        "minor_nc",
        "observation",
        "ofi",
    ]
    assert {f.clause for f in detail.findings} == {"7.5.6"}
    assert all(f.evidence_ids == tuple(at_hand) for f in detail.findings)


@pytest.mark.req("FLD-105")
def test_a_nonconformity_without_the_requirement_is_refused(
    opened: tuple[FieldAudits, MemoryEventStore, str],
) -> None:
    audits, _, audit_id = opened
    with pytest.raises(ValidationError, match="requirement"):
        audits.raise_finding(
            audit_id, "P-02", grade="major_nc", statement="Not validated", requirement="", evidence_ids=()
        )
    assert audits.item(audit_id, "P-02").findings == ()
