"""The forms of a CAPA's detail screen, one per section of its lifecycle, kept for the screen's life.

Each time the screen shows the CAPA as the store holds it (opened, reloaded, or after a save), the section
forms follow the store wherever the user has not typed something of their own (`capa_work.refilled`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

import flet as ft

from auditapp.services.quality import capa_work
from auditapp.services.quality.capa_views import ActionView, CapaView, CheckView
from auditapp.services.quality.labels import ACTION_KIND_LABEL, ACTION_STATUS_LABEL, METHOD_LABEL
from auditapp.ui.quality.forms import Form, field, radios
from auditapp.ui.quality.runner import Runner
from auditapp.ui.quality.theme import named, refreshes, show_error

ROOT_METHODS = {k: METHOD_LABEL[k] for k in capa_work.ROOT_CAUSE_METHODS}
CHECK_METHODS = {k: METHOD_LABEL[k] for k in capa_work.CHECK_METHODS}


class CapaForms:
    """Every form of one CAPA; `done` receives the CAPA as the store holds it after a save."""

    def __init__(self, capa_id: str, runner: Runner, done: Callable[[CapaView], Awaitable[None]]):
        self.capa_id = capa_id
        self.runner = runner
        self.done = done
        self.shown: dict[str, dict[str, str]] = {}
        """What each form was last filled with from the store, by form identifier."""
        self.progress: dict[str, Form] = {}
        self.results: dict[str, Form] = {}
        cid = capa_id
        self.assign = self._form(
            "assign",
            {"owner": field("Owner (username)", width=260)},
            "Assign",
            lambda api, v: capa_work.assign(api, cid, v["owner"]),
            "Assigning the owner",
        )
        self.problem = self._section(
            "problem",
            {"title": field("Title"), "problem_statement": field("Problem statement", True)},
            "Save problem",
            "Saving the problem statement",
        )
        self.containment = self._section(
            "containment",
            {"containment": field("Containment", True), "correction": field("Correction", True)},
            "Save containment and correction",
            "Saving containment and correction",
        )
        self.root_cause = self._section(
            "root-cause",
            {"method": radios(ROOT_METHODS), "result": field("Root cause", True)},
            "Save root cause",
            "Saving the root cause",
        )
        self.past_due: capa_work.PastDueDate | None = None
        """The past due date the add-action form warned of, until it is confirmed or changed."""
        self.confirm_due = ft.OutlinedButton(
            "", icon=ft.Icons.EVENT_BUSY, visible=False, on_click=self._confirm_due
        )
        self.confirm_control = named("confirm-past-due", self.confirm_due)
        self.add_action = Form(
            "new-action",
            {
                "kind": radios(ACTION_KIND_LABEL, "corrective"),
                "description": field("What will be done", True),
                "owner": field("Action owner (username)", width=300),
                "due_date": field("Due date", width=200, hint="YYYY-MM-DD"),
            },
            "Add action",
            lambda api, v: capa_work.add_action(api, cid, v),
            self._added,
            runner,
            "Adding the action",
        )
        self.document_update = self._section(
            "document-update",
            {"justification": field("Why no document changes", True)},
            "Save justification",
            "Saving why no document changes",
        )
        self.communication = self._section(
            "communication",
            {"justification": field("Why no training or communication is needed", True)},
            "Save justification",
            "Saving why no training is needed",
        )
        self.verification = self._section(
            "verification",
            {
                "compliance_unaffected": radios(
                    {
                        "unaffected": "Regulatory compliance is not adversely affected",
                        "affected": "Regulatory compliance is adversely affected",
                    },
                    question="Do the actions adversely affect regulatory compliance?",
                ),
                "safety_performance_unaffected": radios(
                    {
                        "unaffected": "Device safety and performance are not adversely affected",
                        "affected": "Device safety and performance are adversely affected",
                    },
                    question="Do the actions adversely affect the safety and performance of the device?",
                ),
                "comment": field("How this was verified", True),
            },
            "Save verification",
            "Saving the verification",
        )
        today = dt.date.today()
        self.plan_check = self._form(
            "new-check",
            {
                "criterion": field("Criterion", True, hint="What must be true in daily practice"),
                "method": radios(CHECK_METHODS, "field_reverification"),
                "window_start": field("Window opens", width=200, hint="YYYY-MM-DD"),
                "window_end": field("Window closes", width=200, hint="YYYY-MM-DD"),
            },
            "Plan check",
            lambda api, v: capa_work.plan_check(api, cid, v),
            "Planning the check",
            clear=True,
        )
        self.plan_check.fill(
            {
                "method": "field_reverification",
                "window_start": today.isoformat(),
                "window_end": (today + dt.timedelta(days=30)).isoformat(),
            }
        )

    def _form(
        self,
        identifier: str,
        fields: dict[str, Any],
        button: str,
        work: Callable[[Any, dict[str, str]], CapaView],
        doing: str,
        clear: bool = False,
    ) -> Form:
        holder: list[Form] = []

        async def done(view: CapaView) -> None:
            if clear:
                holder[0].clear()
            await self.done(view)

        form = Form(identifier, fields, button, work, done, self.runner, doing)
        holder.append(form)
        return form

    def _section(self, section: str, fields: dict[str, Any], button: str, doing: str) -> Form:
        cid = self.capa_id
        return self._form(
            section, fields, button, lambda api, v: capa_work.record_section(api, cid, section, v), doing
        )

    def prefill(self, view: CapaView) -> None:
        """Show the recorded values in the section and progress forms, keeping what the user has typed."""
        self._show(self.problem, {"title": view.title, "problem_statement": view.problem_statement})
        self._show(self.containment, {"containment": view.containment, "correction": view.correction})
        self._show(self.root_cause, {"method": view.root_cause_method, "result": view.root_cause_result})
        self._show(self.document_update, {"justification": view.document_update_justification})
        self._show(self.communication, {"justification": view.communication_justification})
        self._show(self.assign, {"owner": view.owner})
        recorded = view.verification or {}
        answers = {
            k: capa_work.verification_answer(recorded.get(k)) for k in capa_work.VERIFICATION_QUESTIONS
        }
        self._show(self.verification, {**answers, "comment": recorded.get("comment")})
        for action in view.actions:
            self._show(
                self.progress_form(action),
                {
                    "status": action.status,
                    "evidence": action.evidence,
                    "document_id": action.document_id,
                    "document_revision": action.document_revision,
                    "communication_record": action.communication_record,
                    "cancel_reason": action.cancel_reason,
                },
            )

    def _show(self, form: Form, stored: dict[str, object]) -> None:
        text = {key: "" if value is None else str(value) for key, value in stored.items()}
        shown = self.shown.get(form.identifier, {})
        form.fill(capa_work.refilled(form.values(), shown, text))
        self.shown[form.identifier] = text

    def progress_form(self, action: ActionView) -> Form:
        """The form that records progress and evidence on one action (made once per action)."""
        if action.action_id not in self.progress:
            cid, aid = self.capa_id, action.action_id
            self.progress[aid] = self._form(
                f"progress-{aid}",
                {
                    "status": radios(ACTION_STATUS_LABEL, action.status),
                    "evidence": field("Evidence of implementation", True),
                    "document_id": field("Changed document", width=300),
                    "document_revision": field("New revision", width=160),
                    "communication_record": field("Training or communication record", True),
                    "cancel_reason": field("Why cancelled", width=640),
                },
                "Save progress",
                lambda api, v: capa_work.update_action(api, cid, aid, v),
                f"Saving progress on “{action.description[:40]}”",
            )
        return self.progress[action.action_id]

    async def _added(self, result: CapaView | capa_work.PastDueDate) -> None:
        """After "Add action": the CAPA with the new action, or the warning that its due date is past."""
        if isinstance(result, capa_work.PastDueDate):
            self.past_due = result
            show_error(self.add_action.error, result.message)
            self.confirm_due.content = result.confirm_label
            self.confirm_due.visible = True
            return
        self.past_due = None
        self.confirm_due.visible = False
        self.add_action.clear()
        await self.done(result)

    @refreshes
    async def _confirm_due(self, _: object) -> None:
        await self.confirm_past_due()

    async def confirm_past_due(self) -> None:
        """Save the new action with the past due date the warning named: the user has confirmed it. A
        form changed since to another past date is warned of again; one now valid is simply saved."""
        warning = self.past_due
        if warning is None:
            return
        form, cid, values = self.add_action, self.capa_id, self.add_action.values()
        self.confirm_due.disabled = True  # one press, one action
        try:
            result = await self.runner.run(
                lambda api: capa_work.add_action(api, cid, values, confirmed_due=warning.due),
                doing="Adding the action",
                error=form.error,
            )
        finally:
            self.confirm_due.disabled = False
        if result is not None:
            await self._added(result)

    def result_form(self, check: CheckView) -> Form:
        """The form of a desk result for one check (made once per check)."""
        if check.check_id not in self.results:
            cid, kid = self.capa_id, check.check_id
            self.results[kid] = self._form(
                f"result-{kid}",
                {
                    "result": radios({"passed": "Passed", "failed": "Failed"}),
                    "comment": field("What the review showed", True),
                    "evidence": field("Evidence (one reference per line)", True),
                },
                "Record result",
                lambda api, v: capa_work.record_result(api, cid, kid, v),
                "Recording the result",
            )
        return self.results[check.check_id]
