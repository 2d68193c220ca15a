"""Samples on an item: draw one (random with its seed shown, systematic, judgmental), record each record."""

from __future__ import annotations

import flet as ft

from auditapp.domain.errors import AuditAppError
from auditapp.services.item_detail import ItemDetail, SampleView
from auditapp.ui.field.choices import choices
from auditapp.ui.field.draft_form import DraftForm, Field, run_action
from auditapp.ui.field.item_context import ItemContext
from auditapp.ui.field.screen_parts import lines, section
from auditapp.ui.field.theme import TOUCH, autosave, error_text, named, show_error, text_field

ERROR_LINES = 4  # an error under a field wraps onto this many lines before it is cut off
METHODS = (("random", "Random"), ("systematic", "Systematic"), ("judgmental", "Judgmental"))
FIELDS = (
    Field("population_description", "Population", "e.g. batch records of 2026"),
    Field(
        "population_ids",
        "Record ids",
        "one per line, or separated by commas, semicolons or tabs; or a range: BR-001..BR-200",
        lines=2,
    ),
    Field("population_size", "Or population size", "when the ids are not listed"),
    Field("sample_size", "Sample size", "empty: the suggested size"),
    Field("seed", "Seed", "random only; empty: one is chosen and shown"),
    Field("start", "Start", "systematic only; empty: chosen"),
    Field("selected_ids", "Records chosen", "judgmental only"),
    Field("reason", "Reason for the choice", "judgmental only"),
)


class SampleEntry:
    """Draw samples on the item and record the result of each selected record."""

    def __init__(self, ctx: ItemContext):
        self._ctx = ctx
        self._form = DraftForm(lambda: ctx.audits.drafts, ctx.key("sample"), FIELDS)
        saved = ctx.audits.drafts.get(ctx.key("sample"))
        self._method = choices(METHODS, saved.get("method", "random"), self._method_changed, across=True)
        for box in self._form.fields.values():
            # Half-width fields: a refusal such as "the sample size must be between 1 and the population
            # size (10), not 20" wraps under its field instead of being cut off after one line.
            box.error_max_lines = ERROR_LINES
        self._list = ft.Column(spacing=12)
        self._error = error_text()
        draw = named("draw-sample", ft.FilledButton("Draw sample", on_click=self._draw, height=TOUCH))
        self.control = section(
            "Samples and sampled records",
            self._list,
            self._error,
            ft.Text("New sample", size=16, weight=ft.FontWeight.BOLD),
            self._form["population_description"],
            self._form["population_ids"],
            ft.Row(self._form.controls("population_size", "sample_size"), wrap=True),
            ft.Text("Selection method", size=16),
            self._method,
            ft.Row(self._form.controls("seed", "start"), wrap=True),
            *self._form.controls("selected_ids", "reason"),
            self._form.error,
            draw,
        )

    def render(self, detail: ItemDetail) -> None:
        """Show each sample with how it was drawn and its records."""
        blocks: list[ft.Control] = [self._sample(view) for view in detail.samples]
        self._list.controls = blocks or lines([], "No samples yet.")

    def _sample(self, view: SampleView) -> ft.Control:
        rows: list[ft.Control] = [ft.Text(view.how, size=16, weight=ft.FontWeight.BOLD)]
        for identifier in view.sample.selected_ids:
            result = view.result_of(identifier)
            if result is not None:
                verdict = "conforms" if result.conforms else f"does not conform: {result.comment}"
                colour = ft.Colors.GREEN_800 if result.conforms else ft.Colors.RED_700
                rows.append(ft.Text(f"{identifier} {verdict}", size=16, color=colour))
            else:
                rows.append(self._pending(view, identifier))
        return ft.Container(
            padding=12,
            border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT),
            border_radius=8,
            content=ft.Column(rows, spacing=8),
        )

    def _pending(self, view: SampleView, identifier: str) -> ft.Control:
        ctx = self._ctx
        key = ctx.key("record", view.sample.evidence_id, identifier)
        comment = text_field(f"Comment on {identifier}", ctx.audits.drafts.get(key).get("comment", ""))
        comment.error_max_lines = ERROR_LINES
        autosave(comment, lambda value: ctx.audits.drafts.save(key, "comment", value), self._error)

        def record(conforms: bool) -> None:
            try:
                detail = ctx.audits.record_sampled(
                    ctx.audit_id,
                    ctx.item_id,
                    view.sample.evidence_id,
                    identifier=identifier,
                    record_type=view.sample.population_description,
                    conforms=conforms,
                    comment=comment.value or "",
                )
            except AuditAppError as exc:
                comment.error = str(exc).removeprefix("comment: ")
                return
            ctx.changed(detail)

        return ft.Column(
            [
                ft.Text(identifier, size=16, weight=ft.FontWeight.BOLD),
                comment,
                ft.Row(
                    [
                        ft.OutlinedButton(
                            f"{identifier} conforms", on_click=lambda _: record(True), height=TOUCH
                        ),
                        ft.OutlinedButton(
                            f"{identifier} does not conform", on_click=lambda _: record(False), height=TOUCH
                        ),
                    ],
                    wrap=True,
                ),
            ],
            spacing=6,
        )

    def _method_changed(self, _: object) -> None:
        self._ctx.audits.drafts.save(self._ctx.key("sample"), "method", self._method.value or "random")

    def _draw(self, _: object) -> None:
        ctx = self._ctx
        values = {**self._form.values(), "method": self._method.value or "random"}
        box: list[ItemDetail] = []
        show_error(self._error, None)
        if run_action(
            self._form, lambda: box.append(ctx.audits.draw_sample(ctx.audit_id, ctx.item_id, values))
        ):
            self._method.value = "random"
            ctx.changed(box[0])
