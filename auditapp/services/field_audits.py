"""The audit screens' use cases over one unlocked workspace: plan, walk through, capture, follow up.

Each method is what one handler of the field app calls: it takes the values read from the widgets,
does one use case, and returns plain values for the screen to render. Errors the auditor can cause
are AuditAppErrors whose message says what to do; nothing is stored when one is raised, and the draft
of the form stays, so nothing typed is lost.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from auditapp.domain.errors import AuditAppError, NotFoundError
from auditapp.domain.state import AuditState
from auditapp.services import capture, followup, planning
from auditapp.services.context import CaptureContext, capture_context
from auditapp.services.evidence_forms import check_document, check_interview, check_note
from auditapp.services.field_views import AuditSummary, CompetingValue
from auditapp.services.finding_capture import raise_finding
from auditapp.services.followup import FollowUp, follow_up_for, related
from auditapp.services.form_drafts import FormDrafts, form_key
from auditapp.services.item_detail import ItemDetail, evidence_label, item_detail
from auditapp.services.navigation import ItemRow, WalkthroughModel, build_walkthrough
from auditapp.services.outline import ChecklistChoice, ChecklistOutline, ChecklistOutlines
from auditapp.services.paper_practice import ClausePaperPractice, paper_vs_practice
from auditapp.services.photo_intake import PhotoProcessor, attach_photo_file
from auditapp.services.plan_form import PlanForm, create_audit, edit_plan_field, plan_conflicts
from auditapp.services.ports import EventStore, PhotoStore, Settings
from auditapp.services.queries import list_audits
from auditapp.services.sample_capture import draw_sample_from_form, record_sampled_record

NEW_PLAN = form_key("plan", "new")


PHOTO_DAMAGED = "Photo damaged: its file on this device fails its check and cannot be shown"


@dataclass(frozen=True)
class PhotoThumbnail:
    """A photo's thumbnail as the item screen shows it: its bytes, or None and why for the placeholder.

    `problem` is empty for a photo this device does not hold (taken on a teammate's tablet) and names the
    damage for one whose file fails its check, so one bad file never stops the item from showing.
    """

    data: bytes | None
    problem: str = ""


class AuditStore(EventStore, Settings, Protocol):
    """What the audit screens need of the workspace store (its `photos` attribute is the photo store)."""


class FieldAudits:
    """Use cases of the audit list, plan form, walkthrough, item, paper vs practice and follow-up screens."""

    def __init__(
        self,
        store: Callable[[], AuditStore],
        outlines: ChecklistOutlines,
        process_photo: PhotoProcessor,
        today: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self._store = store
        self._outlines = outlines
        self._process = process_photo
        self._today = today
        self._lock = threading.RLock()
        self._ctx: tuple[object, CaptureContext] | None = None

    # ------------------------------------------------------------------ wiring
    def _context(self) -> CaptureContext:
        store = self._store()
        with self._lock:
            if self._ctx is None or self._ctx[0] is not store:
                photos: PhotoStore = getattr(store, "photos")  # noqa: B009 - part of the store's contract
                self._ctx = (store, capture_context(store, store, self._outlines, photos))
            return self._ctx[1]

    def _state(self, audit_id: str) -> AuditState:
        return self._context().state(audit_id)

    def _outlines_of(self, state: AuditState) -> list[ChecklistOutline]:
        assert state.plan is not None
        out: list[ChecklistOutline] = []
        for ref in state.plan.criteria:
            try:
                out.append(self._outlines.outline(ref.checklist_id, ref.content_hash))
            except NotFoundError:
                continue  # a checklist missing on this device contributes no items
        return out

    def _known(self) -> set[str]:
        return {c.checklist_id for c in self._outlines.available()}

    @property
    def drafts(self) -> FormDrafts:
        """Unsubmitted form values of this workspace."""
        return FormDrafts(self._store())

    # ------------------------------------------------------------------ audits and plans
    def audits(self) -> list[AuditSummary]:
        """Every audit on the device with its progress."""
        return list_audits(self._store(), self._outlines)

    def checklist_choices(self) -> list[ChecklistChoice]:
        """The checklists an audit can be planned against."""
        return self._outlines.available()

    def new_plan_form(self) -> PlanForm:
        """The plan form as last typed (a reload brings back everything typed)."""
        return PlanForm.from_values(self.drafts.get(NEW_PLAN), self._today())

    def create_audit(self, form: PlanForm) -> str:
        """Plan the audit; PlanFormError names every field to fix and the draft stays."""
        with self._lock:
            audit_id = create_audit(self._context(), form, self._known(), self._today())
        self.drafts.clear(NEW_PLAN)
        return audit_id

    def plan_form(self, audit_id: str) -> PlanForm:
        """The plan of an audit, as the form shows it."""
        state = self._state(audit_id)
        assert state.plan is not None
        return PlanForm.of_plan(state.plan)

    def plan_conflicts(self, audit_id: str) -> dict[str, tuple[CompetingValue, ...]]:
        """Plan fields edited differently on two tablets, with each value and tablet (saving settles it)."""
        return plan_conflicts(self._state(audit_id))

    def save_plan_field(self, audit_id: str, name: str, text: str) -> PlanForm:
        """Autosave one field of an existing plan."""
        with self._lock:
            state = edit_plan_field(self._context(), audit_id, name, text, self._known(), self._today())
        assert state.plan is not None
        return PlanForm.of_plan(state.plan)

    def meeting_notes(self, audit_id: str) -> dict[str, str]:
        """Opening and closing meeting notes."""
        meetings = self._state(audit_id).meetings
        return {name: meetings.get(name, "") for name in ("opening", "closing")}

    def save_meeting_note(self, audit_id: str, meeting: str, text: str) -> None:
        """Autosave the notes of the opening or closing meeting (nothing recorded when unchanged)."""
        with self._lock:
            if self.meeting_notes(audit_id).get(meeting, "") != text:
                planning.record_meeting_note(self._context(), audit_id, meeting, text)

    # ------------------------------------------------------------------ walkthrough
    def walkthrough(self, audit_id: str) -> WalkthroughModel:
        """The opened audit: item rows, clause tree and processes with progress, follow-up marked."""
        state = self._state(audit_id)
        outlines = self._outlines_of(state)
        work = follow_up_for(self._store(), state)
        marked = work.item_ids((i.item_id, i.clause) for o in outlines for i in o.items) if work.count else ()
        return build_walkthrough(state, outlines, marked)

    def answer(self, audit_id: str, item_id: str, answer: str) -> ItemRow:
        """Record an answer; the item's row as it now stands."""
        with self._lock:
            capture.record_response(self._context(), audit_id, item_id, None, answer)
        row = self.walkthrough(audit_id).row(item_id)
        assert row is not None
        return row

    def item(self, audit_id: str, item_id: str) -> ItemDetail:
        """One item with its evidence, findings and follow-up work."""
        state = self._state(audit_id)
        return item_detail(state, self._outlines_of(state), item_id, follow_up_for(self._store(), state))

    def _captured(
        self, audit_id: str, item_id: str, form: str, action: Callable[[CaptureContext], Any]
    ) -> ItemDetail:
        with self._lock:
            action(self._context())
        self.drafts.clear(form_key(form, audit_id, item_id))
        return self.item(audit_id, item_id)

    def add_note(self, audit_id: str, item_id: str, text: str) -> ItemDetail:
        """Write a note on the item."""
        check_note(text)
        return self._captured(
            audit_id,
            item_id,
            "note",
            lambda ctx: capture.add_note(ctx, audit_id, text.strip(), item_id=item_id),
        )

    def add_interview(
        self, audit_id: str, item_id: str, *, person: str, role: str, question: str, answer: str
    ) -> ItemDetail:
        """Record an interview on the item."""
        check_interview(person, question, answer)
        return self._captured(
            audit_id,
            item_id,
            "interview",
            lambda ctx: capture.record_interview(
                ctx,
                audit_id,
                person=person.strip(),
                role=role.strip(),
                question=question.strip(),
                answer=answer.strip(),
                item_id=item_id,
            ),
        )

    def add_photo(
        self, audit_id: str, item_id: str, data: bytes, file_name: str, caption: str = ""
    ) -> ItemDetail:
        """Attach a photo file to the item (processed first; a bad file is refused by name)."""
        return self._captured(
            audit_id,
            item_id,
            "photo",
            lambda ctx: attach_photo_file(
                ctx,
                self._process,
                audit_id,
                data=data,
                file_name=file_name,
                caption=caption.strip(),
                item_id=item_id,
            ),
        )

    def thumbnail(self, sha256: str) -> bytes | None:
        """A photo's thumbnail bytes, if this device holds them whole."""
        return self.photo_thumbnail(sha256).data

    def photo_thumbnail(self, sha256: str) -> PhotoThumbnail:
        """A photo's thumbnail, or why there is none: absent from the device, or its file is damaged."""
        photos: PhotoStore = getattr(self._store(), "photos")  # noqa: B009
        try:
            return PhotoThumbnail(photos.get(sha256))
        except NotFoundError:
            return PhotoThumbnail(None)
        except AuditAppError:
            # The store's integrity check failed (StoreCorruptError): the rest of the item still shows.
            return PhotoThumbnail(None, PHOTO_DAMAGED)

    def add_document(
        self, audit_id: str, item_id: str, *, document_id: str, revision: str, title: str = ""
    ) -> ItemDetail:
        """Record a document reviewed (the procedure on paper) on the item."""
        check_document(document_id, revision)
        return self._captured(
            audit_id,
            item_id,
            "document",
            lambda ctx: capture.review_document(
                ctx,
                audit_id,
                document_id=document_id.strip(),
                revision=revision.strip(),
                title=title.strip(),
                item_id=item_id,
            ),
        )

    def draw_sample(self, audit_id: str, item_id: str, form: dict[str, str]) -> ItemDetail:
        """Draw a sample on the item from the sample form."""
        return self._captured(
            audit_id, item_id, "sample", lambda ctx: draw_sample_from_form(ctx, audit_id, item_id, form)
        )

    def record_sampled(
        self,
        audit_id: str,
        item_id: str,
        sample_id: str,
        *,
        identifier: str,
        record_type: str,
        conforms: bool,
        comment: str = "",
    ) -> ItemDetail:
        """Record the result of one sampled record."""
        with self._lock:
            record_sampled_record(
                self._context(),
                audit_id,
                sample_id,
                identifier=identifier,
                record_type=record_type.strip() or "record",
                conforms=conforms,
                comment=comment.strip(),
            )
        self.drafts.clear(form_key("record", audit_id, sample_id, identifier))
        return self.item(audit_id, item_id)

    def raise_finding(
        self,
        audit_id: str,
        item_id: str,
        *,
        grade: str,
        statement: str,
        requirement: str,
        evidence_ids: Sequence[str],
    ) -> ItemDetail:
        """Raise a finding on the item with the evidence chosen."""
        return self._captured(
            audit_id,
            item_id,
            "finding",
            lambda ctx: raise_finding(
                ctx,
                audit_id,
                grade=grade,
                statement=statement.strip(),
                requirement=requirement.strip(),
                item_id=item_id,
                evidence_ids=evidence_ids,
            ),
        )

    # ------------------------------------------------------------------ paper vs practice, follow-up
    def paper_practice(self, audit_id: str) -> list[ClausePaperPractice]:
        """Per clause: documents reviewed next to practice evidence, with the gap mark."""
        state = self._state(audit_id)
        return paper_vs_practice(state, self._outlines_of(state))

    def follow_up(self, audit_id: str) -> FollowUp:
        """Re-verification tasks, prior findings and open CAPAs for this audit's site."""
        return follow_up_for(self._store(), self._state(audit_id))

    def evidence_near(self, audit_id: str, clause: str) -> list[tuple[str, str]]:
        """(evidence id, label) of the evidence on items of a clause, its parents or sub-clauses."""
        state = self._state(audit_id)
        return [
            (e.evidence_id, evidence_label(e))
            for e in state.evidence
            if e.target.clause is not None and related(e.target.clause, clause)
        ]

    def items_of_clause(self, audit_id: str, clause: str) -> list[str]:
        """Ids of the audit's items that sit at a clause, its parents or sub-clauses."""
        return [r.item_id for r in self.walkthrough(audit_id).rows if related(r.clause, clause)]

    def record_effectiveness(
        self, audit_id: str, task_id: str, result: str, comment: str = "", evidence_ids: Sequence[str] = ()
    ) -> FollowUp:
        """Record a task's result as EffectivenessRecorded on this audit."""
        with self._lock:
            followup.record_effectiveness(
                self._context(), self._store(), audit_id, task_id, result, comment, evidence_ids
            )
        self.drafts.clear(form_key("effectiveness", audit_id, task_id))
        return self.follow_up(audit_id)
