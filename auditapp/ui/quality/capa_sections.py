"""The forms of a CAPA's detail screen, one per section of its lifecycle, kept for the screen's life."""

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

ROOT_METHODS = {k: METHOD_LABEL[k] for k in capa_work.ROOT_CAUSE_METHODS}
CHECK_METHODS = {k: METHOD_LABEL[k] for k in capa_work.CHECK_METHODS}


class CapaForms:
    """Every form of one CAPA; `done` receives the CAPA as the store holds it after a save."""

    def __init__(self, capa_id: str, runner: Runner, done: Callable[[CapaView], Awaitable[None]]):
        self.capa_id = capa_id
        self.runner = runner
        self.done = done
        self.filled = False
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
        self.add_action = self._form(
            "new-action",
            {
                "kind": radios(ACTION_KIND_LABEL, "corrective"),
                "description": field("What will be done", True),
                "owner": field("Action owner (username)", width=300),
                "due_date": field("Due date", width=200, hint="YYYY-MM-DD"),
            },
            "Add action",
            lambda api, v: capa_work.add_action(api, cid, v),
            "Adding the action",
            clear=True,
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
        self.sign_password = ft.TextField(
            label="Password", password=True, can_reveal_password=True, width=320
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
        """Put the recorded values in the section forms, once (later renders keep what is typed)."""
        if self.filled:
            return
        self.filled = True
        self.problem.fill({"title": view.title, "problem_statement": view.problem_statement})
        self.containment.fill({"containment": view.containment, "correction": view.correction})
        self.root_cause.fill({"method": view.root_cause_method or None, "result": view.root_cause_result})
        self.document_update.fill({"justification": view.document_update_justification})
        self.communication.fill({"justification": view.communication_justification})
        self.assign.fill({"owner": view.owner})
        if view.verification:
            answers = {
                k: capa_work.verification_answer(view.verification.get(k))
                for k in capa_work.VERIFICATION_QUESTIONS
            }
            self.verification.fill({**answers, "comment": view.verification.get("comment")})

    def progress_form(self, action: ActionView) -> Form:
        """The form that records progress and evidence on one action (made once per action)."""
        if action.action_id not in self.progress:
            cid, aid = self.capa_id, action.action_id
            form = self._form(
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
            form.fill(
                {
                    "evidence": action.evidence,
                    "document_id": action.document_id,
                    "document_revision": action.document_revision,
                    "communication_record": action.communication_record,
                    "cancel_reason": action.cancel_reason,
                }
            )
            self.progress[aid] = form
        return self.progress[action.action_id]

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
