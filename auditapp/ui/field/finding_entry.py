"""Raise a finding from an item: the clause and the evidence at hand filled in, the grade chosen."""

from __future__ import annotations

import flet as ft

from auditapp.services.item_detail import ItemDetail, evidence_label
from auditapp.services.labels import GRADE_LABEL, label
from auditapp.ui.field.choices import choices
from auditapp.ui.field.draft_form import DraftForm, Field, run_action
from auditapp.ui.field.item_context import ItemContext
from auditapp.ui.field.screen_parts import lines, section
from auditapp.ui.field.theme import TOUCH, error_text, named, show_error

GRADES = tuple(GRADE_LABEL.items())


class FindingEntry:
    """The item's findings and the form that raises a new one."""

    def __init__(self, ctx: ItemContext, detail: ItemDetail):
        self._ctx = ctx
        key = ctx.key("finding")
        self._form = DraftForm(
            lambda: ctx.audits.drafts,
            key,
            [
                Field("statement", "Finding statement", "what was found, where, in which records", lines=3),
                Field("requirement", "Requirement", "the requirement, quoted or referenced"),
            ],
        )
        saved = ctx.audits.drafts.get(key)
        if not self._form.value("requirement"):
            item = detail.item
            self._form["requirement"].value = f"{item.clause} {detail.clause_title}".strip()
        self._grade = choices(GRADES, saved.get("grade"), self._grade_changed)
        self._grade_error = error_text()
        self._excluded = {e for e in saved.get("excluded", "").split(",") if e}
        self._included = {e for e in saved.get("included", "").split(",") if e}
        self._evidence = ft.Column(spacing=0)
        self._list = ft.Column(spacing=6)
        self._clause = ft.Text(size=16)
        raise_button = named(
            "raise-finding", ft.FilledButton("Raise finding", on_click=self._raise, height=TOUCH)
        )
        self.control = section(
            "Findings",
            self._list,
            ft.Text("Raise a finding", size=16, weight=ft.FontWeight.BOLD),
            self._clause,
            ft.Text("Grade", size=16),
            self._grade,
            self._grade_error,
            *self._form.controls(),
            ft.Text("Objective evidence", size=16),
            self._evidence,
            self._form.error,
            raise_button,
        )

    def render(self, detail: ItemDetail) -> None:
        """Show the item's findings and the evidence that a new finding would cite."""
        self._list.controls = lines(
            [f"{label(GRADE_LABEL, f.grade.value)} · {f.clause}: {f.statement}" for f in detail.findings],
            "No findings on this item.",
        )
        self._clause.value = f"Clause {detail.item.clause} {detail.clause_title} (from this item)"
        self._evidence.controls = [
            ft.Checkbox(
                label=evidence_label(e),
                value=self._cited(e.evidence_id, detail),
                data=e.evidence_id,
                on_change=self._evidence_changed,
            )
            for e in detail.evidence
        ] or lines([], "No evidence on this item yet: it can be added and linked later.")

    def _cited(self, evidence_id: str, detail: ItemDetail) -> bool:
        """The service's default, or the auditor's own tick."""
        if evidence_id in detail.cited_by_default:
            return evidence_id not in self._excluded
        return evidence_id in self._included

    def _chosen(self) -> list[str]:
        return [c.data for c in self._evidence.controls if isinstance(c, ft.Checkbox) and c.value]

    def _grade_changed(self, _: object) -> None:
        self._ctx.audits.drafts.save(self._ctx.key("finding"), "grade", self._grade.value or "")
        show_error(self._grade_error, None)

    def _evidence_changed(self, _: object) -> None:
        # Both sets are kept: a default-cited capture unticked stays out, and a document (not cited by
        # default, ADR 0086) ticked stays in, after a re-render and after a reload (FLD-105).
        boxes = [c for c in self._evidence.controls if isinstance(c, ft.Checkbox)]
        self._included = {c.data for c in boxes if c.value}
        self._excluded = {c.data for c in boxes if not c.value}
        self._ctx.audits.drafts.save_all(
            self._ctx.key("finding"),
            {"included": ",".join(sorted(self._included)), "excluded": ",".join(sorted(self._excluded))},
        )

    def _raise(self, _: object) -> None:
        ctx = self._ctx
        if not self._grade.value:
            show_error(self._grade_error, "Choose the grade of the finding")
            return
        v = self._form.values()
        box: list[ItemDetail] = []

        def raise_it() -> None:
            box.append(
                ctx.audits.raise_finding(
                    ctx.audit_id,
                    ctx.item_id,
                    grade=self._grade.value or "",
                    statement=v["statement"],
                    requirement=v["requirement"],
                    evidence_ids=self._chosen(),
                )
            )

        if run_action(self._form, raise_it):
            self._grade.value = None
            self._excluded, self._included = set(), set()
            detail = box[0]
            self._form["requirement"].value = f"{detail.item.clause} {detail.clause_title}".strip()
            ctx.changed(detail)
