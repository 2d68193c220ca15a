"""Follow-up work screen: re-verification tasks answered effective or not, prior findings and open CAPAs."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from auditapp.domain.errors import AuditAppError
from auditapp.services.field_audits import FieldAudits
from auditapp.services.followup import EffectivenessTask, FollowUp
from auditapp.services.form_drafts import form_key
from auditapp.services.labels import GRADE_LABEL, STAGE_LABEL, finding_state, label
from auditapp.ui.field.draft_form import DraftForm, Field
from auditapp.ui.field.screen_parts import back_button, lines, section
from auditapp.ui.field.theme import TOUCH, error_text, named, show_error

RESULTS = (("effective", "Effective"), ("not_effective", "Not effective"))


class FollowUpScreen:
    """What the central store asks to be checked at this audit's site, and what was found there before."""

    def __init__(
        self, audits: FieldAudits, audit_id: str, on_back: Callable[[], None], on_item: Callable[[str], None]
    ):
        self._audits = audits
        self._audit_id = audit_id
        self._on_item = on_item
        self._body = ft.ListView(spacing=12, expand=True)
        back = back_button("Back to the walkthrough", on_back)
        self.control = ft.Column(
            [ft.Row([back, ft.Text("Follow-up work", size=28, weight=ft.FontWeight.BOLD)]), self._body],
            expand=True,
            spacing=8,
        )
        self._render(audits.follow_up(audit_id))

    def _render(self, work: FollowUp) -> None:
        blocks: list[ft.Control] = [self._task(t) for t in work.tasks]
        if work.prior_findings:
            blocks.append(
                section(
                    "Findings of earlier audits at this site",
                    *[
                        ft.Text(
                            f"{label(GRADE_LABEL, f.grade)} · {f.clause}: {f.statement} "
                            f"({finding_state(f.status, f.capa_status if f.capa_id else None)})",
                            size=16,
                        )
                        for f in work.prior_findings
                    ],
                )
            )
        if work.capas:
            blocks.append(
                section(
                    "Open CAPAs at this site",
                    *[
                        ft.Text(
                            f"{c.title} · clauses {', '.join(c.clauses) or '-'} · "
                            f"{label(STAGE_LABEL, c.stage)}" + (f" · due {c.due}" if c.due else ""),
                            size=16,
                        )
                        for c in work.capas
                    ],
                )
            )
        self._body.controls = blocks or lines(
            [], "No follow-up work for this site has been pulled from the store."
        )

    def _task(self, task: EffectivenessTask) -> ft.Control:
        f = task.finding
        rows: list[ft.Control] = [
            ft.Text(f"Criterion: {task.criterion}", size=16),
            ft.Text(f"Window: {task.window_start} to {task.window_end}", size=15),
            ft.Text(f"Original finding ({label(GRADE_LABEL, f.grade)}, {f.clause}): {f.statement}", size=16),
            *[ft.Text(f"Photo: {caption or sha[:12]}", size=15) for sha, caption in task.photos],
            *[ft.Text(f"{kind.capitalize()}: {text}", size=15) for kind, text in task.evidence],
        ]
        items = self._audits.items_of_clause(self._audit_id, task.clause)
        if items:
            rows.append(
                ft.OutlinedButton(
                    f"Go to clause {task.clause}", on_click=lambda _: self._on_item(items[0]), height=TOUCH
                )
            )
        if task.result:
            verdict = task.result.replace("_", " ")
            rows.append(
                ft.Text(
                    f"Recorded: {verdict}" + (f" - {task.comment}" if task.comment else ""),
                    size=16,
                    weight=ft.FontWeight.BOLD,
                )
            )
        else:
            rows += self._answer_form(task)
        return named(f"task-{task.task_id}", section(f"Re-verify: {task.capa_title}", *rows))

    def _answer_form(self, task: EffectivenessTask) -> list[ft.Control]:
        key = form_key("effectiveness", self._audit_id, task.task_id)
        saved = self._audits.drafts.get(key)
        fields = DraftForm(lambda: self._audits.drafts, key, [Field("comment", "What you saw", lines=2)])
        result = ft.RadioGroup(
            value=saved.get("result"),
            content=ft.Row([ft.Radio(value=v, label=label) for v, label in RESULTS]),
        )

        def chosen_result(_: object) -> None:
            self._audits.drafts.save(key, "result", result.value or "")

        result.on_change = chosen_result
        ticked = set(filter(None, saved.get("evidence", "").split(",")))
        boxes = [
            ft.Checkbox(label=label, value=evidence_id in ticked, data=evidence_id)
            for evidence_id, label in self._audits.evidence_near(self._audit_id, task.clause)
        ]

        def chosen_evidence(_: object) -> None:
            self._audits.drafts.save(key, "evidence", ",".join(b.data for b in boxes if b.value))

        for box in boxes:
            box.on_change = chosen_evidence
        error = error_text()

        def record(_: object) -> None:
            fields.keep()
            if not result.value:
                show_error(error, "Choose effective or not effective")
                return
            chosen = [b.data for b in boxes if b.value]
            try:
                work = self._audits.record_effectiveness(
                    self._audit_id, task.task_id, result.value, fields.value("comment"), chosen
                )
            except AuditAppError as exc:
                fields.refused(exc)
                return
            self._render(work)

        evidence: list[ft.Control] = list(boxes) or lines(
            [], "Capture evidence on an item of this clause to cite it here."
        )
        return [
            ft.Text("Result", size=16, weight=ft.FontWeight.BOLD),
            result,
            *fields.controls(),
            ft.Text("Evidence seen", size=16),
            *evidence,
            error,
            fields.error,
            ft.FilledButton("Record result", on_click=record, height=TOUCH),
        ]
