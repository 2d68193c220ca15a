"""A CAPA's detail: every section of its lifecycle, the closure checklist, signatures and history."""

from __future__ import annotations

import datetime as dt
from typing import Any

import flet as ft

from auditapp.services.quality import capa_views, people, trail_view
from auditapp.services.quality.capa_views import ActionView, CapaView, CheckView
from auditapp.services.quality.roles import CapaRights, capa_rights
from auditapp.ui.quality.capa_sections import CapaForms
from auditapp.ui.quality.context import Ctx, Screen
from auditapp.ui.quality.signing import open_signing
from auditapp.ui.quality.theme import (
    STATE_COLOUR,
    field_line,
    heading,
    muted,
    named,
    refreshes,
    section,
    tag,
)

STAGE_COLOUR = {"closed": ft.Colors.GREEN_800, "reopened": ft.Colors.PURPLE_700}


class CapaScreen(Screen):
    """Opened with `capa_id` from the board, a finding or a triage decision."""

    title = "CAPA"

    def __init__(self, ctx: Ctx, **args: Any):
        super().__init__(ctx, **args)
        self.capa_id: str = args["capa_id"]
        self.forms = CapaForms(self.capa_id, ctx.runner, self.apply)
        self.body = ft.Column(spacing=12)
        self.trail = ft.Column(spacing=4)
        self.view: CapaView | None = None
        self.people = people.NOBODY
        """Printed names of the people the CAPA names, read with it."""
        self.views_shown = 0
        """How many times a CAPA read from the store was shown (a read overtaken by a save is dropped)."""
        self.trail_asked = 0
        back = ft.TextButton("Back to the board", icon=ft.Icons.ARROW_BACK, on_click=self._back)
        self.control = ft.Column([back, self.body], scroll=ft.ScrollMode.AUTO, expand=True)

    async def load(self) -> None:
        """The CAPA as the store holds it now, then its audit trail (read again when the browser reloads)."""
        before = self.views_shown
        loaded = await self.ctx.runner.run(
            lambda api: (capa_views.load_capa(api, self.capa_id), people.load_people(api)),
            doing="Loading the CAPA",
        )
        if loaded is not None and self.views_shown == before:
            view, self.people = loaded
            await self.apply(view, quiet=True)

    async def apply(self, view: CapaView, quiet: bool = False) -> None:
        """Show the CAPA as the store holds it now (after a load or a save)."""
        self.view = view
        self.views_shown += 1
        self.forms.prefill(view)
        self._render(view)
        if not quiet:
            self.ctx.toast("Saved.")
        self.ctx.page.run_task(self._load_trail)

    # ------------------------------------------------------------------ layout
    def _rights(self, view: CapaView) -> CapaRights:
        user = self.ctx.session.user
        return capa_rights(self.ctx.can, view, user.username if user else "")

    def _render(self, v: CapaView) -> None:
        rights = self._rights(v)
        edit = rights.sections
        today = dt.date.today()
        marks: list[ft.Control] = [tag(v.stage_label, STAGE_COLOUR.get(v.stage, ft.Colors.BLUE_700))]
        if v.round:
            marks.append(tag(f"Round {v.round + 1} (reopened)", ft.Colors.PURPLE_700))
        if any(a.overdue(today) for a in v.actions):
            marks.append(tag("Overdue action", ft.Colors.RED_700))
        owner: list[ft.Control] = [
            field_line("Owner", self.people.name(v.owner) if v.owner else "not assigned"),
            field_line("Opened", v.created),
        ]
        if v.closed:
            owner.append(field_line("Closed", v.closed))
        if rights.manage:
            owner.append(self.forms.assign.control)
        self.body.controls = [
            heading(v.title),
            ft.Row(marks, spacing=6),
            section("Owner", owner, "owner"),
            section("Source findings", [self._source(f) for f in v.sources] or [muted("None")], "sources"),
            section(
                "Problem",
                [
                    field_line("Problem statement", v.problem_statement),
                    *([self.forms.problem.control] if edit else []),
                ],
                "problem",
            ),
            section(
                "Containment and correction",
                [
                    field_line("Containment", v.containment),
                    field_line("Correction", v.correction),
                    *([self.forms.containment.control] if edit else []),
                ],
                "containment",
            ),
            section(
                "Root cause",
                [
                    field_line("Method", v.root_cause_method_label),
                    field_line("Root cause", v.root_cause_result),
                    *([self.forms.root_cause.control] if edit else []),
                ],
                "root-cause",
            ),
            self._actions(v, rights, today),
            self._verification(v, edit),
            self._checks(v, rights.manage, today),
            self._closure(v),
            self._reopenings(v),
            section("Audit trail", [self.trail], "trail"),
        ]

    def _source(self, row: Any) -> ft.Control:
        @refreshes
        async def go(_: object) -> None:
            await self.ctx.go("finding", finding_id=row.finding_id)

        return ft.Row(
            [tag(row.grade_label), ft.TextButton(row.short_statement, on_click=go), muted(row.where)],
            wrap=True,
        )

    def _actions(self, v: CapaView, rights: CapaRights, today: dt.date) -> ft.Control:
        parts: list[ft.Control] = []
        for action in v.actions:
            parts.append(self._action(action, rights.progress(action.action_id), today))
        if not v.actions:
            parts.append(muted("No action planned yet."))
        if rights.sections:
            parts += [
                ft.Divider(),
                ft.Text("Add an action", weight=ft.FontWeight.W_600),
                self.forms.add_action.control,
                self.forms.confirm_control,
            ]
            parts += [
                ft.Divider(),
                muted("When no document changes or no training is needed, say why instead:"),
                field_line("No document change because", v.document_update_justification),
                self.forms.document_update.control,
                field_line("No training needed because", v.communication_justification),
                self.forms.communication.control,
            ]
        else:
            parts += [
                field_line("No document change because", v.document_update_justification),
                field_line("No training needed because", v.communication_justification),
            ]
        return section("Actions", parts, "actions")

    def _action(self, a: ActionView, edit: bool, today: dt.date) -> ft.Control:
        marks: list[ft.Control] = [tag(a.kind_label), tag(a.status_label, ft.Colors.TEAL_700)]
        if a.overdue(today):
            marks.append(tag("Overdue", ft.Colors.RED_700))
        lines: list[ft.Control] = [
            ft.Row([*marks, ft.Text(a.description, weight=ft.FontWeight.W_600)], wrap=True),
            muted(
                f"Owner {self.people.name(a.owner) if a.owner else 'not assigned'} · due {a.due or 'no date'}"
            ),
        ]
        if a.evidence:
            lines.append(field_line("Evidence", a.evidence))
        if a.document_id:
            lines.append(field_line("Changed document", f"{a.document_id} rev. {a.document_revision}"))
        if a.communication_record:
            lines.append(field_line("Training / communication", a.communication_record))
        if a.cancel_reason:
            lines.append(field_line("Cancelled because", a.cancel_reason))
        if edit and a.status != "cancelled":
            lines += [
                ft.Text("Record progress and evidence", size=13, italic=True),
                self.forms.progress_form(a).control,
            ]
        return ft.Container(ft.Column(lines, spacing=4), padding=8)

    def _verification(self, v: CapaView, edit: bool) -> ft.Control:
        lines: list[ft.Control] = []
        if v.verification:
            ver = v.verification
            lines += [
                field_line(
                    "Regulatory compliance",
                    "not adversely affected" if ver.get("compliance_unaffected") else "ADVERSELY AFFECTED",
                ),
                field_line(
                    "Safety and performance",
                    "not adversely affected"
                    if ver.get("safety_performance_unaffected")
                    else "ADVERSELY AFFECTED",
                ),
                field_line("How verified", str(ver.get("comment") or "")),
                field_line("Verified by", v.verified_line(self.people.name)),
            ]
        else:
            lines.append(muted("Not verified yet."))
        if edit:
            lines.append(self.forms.verification.control)
        return section("Verification (ISO 13485 8.5.2 e)", lines, "verification")

    def _checks(self, v: CapaView, manage: bool, today: dt.date) -> ft.Control:
        """The checks; planning one and recording a result at the desk are the CAPA manager's."""
        lines: list[ft.Control] = [self._check(c, manage, today) for c in v.checks] or [
            muted("No check planned yet.")
        ]
        if manage:
            lines += [
                ft.Divider(),
                ft.Text("Plan a check", weight=ft.FontWeight.W_600),
                self.forms.plan_check.control,
            ]
        return section("Effectiveness checks", lines, "checks")

    def _check(self, c: CheckView, manage: bool, today: dt.date) -> ft.Control:
        colour = {"passed": ft.Colors.GREEN_700, "failed": ft.Colors.RED_700}.get(
            c.result, ft.Colors.AMBER_800
        )
        lines: list[ft.Control] = [
            # A wrapping row gives its children no bounded width: an expanding text in one fails to lay
            # out (Flutter's grey error box, thousands of pixels high). The tags keep their width and the
            # criterion takes the rest of a plain row, wrapping onto more lines when long.
            ft.Row(
                [tag(c.result_label, colour), tag(c.method_label), ft.Text(c.criterion, expand=True)],
                vertical_alignment=ft.CrossAxisAlignment.START,
            ),
            muted(f"Window {c.window} · {c.state(today)}" + ("" if c.current else " · earlier round")),
        ]
        if c.comment:
            lines.append(
                field_line("Result", f"{c.comment} ({self.people.name(c.decided_by)} {c.decided_at})")
            )
        if c.evidence:
            lines.append(field_line("Evidence", ", ".join(c.evidence)))
        for task in c.tasks:
            lines.append(muted(trail_view.task_line(task)))
        if manage and c.result == "pending" and c.method != "field_reverification" and c.current:
            lines.append(self.forms.result_form(c).control)
        elif c.result == "pending" and c.method == "field_reverification":
            lines.append(muted("The result comes from the auditors' tablets at the site."))
        return named(f"check-{c.check_id}", ft.Container(ft.Column(lines, spacing=4), padding=8))

    def _closure(self, v: CapaView) -> ft.Control:
        lines: list[ft.Control] = []
        for gate in v.gates:
            lines.append(
                ft.Row(
                    [
                        ft.Icon(
                            ft.Icons.CHECK_CIRCLE if gate.met else ft.Icons.CANCEL,
                            color=STATE_COLOUR["ok" if gate.met else "missing"],
                            size=18,
                        ),
                        ft.Text(gate.text if gate.met else f"{gate.text}: missing"),
                    ]
                )
            )
            lines += [muted(f"    missing: {m}") for m in gate.missing]
            if gate.waits_for:
                lines.append(muted(f"    {gate.waits_for}"))
        for sig in v.signatures:
            lines.append(
                named(
                    "signature",
                    ft.Container(
                        padding=8,
                        border=ft.Border.all(1, ft.Colors.GREEN_700 if sig.matches else ft.Colors.RED_700),
                        border_radius=6,
                        content=ft.Column(
                            [
                                field_line("Signed by", f"{sig.printed_name} ({sig.username})"),
                                field_line("Meaning", sig.meaning),
                                field_line("Date and time", f"{sig.signed_utc} · {sig.signed_local}"),
                                field_line(
                                    "Record",
                                    "unchanged since signing" if sig.matches else "CHANGED after signing",
                                ),
                            ],
                            spacing=2,
                        ),
                    ),
                )
            )
        if self.ctx.can.sign and not v.is_closed:
            lines.append(self._sign_row(v))
        title = "Closure: ready to sign" if v.ready_to_close else "Closure: what is still missing"
        if v.is_closed:
            title = "Closure: closed and signed"
        return section(title, lines, "closure")

    def _sign_row(self, v: CapaView) -> ft.Control:
        """ "Sign closure…", not pressable until every gate is met, and beside it what is missing."""
        button = ft.FilledButton(
            "Sign closure…", icon=ft.Icons.VERIFIED, on_click=self._sign, disabled=not v.can_sign
        )
        parts: list[ft.Control] = [named("sign-closure", button)]
        if not v.can_sign:
            why = named("not-ready", ft.Text(v.not_ready_line, color=STATE_COLOUR["missing"]))
            why.expand = True  # the row's rest, wrapping onto more lines (the handle is the row's child)
            parts.append(why)
        return ft.Row(parts, vertical_alignment=ft.CrossAxisAlignment.CENTER)

    def _reopenings(self, v: CapaView) -> ft.Control:
        if not v.reopenings:
            return section("Reopen history", [muted("Never reopened.")], "reopenings")
        return section(
            "Reopen history",
            [
                ft.Column(
                    [
                        ft.Text(
                            f"{r.at} · {r.reason.replace('_', ' ')} · by {self.people.name(r.actor)}",
                            weight=ft.FontWeight.W_600,
                        ),
                        *([muted(r.comment)] if r.comment else []),
                        *([muted(f"Evidence: {', '.join(r.evidence_ids)}")] if r.evidence_ids else []),
                    ],
                    spacing=2,
                )
                for r in v.reopenings
            ],
            "reopenings",
        )

    # ------------------------------------------------------------------ handlers
    async def _load_trail(self) -> None:
        self.trail_asked += 1
        asked = self.trail_asked
        parts = trail_view.capa_parts(self.view.actions, self.view.checks) if self.view else []
        people = self.people
        entries = await self.ctx.runner.run(
            lambda api: trail_view.load_capa_trail(api, self.capa_id, parts, people),
            doing="Loading the audit trail",
        )
        if asked != self.trail_asked:
            return  # a later read (after a save) shows the trail as it is now
        if entries is None:
            self.trail.controls = [muted("The audit trail could not be read (see the message below).")]
        elif not entries:
            self.trail.controls = [muted("No entries.")]
        else:
            self.trail.controls = [ft.Text(e.text, size=13) for e in entries]
        self.ctx.page.update()

    def _sign(self, _: object) -> None:
        if self.view is not None and self.view.can_sign:
            open_signing(self.ctx, self.view, self._signed)

    async def _signed(self, view: CapaView) -> None:
        await self.apply(view, quiet=True)

    @refreshes
    async def _back(self, _: object) -> None:
        await self.ctx.go("board")
