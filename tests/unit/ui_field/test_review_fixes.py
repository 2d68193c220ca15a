"""Field screens built without a page and driven through their handlers, as a tap or leaving a field does:
retyped interview text survives a reload, a plan keeps checklists this tablet does not hold, a ticked
document stays ticked, and the walkthrough shows the plan as edited."""

from __future__ import annotations

import datetime as dt

import flet as ft
import pytest

from auditapp.services.catalog import ChecklistInfo
from auditapp.services.field_audits import FieldAudits
from auditapp.services.outline import ChecklistChoice, ChecklistOutline, OutlineItem, OutlineSection
from auditapp.services.plan_form import PlanForm
from auditapp.services.queries import audit_state
from auditapp.store.memory import MemoryEventStore
from auditapp.ui.field.audit_flow import AuditScreens
from auditapp.ui.field.evidence_entry import InterviewEntry
from auditapp.ui.field.finding_entry import FindingEntry
from auditapp.ui.field.item_context import ItemContext
from auditapp.ui.field.plan_form import PlanScreen
from tests.support.controls import texts, walk
from tests.unit.services.field_fakes import (
    OUTLINES,
    PLAN_VALUES,
    FakeOutlines,
    FakeProcessor,
    field_audits,
)

JPEG = b"\xff\xd8 a gauge label"
# A checklist a teammate's tablet holds and this one does not.
STERILE = ChecklistOutline(
    checklist_id="acme-sterile-packaging",
    title="Sterile packaging",
    version="2",
    sections=(OutlineSection("7.5.7", "Sterilization"),),
    items=(OutlineItem("S-01", "7.5.7", "Are seal strengths tested per lot?", "", (), (), None),),
)


class TeammateOutlines(FakeOutlines):
    """The teammate's tablet: this tablet's two checklists and the sterile packaging one."""

    def get(self, checklist_id: str, content_hash: str | None = None) -> ChecklistInfo:
        if checklist_id != STERILE.checklist_id:
            return super().get(checklist_id, content_hash)
        return ChecklistInfo(STERILE.checklist_id, STERILE.version, "e" * 64, STERILE.title, ())

    def outline(self, checklist_id: str, content_hash: str | None = None) -> ChecklistOutline:
        return (
            STERILE if checklist_id == STERILE.checklist_id else super().outline(checklist_id, content_hash)
        )

    def available(self) -> list[ChecklistChoice]:
        return [*super().available(), ChecklistChoice(STERILE.checklist_id, STERILE.title, "2", 1)]


def _item(audits: FieldAudits, audit_id: str, item_id: str = "P-01") -> ItemContext:
    return ItemContext(audits, audit_id, item_id, lambda: None, lambda _: None, lambda: None)  # type: ignore[arg-type, return-value]


def _leave(box: ft.TextField, text: str) -> None:
    """Type into a field and leave it (what saves it)."""
    box.value = text
    assert box.on_blur is not None
    box.on_blur(None)  # type: ignore[arg-type, call-arg]


def _boxes(entry: FindingEntry) -> dict[str, bool]:
    return {str(c.label): bool(c.value) for c in walk(entry.control) if isinstance(c, ft.Checkbox)}


# ---------------------------------------------------------------------- FLD-106
@pytest.mark.req("FLD-106")
def test_an_interview_retyped_like_the_last_one_is_kept_for_a_reload() -> None:
    audits, _ = field_audits()
    ctx = _item(audits, audits.create_audit(PlanForm(**PLAN_VALUES)))
    entry = InterviewEntry(ctx)
    for question, answer in (("How are gauges recalled?", "Via the list"), ("Who checks it?", "QA weekly")):
        fields = entry._form.fields
        _leave(fields["person"], "Maria Lopez")  # the same person and role as the interview before
        _leave(fields["role"], "Production supervisor")
        _leave(fields["question"], question)
        _leave(fields["answer"], answer)
        if answer == "Via the list":
            entry._add(None)

    reloaded = InterviewEntry(ctx)

    assert reloaded._form.values() == {
        "person": "Maria Lopez",
        "role": "Production supervisor",
        "question": "Who checks it?",
        "answer": "QA weekly",
    }


@pytest.mark.req("FLD-106")
def test_a_field_changed_back_after_a_refused_submit_is_kept_as_changed_back() -> None:
    audits, _ = field_audits()
    ctx = _item(audits, audits.create_audit(PlanForm(**PLAN_VALUES)))
    entry = InterviewEntry(ctx)
    _leave(entry._form["person"], "Maria Lopez")
    entry._form["person"].value = "Mario Lopez"  # a slip, not yet left when "Add interview" is tapped
    entry._add(None)  # refused: no question or answer yet; the draft keeps "Mario Lopez"
    assert entry._form.error.visible or any(box.error for box in entry._form.fields.values())

    _leave(entry._form["person"], "Maria Lopez")

    assert InterviewEntry(ctx)._form.value("person") == "Maria Lopez"


# ---------------------------------------------------------------------- FLD-120
def _planned_on_a_teammates_tablet() -> tuple[FieldAudits, MemoryEventStore, str]:
    store = MemoryEventStore()
    teammate = FieldAudits(
        lambda: store, TeammateOutlines(), FakeProcessor(), today=lambda: dt.date(2026, 3, 2)
    )
    audit_id = teammate.create_audit(
        PlanForm(**{**PLAN_VALUES, "criteria": "iso13485-production, acme-sterile-packaging"})
    )
    audits, _ = field_audits(store)
    return audits, store, audit_id


def _criteria(store: MemoryEventStore, audit_id: str) -> list[tuple[str, str]]:
    """The stored plan's criteria: checklist and pinned version, in order."""
    plan = audit_state(store, audit_id).plan
    assert plan is not None
    return [(ref.checklist_id, ref.version) for ref in plan.criteria]


@pytest.mark.req("FLD-120")
def test_ticking_a_checklist_keeps_the_ones_this_tablet_does_not_hold() -> None:
    audits, store, audit_id = _planned_on_a_teammates_tablet()
    screen = PlanScreen(audits, audit_id, lambda _: None, lambda: None)

    screen._criteria["iso13485-capa"].value = True
    screen._criteria_changed(None)

    assert _criteria(store, audit_id) == [
        ("iso13485-production", "2026.1"),
        ("acme-sterile-packaging", "2"),  # its pinned version, in its place
        ("iso13485-capa", "2026.1"),
    ]
    assert not screen._criteria_error.visible


@pytest.mark.req("FLD-120")
def test_unticking_a_checklist_removes_only_that_one() -> None:
    audits, store, audit_id = _planned_on_a_teammates_tablet()
    screen = PlanScreen(audits, audit_id, lambda _: None, lambda: None)
    screen._criteria["iso13485-capa"].value = True
    screen._criteria_changed(None)

    screen._criteria["iso13485-production"].value = False
    screen._criteria_changed(None)

    assert _criteria(store, audit_id) == [("acme-sterile-packaging", "2"), ("iso13485-capa", "2026.1")]


@pytest.mark.req("FLD-120")
def test_a_checklist_not_on_this_tablet_is_shown_ticked_and_cannot_be_changed() -> None:
    audits, _, audit_id = _planned_on_a_teammates_tablet()

    screen = PlanScreen(audits, audit_id, lambda _: None, lambda: None)

    shown = [c for c in walk(screen.control) if isinstance(c, ft.Checkbox)]
    missing = [c for c in shown if "acme-sterile-packaging" in str(c.label)]
    assert [(c.label, c.value, c.disabled) for c in missing] == [
        ("acme-sterile-packaging (2): not on this device", True, True)
    ]
    assert {str(c.label).split(" (")[0]: c.value for c in shown if not c.disabled} == {
        OUTLINES["iso13485-production"].title: True,
        OUTLINES["iso13485-capa"].title: False,
    }


# ---------------------------------------------------------------------- FLD-105
@pytest.mark.req("FLD-105")
def test_a_ticked_document_stays_ticked_after_a_capture_and_a_reload() -> None:
    audits, _ = field_audits()
    audit_id = audits.create_audit(PlanForm(**PLAN_VALUES))
    ctx = _item(audits, audit_id)
    audits.add_document(audit_id, "P-01", document_id="SOP-012", revision="C", title="Calibration")
    detail = audits.add_note(audit_id, "P-01", "gauge 17 overdue")
    entry = FindingEntry(ctx, detail)
    entry.render(detail)
    assert _boxes(entry) == {"Document: SOP-012 rev C": False, "Note: gauge 17 overdue": True}

    for box in walk(entry.control):
        if isinstance(box, ft.Checkbox) and str(box.label).startswith("Document"):
            box.value = True
    entry._evidence_changed(None)
    detail = audits.add_photo(audit_id, "P-01", JPEG, "p.jpg", "gauge label")  # a capture re-renders
    entry.render(detail)

    ticked = {"Document: SOP-012 rev C": True, "Note: gauge 17 overdue": True, "Photo: gauge label": True}
    assert _boxes(entry) == ticked
    reopened = FindingEntry(ctx, detail)
    reopened.render(detail)
    assert _boxes(reopened) == ticked


@pytest.mark.req("FLD-105")
def test_an_unticked_note_stays_unticked_next_to_a_ticked_document() -> None:
    audits, _ = field_audits()
    audit_id = audits.create_audit(PlanForm(**PLAN_VALUES))
    ctx = _item(audits, audit_id)
    audits.add_document(audit_id, "P-01", document_id="SOP-012", revision="C", title="Calibration")
    detail = audits.add_note(audit_id, "P-01", "gauge 17 overdue")
    entry = FindingEntry(ctx, detail)
    entry.render(detail)
    for box in walk(entry.control):
        if isinstance(box, ft.Checkbox):
            box.value = not box.value  # the document ticked, the note unticked
    entry._evidence_changed(None)

    reopened = FindingEntry(ctx, detail)
    reopened.render(detail)

    assert _boxes(reopened) == {"Document: SOP-012 rev C": True, "Note: gauge 17 overdue": False}


# ---------------------------------------------------------------------- FLD-121
class _Page:
    def __init__(self) -> None:
        self.services: list[object] = []


@pytest.mark.req("FLD-121")
def test_the_walkthrough_shows_the_title_and_site_as_edited_on_the_plan() -> None:
    audits, _ = field_audits()
    audit_id = audits.create_audit(PlanForm(**PLAN_VALUES))
    screens = AuditScreens(_Page(), audits, lambda _: None)  # type: ignore[arg-type]
    before = screens.build("walkthrough", {"audit_id": audit_id})
    assert texts(before)[:2] == ["Production walkthrough", "Plant 1"]

    audits.save_plan_field(audit_id, "title", "Internal audit: sterile packaging line")
    audits.save_plan_field(audit_id, "site", "Plant 2, cleanroom B")
    after = screens.build("walkthrough", {"audit_id": audit_id})  # "Back" from the plan screen

    assert after is before  # the same walkthrough, with its search and filter as they were
    assert texts(after)[:2] == ["Internal audit: sterile packaging line", "Plant 2, cleanroom B"]


@pytest.mark.req("FLD-121")
def test_the_walkthrough_leaves_a_clause_whose_checklist_was_taken_out_of_the_plan() -> None:
    audits, _ = field_audits()
    audit_id = audits.create_audit(
        PlanForm(**{**PLAN_VALUES, "criteria": "iso13485-capa, iso13485-production"})
    )
    screens = AuditScreens(_Page(), audits, lambda _: None)  # type: ignore[arg-type]
    walkthrough = screens.build("walkthrough", {"audit_id": audit_id})
    assert "Are corrective actions verified for effectiveness?" in texts(walkthrough)

    audits.save_plan_field(audit_id, "criteria", "iso13485-production")
    shown = texts(screens.build("walkthrough", {"audit_id": audit_id}))

    assert "Are work instructions at the moulding machine current?" in shown
    assert "No items match: change the search or the filter." not in shown
