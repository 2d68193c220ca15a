"""Evidence entry on an item: notes, interviews, documents reviewed and photos, each form saved as typed."""

from __future__ import annotations

import flet as ft

from auditapp.domain.errors import AuditAppError
from auditapp.services.item_detail import ItemDetail
from auditapp.ui.field.draft_form import DraftForm, Field, run_action
from auditapp.ui.field.item_context import ItemContext
from auditapp.ui.field.screen_parts import lines, section
from auditapp.ui.field.theme import TOUCH, named, show_error

ERROR_LINES = 4  # an error under a field wraps onto this many lines before it is cut off


class NotesEntry:
    """Free-text notes on the item (append-only)."""

    def __init__(self, ctx: ItemContext):
        self._ctx = ctx
        self._form = DraftForm(lambda: ctx.audits.drafts, ctx.key("note"), [Field("note", "Note", lines=3)])
        self._list = ft.Column(spacing=6)
        add = named("add-note", ft.FilledButton("Add note", on_click=self._add, height=TOUCH))
        self.control = section("Notes", self._list, *self._form.controls(), self._form.error, add)

    def render(self, detail: ItemDetail) -> None:
        """Show the item's notes."""
        self._list.controls = lines([n.text for n in detail.notes], "No notes yet.")

    def _add(self, _: object) -> None:
        ctx, text = self._ctx, self._form.value("note")
        box: list[ItemDetail] = []
        if run_action(self._form, lambda: box.append(ctx.audits.add_note(ctx.audit_id, ctx.item_id, text))):
            ctx.changed(box[0])


class InterviewEntry:
    """Who was asked what, in which role, and what they answered."""

    def __init__(self, ctx: ItemContext):
        self._ctx = ctx
        self._form = DraftForm(
            lambda: ctx.audits.drafts,
            ctx.key("interview"),
            [
                Field("person", "Person interviewed"),
                Field("role", "Role"),
                Field("question", "Question asked", lines=2),
                Field("answer", "Answer given", lines=2),
            ],
        )
        self._list = ft.Column(spacing=6)
        add = named("add-interview", ft.FilledButton("Add interview", on_click=self._add, height=TOUCH))
        self.control = section("Interviews", self._list, *self._form.controls(), self._form.error, add)

    def render(self, detail: ItemDetail) -> None:
        """Show the item's interviews."""
        texts = [
            f"{i.person}{f' ({i.role})' if i.role else ''}: asked '{i.question}', answered '{i.answer}'"
            for i in detail.interviews
        ]
        self._list.controls = lines(texts, "No interviews yet.")

    def _add(self, _: object) -> None:
        ctx, v = self._ctx, self._form.values()
        box: list[ItemDetail] = []

        def add() -> None:
            box.append(
                ctx.audits.add_interview(
                    ctx.audit_id,
                    ctx.item_id,
                    person=v["person"],
                    role=v["role"],
                    question=v["question"],
                    answer=v["answer"],
                )
            )

        if run_action(self._form, add):
            ctx.changed(box[0])


class DocumentEntry:
    """Documents reviewed: the procedure on paper, by id and revision."""

    def __init__(self, ctx: ItemContext):
        self._ctx = ctx
        self._form = DraftForm(
            lambda: ctx.audits.drafts,
            ctx.key("document"),
            [
                Field("document_id", "Document id", "e.g. SOP-012"),
                Field("revision", "Revision", "e.g. C"),
                Field("title", "Document title"),
            ],
        )
        for box in self._form.fields.values():
            box.error_max_lines = ERROR_LINES  # a refusal wraps under its half-width field, never cut off
        self._list = ft.Column(spacing=6)
        add = named("add-document", ft.FilledButton("Add document", on_click=self._add, height=TOUCH))
        self.control = section(
            "Documents reviewed",
            self._list,
            ft.Row(self._form.controls("document_id", "revision"), wrap=True),
            self._form["title"],
            self._form.error,
            add,
        )

    def render(self, detail: ItemDetail) -> None:
        """Show the documents reviewed for the item."""
        texts = [
            f"{d.document_id} rev {d.revision}{f' - {d.title}' if d.title else ''}" for d in detail.documents
        ]
        self._list.controls = lines(texts, "No documents reviewed yet.")

    def _add(self, _: object) -> None:
        ctx, v = self._ctx, self._form.values()
        box: list[ItemDetail] = []

        def add() -> None:
            box.append(
                ctx.audits.add_document(
                    ctx.audit_id,
                    ctx.item_id,
                    document_id=v["document_id"],
                    revision=v["revision"],
                    title=v["title"],
                )
            )

        if run_action(self._form, add):
            ctx.changed(box[0])


class PhotoEntry:
    """Photos from the device's files (the file picker in web mode); a bad file says what to do."""

    def __init__(self, ctx: ItemContext):
        self._ctx = ctx
        self._form = DraftForm(
            lambda: ctx.audits.drafts, ctx.key("photo"), [Field("caption", "Photo caption")]
        )
        self._list = ft.Row(wrap=True, spacing=12, run_spacing=12)
        pick = named(
            "attach-photo",
            ft.FilledButton("Attach photo", icon=ft.Icons.PHOTO_CAMERA, on_click=self._pick, height=TOUCH),
        )
        self.control = section("Photos", self._list, self._form["caption"], self._form.error, pick)

    def render(self, detail: ItemDetail) -> None:
        """Show thumbnails of the item's photos with their captions."""
        tiles: list[ft.Control] = []
        for photo in detail.photos:
            thumb = self._ctx.audits.photo_thumbnail(photo.thumbnail_sha256)
            image: ft.Control = (
                ft.Image(src=thumb.data, width=160, height=120, fit=ft.BoxFit.COVER, border_radius=8)
                if thumb.data
                else ft.Icon(ft.Icons.IMAGE_NOT_SUPPORTED, size=48)
            )
            texts = (
                [ft.Text(thumb.problem, size=14, width=160, color=ft.Colors.RED_700)] if thumb.problem else []
            )
            caption = photo.caption or "No caption"
            tiles.append(ft.Column([image, *texts, ft.Text(caption, size=14, width=160)], spacing=4))
        self._list.controls = tiles or lines([], "No photos yet.")

    async def _pick(self, _: object) -> None:
        ctx = self._ctx
        self._form.keep()
        self._form.clear_errors()
        files = await ctx.picker().pick_files(dialog_title="Choose a photo", with_data=True)
        if not files:
            return
        chosen = files[0]
        try:
            detail = ctx.audits.add_photo(
                ctx.audit_id, ctx.item_id, chosen.bytes or b"", chosen.name, self._form.value("caption")
            )
        except AuditAppError as exc:
            show_error(self._form.error, exc.for_screen)
            return
        self._form.submitted()
        ctx.changed(detail)
