"""A finding with all its evidence (photos full size, interviews, samples, documents) and its triage."""

from __future__ import annotations

from typing import Any

import flet as ft

from auditapp.services.quality import finding_view, people, triage
from auditapp.services.quality.finding_view import FindingView, PhotoView, SampleView
from auditapp.services.quality.triage import FORMS, DecisionForm
from auditapp.ui.quality.context import Ctx, Screen
from auditapp.ui.quality.theme import (
    GRADE_COLOUR,
    error_text,
    field_line,
    heading,
    muted,
    named,
    refreshes,
    section,
    tag,
    text_field,
)


class FindingScreen(Screen):
    """Opened from the inbox with `finding_id`."""

    title = "Finding"

    def __init__(self, ctx: Ctx, **args: Any):
        super().__init__(ctx, **args)
        self.finding_id: str = args["finding_id"]
        self.clause = ""
        self.people = people.NOBODY
        self.body = ft.Column(spacing=12)
        self.photos = ft.Row(wrap=True, spacing=12)
        back = ft.TextButton("Back to the inbox", icon=ft.Icons.ARROW_BACK, on_click=self._back)
        self.control = ft.Column([back, self.body], scroll=ft.ScrollMode.AUTO, expand=True)

    async def load(self) -> None:
        """The finding (with the printed names of the people it names), then its photos."""
        loaded = await self.ctx.runner.run(
            lambda api: (finding_view.load_finding(api, self.finding_id), people.load_people(api)),
            doing="Loading the finding",
        )
        if loaded is None:
            return
        view, self.people = loaded
        self._render(view)
        if view.photos:
            self.ctx.page.run_task(self._load_photos, view)

    def _render(self, v: FindingView) -> None:
        self.clause = v.clause
        marks: list[ft.Control] = [
            tag(v.grade_label, GRADE_COLOUR.get(v.grade, ft.Colors.BLUE_GREY_600)),
            tag(v.status_label),
        ]
        if v.repeat:
            marks.append(tag("Repeat finding", ft.Colors.PURPLE_700))
        if v.n19_grade is not None:
            marks.append(tag(f"GHTF N19 grade {v.n19_grade}", ft.Colors.INDIGO_700))
        parts: list[ft.Control] = [
            heading(f"Finding on clause {v.clause}"),
            ft.Row(marks, spacing=6),
            section(
                "The finding",
                [
                    field_line("Statement", v.statement),
                    field_line("Requirement", v.requirement),
                    field_line("Process", v.process),
                    field_line("Site", v.site),
                    field_line("Audit", v.audit_title),
                    field_line(
                        "Raised", f"{v.raised} ({v.age} ago)" if v.age and v.age != "today" else v.raised
                    ),
                    *([field_line("Conflicting edits", "; ".join(v.conflicts))] if v.conflicts else []),
                ],
                "finding-summary",
            ),
            self._triage_section(v),
        ]
        if v.photos:
            parts.append(section(f"Photos ({len(v.photos)})", [self.photos], "photos"))
            self.photos.controls = [
                ft.Column([ft.ProgressRing(width=24, height=24), muted(p.caption or "photo")])
                for p in v.photos
            ]
        if v.interviews:
            parts.append(
                section(
                    "Interviews",
                    [
                        ft.Column(
                            [
                                ft.Text(f"{i.person} ({i.role})", weight=ft.FontWeight.W_600),
                                field_line("Asked", i.question),
                                field_line("Answered", i.answer),
                            ],
                            spacing=2,
                        )
                        for i in v.interviews
                    ],
                    "interviews",
                )
            )
        if v.documents:
            parts.append(
                section(
                    "Documents reviewed",
                    [
                        ft.Text(f"{d.document_id} rev. {d.revision}" + (f" · {d.title}" if d.title else ""))
                        for d in v.documents
                    ],
                    "documents",
                )
            )
        if v.samples:
            parts.append(section("Sampled records", [_sample(s) for s in v.samples], "samples"))
        if v.notes:
            parts.append(section("Notes", [ft.Text(n) for n in v.notes], "notes"))
        if not v.evidence_count:
            parts.append(muted("No evidence was linked to this finding in the field."))
        self.body.controls = parts

    def _triage_section(self, v: FindingView) -> ft.Control:
        lines: list[ft.Control] = []
        if v.decision:
            lines.append(field_line("Decision", v.decision_label))
            if v.decision_note:
                lines.append(field_line("Reason / correction", v.decision_note))
            lines.append(field_line("Decided by", f"{self.people.name(v.triaged_by)} on {v.triaged_at}"))
        if v.duplicate_of:
            lines.append(field_line("Duplicate of", v.duplicate_of))
        if v.capa_id:
            lines.append(
                ft.TextButton(
                    f"Open CAPA: {v.capa_title or v.capa_id}",
                    icon=ft.Icons.ASSIGNMENT,
                    on_click=self._open_capa(v.capa_id),
                )
            )
        if v.awaiting_triage and self.ctx.can.triage:
            lines.append(muted("Decide what happens to this finding:"))
            lines.append(
                ft.Row(
                    [
                        named(
                            f"decide-{form.decision}",
                            ft.OutlinedButton(form.label, on_click=self._decide(form)),
                        )
                        for form in FORMS.values()
                    ],
                    wrap=True,
                )
            )
        elif v.awaiting_triage:
            lines.append(muted("Waiting for a quality manager's triage."))
        return section("Triage", lines, "triage")

    async def _load_photos(self, v: FindingView) -> None:
        shas = [p.sha256 for p in v.photos]
        images = await self.ctx.runner.run(
            lambda api: finding_view.load_photos(api, shas), doing="Loading photos full size"
        )
        if images is None:  # the store could not be asked (the runner says why): no spinner left turning
            images = [None] * len(v.photos)
            gap = "Photo could not be loaded (see the message below)"
        else:
            gap = finding_view.NOT_RECEIVED
        self.photos.controls = [
            self._photo(number, p, data) if data is not None else _photo_gap(number, p, gap)
            for number, (p, data) in enumerate(zip(v.photos, images, strict=True), start=1)
        ]
        self.ctx.page.update()

    def _photo(self, number: int, p: PhotoView, data: bytes) -> ft.Control:
        """A photo on the page; clicking it, or its button, opens it full size."""
        show = self._full_size(p, data)
        return named(
            f"photo-{number}",
            ft.Column(
                [
                    ft.Container(
                        ft.Image(
                            src=data, width=560, fit=ft.BoxFit.CONTAIN, semantics_label=p.caption or "photo"
                        ),
                        on_click=show,
                        tooltip="Open full size",
                    ),
                    ft.Text(p.caption or "(no caption)", weight=ft.FontWeight.W_600),
                    muted(p.details),
                    ft.TextButton("Open full size", icon=ft.Icons.ZOOM_OUT_MAP, on_click=show),
                ],
                spacing=4,
            ),
        )

    def _full_size(self, p: PhotoView, data: bytes) -> Any:
        def show(_: object) -> None:
            show_full_size(self.ctx.page, p, data)

        return show

    def _decide(self, form: DecisionForm) -> Any:
        def open_dialog(_: object) -> None:
            DecisionDialog(self, form).show()

        return open_dialog

    def _open_capa(self, capa_id: str) -> Any:
        @refreshes
        async def go(_: object) -> None:
            await self.ctx.go("capa", capa_id=capa_id)

        return go

    @refreshes
    async def _back(self, _: object) -> None:
        await self.ctx.go("inbox")


def _photo_gap(number: int, p: PhotoView, reason: str) -> ft.Control:
    """In place of a photo the store cannot give yet: its caption and why it is not shown."""
    return named(
        f"photo-{number}-missing",
        ft.Column(
            [
                ft.Container(
                    ft.Icon(ft.Icons.HOURGLASS_EMPTY, size=40, color=ft.Colors.ON_SURFACE_VARIANT),
                    width=240,
                    height=120,
                    alignment=ft.Alignment.CENTER,
                    border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT),
                    border_radius=6,
                ),
                ft.Text(p.caption or "(no caption)", weight=ft.FontWeight.W_600),
                ft.Text(reason, color=ft.Colors.ON_SURFACE_VARIANT),
            ],
            spacing=4,
        ),
    )


INSET = 16
"""Space between the full-size dialog and the window's edges, on each side."""
CHROME = 190
"""Height the dialog's title, caption line, Close button and paddings take besides the photo."""


def show_full_size(page: ft.Page, p: PhotoView, data: bytes) -> None:
    """A photo as large as the window allows, up to its own size, with its caption; Close, Escape or a
    click beside it closes it. Scrolling or pinching over the photo zooms in further."""
    width, height = p.fitted((page.width or 1280) - 2 * INSET - 48, (page.height or 800) - 2 * INSET - CHROME)
    caption = p.caption or "Photo"
    page.show_dialog(
        ft.AlertDialog(
            title=ft.Text(caption),
            inset_padding=ft.Padding.all(INSET),
            content=named(
                "photo-full-size",
                ft.Column(
                    [
                        ft.InteractiveViewer(
                            content=ft.Image(
                                src=data,
                                width=width,
                                height=height,
                                fit=ft.BoxFit.CONTAIN,
                                semantics_label=f"{caption} (full size)",
                            ),
                            min_scale=1,
                            max_scale=4,
                            width=width,
                            height=height,
                        ),
                        muted(f"{p.shown_at(width)} · scroll over the photo to zoom"),
                    ],
                    tight=True,
                    spacing=6,
                ),
            ),
            actions=[ft.TextButton("Close", on_click=lambda _: page.pop_dialog())],
        )
    )


def _sample(s: SampleView) -> ft.Control:
    records = [
        ft.DataRow(
            cells=[
                ft.DataCell(ft.Text(r.identifier)),
                ft.DataCell(ft.Text(r.record_type)),
                ft.DataCell(ft.Text(r.record_date)),
                ft.DataCell(
                    tag("conforms", ft.Colors.GREEN_700)
                    if r.conforms
                    else tag("does not conform", ft.Colors.RED_700)
                ),
                ft.DataCell(ft.Text(r.comment)),
            ]
        )
        for r in s.records
    ]
    return ft.Column(
        [
            ft.Text(s.population or "sample", weight=ft.FontWeight.W_600),
            muted(
                f"Method: {s.how_drawn} · {s.sample_size} of {s.population_size} records"
                + (f" · drawn: {', '.join(s.selected)}" if s.selected else "")
            ),
            ft.DataTable(
                columns=[ft.DataColumn(label=t) for t in ("Record", "Type", "Date", "Result", "Comment")],
                rows=records,
            )
            if records
            else muted("No record of this sample has been checked yet."),
        ],
        spacing=4,
    )


class DecisionDialog:
    """The fields one triage decision needs; the dialog stays open with its values until the store accepts.

    "Duplicate" and "link to a CAPA" offer the findings on the same clause and the open CAPAs to choose from.
    """

    def __init__(self, screen: FindingScreen, form: DecisionForm):
        self.screen = screen
        self.form = form
        self.choice_key = form.fields[0][0] if form.decision in ("duplicate", "link_capa") else ""
        self.fields = {
            key: text_field(name, multiline=multiline, width=520)
            for key, name, multiline in form.fields
            if key != self.choice_key
        }
        self.choices = ft.RadioGroup(content=ft.Column([ft.ProgressRing(width=20, height=20)]))
        self.problem = error_text()

    def show(self) -> None:
        """Open the dialog (and load the choices, if the decision has any)."""
        page = self.screen.ctx.page
        extra: list[ft.Control] = [self.choices] if self.choice_key else []
        page.show_dialog(
            ft.AlertDialog(
                modal=True,
                title=ft.Text(self.form.label),
                content=named(
                    "decision-form",
                    ft.Column(
                        [muted(self.form.explanation), *extra, *self.fields.values(), self.problem],
                        tight=True,
                        width=560,
                        scroll=ft.ScrollMode.AUTO,
                    ),
                ),
                actions=[
                    ft.TextButton("Cancel", on_click=lambda _: page.pop_dialog()),
                    ft.FilledButton("Record decision", on_click=self._submit),
                ],
            )
        )
        if self.choice_key:
            page.run_task(self._load_choices)

    async def _load_choices(self) -> None:
        ctx = self.screen.ctx
        finding_id, clause = self.screen.finding_id, self.screen.clause
        if self.form.decision == "duplicate":
            found = await ctx.runner.run(
                lambda api: triage.duplicate_candidates(api, finding_id, clause),
                doing="Finding earlier findings on the same clause",
                error=self.problem,
            )
            empty = "No other finding on this clause."
        else:
            found = await ctx.runner.run(
                triage.capa_candidates, doing="Listing open CAPAs", error=self.problem
            )
            empty = "No open CAPA."
        radios: list[ft.Control] = [ft.Radio(value=c.key, label=c.text) for c in found or []]
        self.choices.content = ft.Column(radios or [muted(empty)])
        ctx.page.update()

    @refreshes
    async def _submit(self, _: object) -> None:
        ctx = self.screen.ctx
        values = {key: field.value or "" for key, field in self.fields.items()}
        if self.choice_key:
            values[self.choice_key] = self.choices.value or ""
        finding_id = self.screen.finding_id
        result = await ctx.runner.run(
            lambda api: triage.decide(api, finding_id, self.form.decision, values),
            doing=f"Recording “{self.form.label}”",
            error=self.problem,
        )
        if result is None:
            return
        ctx.page.pop_dialog()
        ctx.toast(f"Recorded: {self.form.label}.")
        if result.capa_id and self.form.decision == "open_capa":
            await ctx.go("capa", capa_id=result.capa_id)
        else:
            await self.screen.load()
