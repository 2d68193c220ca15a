"""Audit plan form: a new audit's ISO 19011 plan, or an existing plan and its meeting notes."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import flet as ft

from auditapp.domain.errors import AuditAppError, ValidationError
from auditapp.services.field_audits import NEW_PLAN, FieldAudits
from auditapp.services.field_views import CompetingValue
from auditapp.services.plan_form import AUDIT_TYPES, PlanForm, PlanFormError
from auditapp.ui.field.draft_form import DraftForm, Field
from auditapp.ui.field.screen_parts import back_button
from auditapp.ui.field.theme import TOUCH, autosave, error_text, form, named, show_error, text_field

TEXT_FIELDS = (
    Field("title", "Audit title", "e.g. Internal audit: production"),
    Field("organisation", "Organisation"),
    Field("site", "Site", "e.g. Plant 1, cleanroom"),
    Field("objectives", "Objectives", lines=2),
    Field("scope", "Scope", lines=2),
    Field("start_date", "Start date", "YYYY-MM-DD"),
    Field("end_date", "End date", "YYYY-MM-DD"),
    Field("lead_auditor", "Lead auditor"),
    Field("team", "Audit team", "one name per line", lines=2),
    Field("auditees", "Auditees", "one per line: name, role", lines=2),
)


class PlanScreen:
    """The plan form: `audit_id` None plans a new audit, otherwise edits that audit's plan field by field."""

    def __init__(
        self,
        audits: FieldAudits,
        audit_id: str | None,
        on_created: Callable[[str], None],
        on_back: Callable[[], None],
    ):
        self._audits = audits
        self._audit_id = audit_id
        self._on_created = on_created
        self._type_error = error_text()
        self._criteria_error = error_text()
        plan = audits.plan_form(audit_id) if audit_id else audits.new_plan_form()
        self._type = ft.RadioGroup(
            value=plan.audit_type,
            content=ft.Row([ft.Radio(value=v, label=label) for v, label in AUDIT_TYPES], wrap=True),
            on_change=self._type_changed,
        )
        chosen = set(plan.checklist_ids)
        self._criteria = {
            c.checklist_id: ft.Checkbox(
                label=f"{c.title} ({c.version}, {c.items} items)",
                value=c.checklist_id in chosen,
                on_change=self._criteria_changed,
            )
            for c in audits.checklist_choices()
        }
        # Criteria of a plan made on another device with checklists this one does not hold: shown, kept
        # as they are (the service never drops them), and not changeable here.
        self._not_held = [
            ft.Checkbox(label=f"{checklist_id} ({version}): not on this device", value=True, disabled=True)
            for checklist_id, version in plan.not_held(self._criteria)
        ]
        # Under the audit type and the checklists of an existing audit: values edited on two tablets.
        self._choice_conflicts = (
            {
                "audit_type": PlanConflict(
                    audits, audit_id, "audit_type", lambda: self._type.value or "", self._type_error
                ),
                "criteria": PlanConflict(
                    audits, audit_id, "criteria", lambda: self._chosen_criteria(), self._criteria_error
                ),
            }
            if audit_id
            else {}
        )
        self._fields = self._new_fields(plan) if audit_id is None else self._edit_fields(plan)
        back = back_button("Back", on_back)
        heading = "New audit" if audit_id is None else "Audit plan and meetings"
        controls: list[ft.Control] = [
            ft.Row([back, ft.Text(heading, size=28, weight=ft.FontWeight.BOLD)]),
            *self._field_controls("title", "organisation", "site"),
            ft.Text("Audit type", size=16, weight=ft.FontWeight.BOLD),
            self._type,
            *(c.control for n, c in self._choice_conflicts.items() if n == "audit_type"),
            self._type_error,
            *self._field_controls("objectives", "scope"),
            ft.Text("Audit criteria (checklists)", size=16, weight=ft.FontWeight.BOLD),
            *self._criteria.values(),
            *self._not_held,
            *(c.control for n, c in self._choice_conflicts.items() if n == "criteria"),
            self._criteria_error,
            *self._field_controls("start_date", "end_date", "lead_auditor", "team", "auditees"),
        ]
        if audit_id is None:
            assert isinstance(self._fields, DraftForm)
            controls += [
                self._fields.error,
                named("create-audit", ft.FilledButton("Create audit", on_click=self._create, height=TOUCH)),
            ]
        else:
            controls += self._meeting_controls(audit_id)
        self.control = form(controls)

    # ------------------------------------------------------------------ new audit
    def _new_fields(self, plan: PlanForm) -> DraftForm:
        fields = DraftForm(lambda: self._audits.drafts, NEW_PLAN, TEXT_FIELDS)
        for name in ("start_date", "end_date"):
            fields[name].value = fields[name].value or getattr(plan, name)
        return fields

    def _values(self) -> dict[str, str]:
        assert isinstance(self._fields, DraftForm)
        chosen = ", ".join(cid for cid, box in self._criteria.items() if box.value)
        return {**self._fields.values(), "audit_type": self._type.value or "", "criteria": chosen}

    def _create(self, _: object) -> None:
        assert isinstance(self._fields, DraftForm)
        values = self._values()
        self._fields.keep({"audit_type": values["audit_type"], "criteria": values["criteria"]})
        try:
            audit_id = self._audits.create_audit(PlanForm(**values))
        except PlanFormError as exc:
            self._show_errors(exc.errors, str(exc))
            return
        except AuditAppError as exc:
            show_error(self._fields.error, exc.for_screen)
            return
        self._on_created(audit_id)

    def _show_errors(self, errors: dict[str, str], summary: str) -> None:
        assert isinstance(self._fields, DraftForm)
        self._fields.clear_errors()
        for name, message in errors.items():
            if name in self._fields.fields:
                self._fields[name].error = message[:1].upper() + message[1:]
        show_error(self._type_error, errors.get("audit_type"))
        show_error(self._criteria_error, errors.get("criteria"))
        show_error(self._fields.error, summary[:1].upper() + summary[1:])

    # ------------------------------------------------------------------ existing audit
    def _edit_fields(self, plan: PlanForm) -> dict[str, ft.Control]:
        assert self._audit_id is not None
        audit_id = self._audit_id
        out: dict[str, ft.Control] = {}
        conflicts = self._audits.plan_conflicts(audit_id)
        for choice in self._choice_conflicts.values():
            choice.refresh()
        for spec in TEXT_FIELDS:
            box = text_field(spec.label, getattr(plan, spec.name), hint=spec.hint)
            if spec.lines > 1:
                box.multiline, box.min_lines = True, spec.lines
            line = error_text()

            def current(box: ft.TextField = box) -> str:
                return box.value or ""

            conflict = PlanConflict(self._audits, audit_id, spec.name, current, line)
            conflict.show(conflicts.get(spec.name, ()))

            def save(value: str, name: str = spec.name, conflict: PlanConflict = conflict) -> None:
                try:
                    self._audits.save_plan_field(audit_id, name, value)
                except PlanFormError as exc:
                    # The field's own problem, not the form's summary ("the audit plan is not complete").
                    raise ValidationError(exc.errors.get(name) or str(exc)) from exc
                conflict.refresh()

            # Stretched like the New audit form's fields: the whole width of the form, values not cut.
            out[spec.name] = ft.Column(
                [autosave(box, save, line), conflict.control, line],
                spacing=4,
                horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
            )
        return out

    def _meeting_controls(self, audit_id: str) -> list[ft.Control]:
        notes = self._audits.meeting_notes(audit_id)
        out: list[ft.Control] = [ft.Text("Meetings", size=22, weight=ft.FontWeight.BOLD)]
        for meeting, label in (("opening", "Opening meeting notes"), ("closing", "Closing meeting notes")):
            box = text_field(label, notes[meeting], hint="attendance, scope confirmed, findings presented")
            box.multiline, box.min_lines = True, 3
            line = error_text()

            def save(value: str, which: str = meeting) -> None:
                self._audits.save_meeting_note(audit_id, which, value)

            out += [autosave(box, save, line), line]
        return out

    def _type_changed(self, _: object) -> None:
        self._save_choice("audit_type", self._type.value or "")

    def _chosen_criteria(self) -> str:
        return ", ".join(cid for cid, box in self._criteria.items() if box.value)

    def _criteria_changed(self, _: object) -> None:
        self._save_choice("criteria", self._chosen_criteria())

    def _save_choice(self, name: str, value: str) -> None:
        """A radio or checkbox saves at once: into the draft, or into the plan of an existing audit."""
        line = self._type_error if name == "audit_type" else self._criteria_error
        try:
            if self._audit_id is None:
                self._audits.drafts.save(NEW_PLAN, name, value)
            else:
                self._audits.save_plan_field(self._audit_id, name, value)
        except AuditAppError as exc:
            message = exc.errors.get(name, str(exc)) if isinstance(exc, PlanFormError) else str(exc)
            show_error(line, message)
            return
        show_error(line, None)
        if name in self._choice_conflicts:
            self._choice_conflicts[name].refresh()

    def _field_controls(self, *names: str) -> list[ft.Control]:
        if isinstance(self._fields, DraftForm):
            return self._fields.controls(*names)
        return [self._fields[n] for n in names]


def conflict_text(values: Sequence[CompetingValue]) -> str | None:
    """A field edited differently on two tablets: each value and tablet, and how to settle it."""
    if not values:
        return None
    given = "; ".join(f"\u201c{v.value}\u201d on {v.tablet}" for v in values)
    return f"Edited differently on two tablets: {given}. Save the right value to settle it."


class PlanConflict:
    """Under a plan field edited differently on two tablets: both values, and a button that keeps the value
    in the field (saving it settles the conflict on every tablet once synced)."""

    def __init__(
        self, audits: FieldAudits, audit_id: str, name: str, current: Callable[[], str], line: ft.Text
    ):
        self._audits, self._audit_id, self._name, self._current, self._line = (
            audits,
            audit_id,
            name,
            current,
            line,
        )
        self._text = error_text()
        keep = (
            "Keep the value in the field"
            if name not in ("audit_type", "criteria")
            else "Keep the choice above"
        )
        self._keep = ft.TextButton(keep, on_click=self._settle, height=TOUCH)
        self._column = ft.Column([self._text, self._keep], spacing=2, visible=False)
        self.control = named(f"plan-conflict-{name}", self._column)  # wrapped while hidden: it comes and goes

    def show(self, values: Sequence[CompetingValue]) -> None:
        """Show the values in conflict, or nothing when there is none."""
        show_error(self._text, conflict_text(values))
        self._column.visible = bool(values)

    def refresh(self) -> None:
        """Read the field's conflict again (after a save)."""
        self.show(self._audits.plan_conflicts(self._audit_id).get(self._name, ()))

    def _settle(self, _: object) -> None:
        try:
            self._audits.save_plan_field(self._audit_id, self._name, self._current())
        except PlanFormError as exc:
            show_error(self._line, exc.errors.get(self._name) or str(exc))
            return
        except AuditAppError as exc:
            show_error(self._line, exc.for_screen)
            return
        show_error(self._line, None)
        self.refresh()
