"""Item screen: one checklist item with its answer, guidance on demand, follow-up work and its evidence."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import flet as ft

from auditapp.domain.errors import AuditAppError
from auditapp.services.item_detail import ItemDetail
from auditapp.services.labels import GRADE_LABEL, STAGE_LABEL, finding_state, label
from auditapp.ui.field.evidence_entry import DocumentEntry, InterviewEntry, NotesEntry, PhotoEntry
from auditapp.ui.field.finding_entry import FindingEntry
from auditapp.ui.field.item_context import ItemContext
from auditapp.ui.field.sample_entry import SampleEntry
from auditapp.ui.field.screen_parts import back_button
from auditapp.ui.field.theme import ANSWER_COLOUR, ANSWER_LABEL, ANSWERS, TOUCH, error_text, named, show_error


class Section(Protocol):
    """A block of the item screen that redraws itself from the item's detail."""

    control: ft.Control

    def render(self, detail: ItemDetail) -> None:
        """Redraw from the item's current state."""


class ItemScreen:
    """Everything about one item; each section redraws its list after a capture, forms keep their drafts."""

    def __init__(self, ctx: ItemContext, on_back: Callable[[], None]):
        self._ctx = ctx
        detail = ctx.audits.item(ctx.audit_id, ctx.item_id)
        ctx.changed = self._changed
        self._answer = ft.Text(size=18, weight=ft.FontWeight.BOLD)
        self._conflict = ft.Text(size=16, color=ft.Colors.ERROR, visible=False)
        self._buttons = ft.Row(wrap=True, spacing=8, run_spacing=8)
        self._error = error_text()
        self._guidance = ft.Column(visible=False, spacing=6)
        self._follow = ft.Column(spacing=8)
        self._sections: list[Section] = [
            NotesEntry(ctx),
            InterviewEntry(ctx),
            PhotoEntry(ctx),
            DocumentEntry(ctx),
            SampleEntry(ctx),
            FindingEntry(ctx, detail),
        ]
        item = detail.item
        back = back_button("Back to the walkthrough", on_back)
        guidance_button = ft.TextButton(
            "Show guidance", icon=ft.Icons.HELP_OUTLINE, on_click=self._toggle, height=TOUCH
        )
        self._guidance_button = guidance_button
        self._guidance.controls = self._guidance_lines(detail)
        self.control = ft.Column(
            [
                ft.Row(
                    [
                        back,
                        ft.Text(
                            f"{item.clause} {detail.clause_title}",
                            size=18,
                            color=ft.Colors.PRIMARY,
                            expand=True,
                        ),
                    ]
                ),
                ft.Text(item.text, size=22, weight=ft.FontWeight.BOLD),
                ft.Text(f"Process: {detail.process} · item {item.item_id}", size=14),
                named("item-answer", self._answer),
                named("item-conflict", self._conflict),
                self._buttons,
                self._error,
                guidance_button,
                self._guidance,
                self._follow,
                *(s.control for s in self._sections),
            ],
            spacing=16,
            scroll=ft.ScrollMode.AUTO,
            expand=True,
            horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
        )
        self._changed(detail)

    def _changed(self, detail: ItemDetail) -> None:
        """Redraw what depends on the item's state (after an answer or a capture)."""
        if detail.answer:
            self._answer.value = f"Answer: {ANSWER_LABEL[detail.answer]}"
            self._answer.color = ANSWER_COLOUR[detail.answer]
        else:
            self._answer.value, self._answer.color = "Not answered yet", None
        self._conflict.visible = bool(detail.answer_conflict)
        self._conflict.value = conflict_text(detail)
        self._buttons.controls = [
            (ft.FilledButton if detail.answer == value else ft.OutlinedButton)(
                label, on_click=self._answer_with(value), height=TOUCH
            )
            for value, label, _ in ANSWERS
        ]
        self._follow.controls = self._follow_up(detail)
        for s in self._sections:
            s.render(detail)

    def _answer_with(self, value: str) -> Callable[[object], None]:
        def choose(_: object) -> None:
            ctx = self._ctx
            try:
                ctx.audits.answer(ctx.audit_id, ctx.item_id, value)
            except AuditAppError as exc:
                show_error(self._error, exc.for_screen)
                return
            show_error(self._error, None)
            self._changed(ctx.audits.item(ctx.audit_id, ctx.item_id))

        return choose

    def _toggle(self, _: object) -> None:
        self._guidance.visible = not self._guidance.visible
        self._guidance_button.content = "Hide guidance" if self._guidance.visible else "Show guidance"

    @staticmethod
    def _guidance_lines(detail: ItemDetail) -> list[ft.Control]:
        item = detail.item
        out: list[ft.Control] = [ft.Text(item.guidance or "No guidance for this item.", size=16)]
        if item.evidence:
            out.append(ft.Text("Evidence to look for: " + ", ".join(item.evidence), size=15, italic=True))
        if item.records:
            out.append(ft.Text("Records worth sampling: " + ", ".join(item.records), size=15, italic=True))
        return out

    def _follow_up(self, detail: ItemDetail) -> list[ft.Control]:
        work = detail.follow_up
        if not work.count:
            return []
        rows: list[ft.Control] = []
        for task in work.tasks:
            state = f"recorded: {task.result.replace('_', ' ')}" if task.result else "to re-verify"
            rows.append(
                ft.Text(f"Re-verify CAPA {task.capa_title} ({state})", size=16, weight=ft.FontWeight.BOLD)
            )
            grade = label(GRADE_LABEL, task.finding.grade)
            rows.append(ft.Text(f"Original finding ({grade}): {task.finding.statement}", size=15))
            rows.append(ft.Text(f"Criterion: {task.criterion}", size=15))
            rows += [ft.Text(f"Photo: {caption or sha[:12]}", size=14) for sha, caption in task.photos]
            rows += [ft.Text(f"{kind.capitalize()}: {text}", size=14) for kind, text in task.evidence]
        for finding in work.prior_findings:
            grade = label(GRADE_LABEL, finding.grade)
            state = finding_state(finding.status, finding.capa_status if finding.capa_id else None)
            rows.append(
                ft.Text(
                    f"Earlier finding · {grade} · {finding.clause}: {finding.statement} ({state})", size=15
                )
            )
        for open_capa in work.capas:
            due = f", due {open_capa.due}" if open_capa.due else ""
            stage = label(STAGE_LABEL, open_capa.stage)
            rows.append(ft.Text(f"Open CAPA: {open_capa.title} ({stage}{due})", size=15))
        rows.append(
            ft.OutlinedButton(
                "Open follow-up work", on_click=lambda _: self._ctx.open_follow_up(), height=TOUCH
            )
        )
        return [
            ft.Container(
                padding=16,
                border_radius=12,
                bgcolor=ft.Colors.AMBER_50,
                content=ft.Column(
                    [ft.Text("Follow-up work here", size=20, weight=ft.FontWeight.BOLD), *rows], spacing=6
                ),
            )
        ]


def conflict_text(detail: ItemDetail) -> str:
    """The answers given on tablets that had not seen each other's, and how to settle them."""
    if not detail.answer_conflict:
        return ""
    given = "; ".join(f"{ANSWER_LABEL.get(c.value, c.value)} on {c.tablet}" for c in detail.answer_conflict)
    return f"Answered differently on two tablets: {given}. Tap the answer that is right to settle it."
