"""Triage inbox: findings from the field with filters, sort and paging; bulk "duplicate of"."""

from __future__ import annotations

from typing import Any

import flet as ft

from auditapp.services.quality import inbox, triage
from auditapp.services.quality.finding_view import NOT_RECEIVED
from auditapp.services.quality.inbox import FindingRow, InboxFilters, InboxPage
from auditapp.services.quality.labels import GRADE_LABEL, SORT_LABEL, STATUS_LABEL, counted
from auditapp.ui.quality.context import Ctx, Screen
from auditapp.ui.quality.theme import (
    GRADE_COLOUR,
    error_text,
    heading,
    muted,
    named,
    refreshes,
    show_error,
    tag,
)

ANY = "any"


def options(table: dict[str, str], any_label: str | None = None) -> list[ft.DropdownOption]:
    """Dropdown options from a label table, with an "any" choice first when asked."""
    head = [ft.DropdownOption(key=ANY, text=any_label)] if any_label else []
    return head + [ft.DropdownOption(key=k, text=v) for k, v in table.items()]


def _value(dropdown: ft.Dropdown) -> str:
    return "" if dropdown.value in (None, ANY) else str(dropdown.value)


def _thumbnail(data: bytes | None) -> ft.Control:
    """A photo's thumbnail, or a marked box in its place while the photo has not reached the store."""
    if data is not None:
        return ft.Image(
            src=data, width=46, height=46, fit=ft.BoxFit.COVER, border_radius=4, semantics_label="photo"
        )
    return named(
        "thumbnail-missing",
        ft.Container(
            ft.Icon(ft.Icons.HOURGLASS_EMPTY, size=20, color=ft.Colors.ON_SURFACE_VARIANT),
            width=46,
            height=46,
            alignment=ft.Alignment.CENTER,
            border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT),
            border_radius=4,
            tooltip=NOT_RECEIVED,
        ),
    )


class InboxScreen(Screen):
    """New findings first; every filter the store offers."""

    title = "Triage inbox"

    def __init__(self, ctx: Ctx, **args: Any):
        super().__init__(ctx, **args)
        self.status = ft.Dropdown(
            label="Status", options=options(STATUS_LABEL, "Any status"), value="new", width=170
        )
        self.grade = ft.Dropdown(
            label="Grade", options=options(GRADE_LABEL, "Any grade"), value=ANY, width=250
        )
        self.clause = ft.TextField(label="Clause", width=110)
        self.process = ft.TextField(label="Process", width=190)
        self.site = ft.TextField(label="Site", width=190)
        self.older = ft.TextField(label="Older than (days)", width=150)
        self.repeat = ft.Checkbox(label="Repeats only")
        self.sort = ft.Dropdown(label="Sort", options=options(SORT_LABEL), value="newest", width=170)
        self.filter_error = error_text()
        self.rows = ft.Column(spacing=6)
        self.pager = ft.Row()
        self.selected: dict[str, FindingRow] = {}
        self.bulk = ft.Row(visible=False)
        self.applied: InboxFilters | None = None
        """The filters of the list shown (last applied): paging follows these, not the bar's live values."""
        self.cursors: list[str | None] = [None]
        """Cursor of each page up to the one shown, pushed only once its page has loaded."""
        self.page_rows: list[FindingRow] = []
        self.thumbs: dict[str, ft.Row] = {}
        apply = named(
            "apply-filters", ft.FilledButton("Apply filters", icon=ft.Icons.FILTER_ALT, on_click=self._apply)
        )
        self.control = ft.Column(
            [
                heading("Triage inbox"),
                ft.Row(
                    [
                        named("filter-status", self.status),
                        named("filter-grade", self.grade),
                        self.clause,
                        self.process,
                        self.site,
                        self.older,
                        self.repeat,
                        named("filter-sort", self.sort),
                        apply,
                    ],
                    wrap=True,
                    spacing=8,
                ),
                self.filter_error,
                self.bulk,
                self.rows,
                self.pager,
            ],
            scroll=ft.ScrollMode.AUTO,
            expand=True,
            spacing=10,
        )

    def filters(self) -> InboxFilters:
        """The filters as entered."""
        return InboxFilters(
            status=_value(self.status),
            grade=_value(self.grade),
            clause=self.clause.value or "",
            process=self.process.value or "",
            site=self.site.value or "",
            older_than_days=self.older.value or "",
            repeat_only=bool(self.repeat.value),
            sort=_value(self.sort) or "newest",
        )

    async def load(self) -> None:
        """The first page of the filters as entered, nothing selected; these become the applied filters.

        When the store refuses (a filter it cannot take, or it cannot be reached) the list shown and its
        paging stay as they were."""
        filters = self.filters()
        page = await self._fetch(filters, None)
        if page is None:
            return
        self.applied, self.cursors = filters, [None]
        self.selected.clear()
        self._show(page)

    async def reload(self) -> None:
        """The page shown, read again (a browser reload): what was selected on it stays selected."""
        await self._show_page()

    async def _show_page(self) -> None:
        """The page shown, read again with the applied filters."""
        if self.applied is None:
            await self.load()
            return
        page = await self._fetch(self.applied, self.cursors[-1])
        if page is not None:
            self._show(page)

    async def _fetch(self, filters: InboxFilters, cursor: str | None) -> InboxPage | None:
        return await self.ctx.runner.run(
            lambda api: inbox.load_page(api, filters, cursor),
            doing="Loading findings",
            error=self.filter_error,
        )

    def _show(self, page: InboxPage) -> None:
        self._render(page)
        if any(True for _ in page.rows):
            self.ctx.page.run_task(self._load_thumbnails, list(page.rows))

    def _render(self, page: InboxPage) -> None:
        self.page_rows = page.rows
        self.selected = {r.finding_id: r for r in page.rows if r.finding_id in self.selected}
        self._render_bulk()
        if not page.rows:
            self.rows.controls = [
                muted(
                    "No findings have been synced yet."
                    if self._unfiltered()
                    else "No finding matches these filters.",
                    15,
                )
            ]
        else:
            self.rows.controls = [self._row(r) for r in page.rows]
        number = len(self.cursors)
        self.pager.controls = [
            ft.OutlinedButton("Previous page", on_click=self._previous, disabled=number == 1),
            muted(f"Page {number} · {counted(len(page.rows), 'finding')}"),
            ft.OutlinedButton(
                "Next page", on_click=self._next(page.next_cursor), disabled=page.next_cursor is None
            ),
        ]
        if self.applied is not None and self.filters() != self.applied:
            self.pager.controls.append(
                named(
                    "filters-not-applied",
                    muted("Filters changed but not applied: these pages follow the filters last applied."),
                )
            )

    def _unfiltered(self) -> bool:
        return (self.applied or InboxFilters()).query() == {"status": "new", "sort": "newest"}

    def _row(self, row: FindingRow) -> ft.Control:
        thumbs = ft.Row(spacing=4, width=150)
        self.thumbs[row.finding_id] = thumbs
        marks: list[ft.Control] = [tag(row.grade_label, GRADE_COLOUR.get(row.grade, ft.Colors.BLUE_GREY_600))]
        if row.repeat:
            marks.append(tag("Repeat", ft.Colors.PURPLE_700))
        if row.conflicts:
            marks.append(tag("Conflicting edits", ft.Colors.RED_900))
        if row.status != "new":
            marks.append(tag(row.status_label))
        lead: list[ft.Control] = []
        if self.ctx.can.triage:
            lead.append(
                ft.Checkbox(
                    value=row.finding_id in self.selected,
                    on_change=self._toggle(row),
                    tooltip="Select for a bulk action",
                )
            )
        return named(
            f"finding-{row.finding_id}",
            ft.Container(
                padding=10,
                border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT),
                border_radius=8,
                content=ft.Row(
                    [
                        *lead,
                        thumbs,
                        ft.Column(
                            [
                                ft.Row(marks, spacing=6, wrap=True),
                                ft.TextButton(
                                    row.short_statement or "(no statement)",
                                    on_click=self._open(row),
                                    tooltip="Open the finding with its evidence",
                                ),
                                muted(row.where),
                            ],
                            spacing=2,
                            expand=True,
                        ),
                    ],
                    vertical_alignment=ft.CrossAxisAlignment.CENTER,
                ),
            ),
        )

    async def _load_thumbnails(self, rows: list[FindingRow]) -> None:
        images = await self.ctx.runner.run(
            lambda api: inbox.thumbnails(api, rows), doing="Loading photo thumbnails"
        )
        for finding_id, pictures in (images or {}).items():
            box = self.thumbs.get(finding_id)
            if box is not None:
                box.controls = [_thumbnail(data) for data in pictures]
        self.ctx.page.update()

    def _open(self, row: FindingRow) -> Any:
        @refreshes
        async def go(_: object) -> None:
            await self.ctx.go("finding", finding_id=row.finding_id)

        return go

    def _toggle(self, row: FindingRow) -> Any:
        def changed(event: ft.Event[ft.Checkbox]) -> None:
            if event.control.value:
                self.selected[row.finding_id] = row
            else:
                self.selected.pop(row.finding_id, None)
            self._render_bulk()

        return changed

    def _render_bulk(self) -> None:
        count = len(self.selected)
        self.bulk.visible = count > 0
        self.bulk.controls = [
            ft.Text(f"{count} selected"),
            named(
                "bulk-duplicates",
                ft.FilledTonalButton("Mark as duplicates…", on_click=self._ask_original, disabled=count < 2),
            ),
        ]

    def _ask_original(self, _: object) -> None:
        chosen = list(self.selected.values())
        group = ft.RadioGroup(
            content=ft.Column(
                [ft.Radio(value=r.finding_id, label=f"{r.clause} · {r.short_statement}") for r in chosen]
            )
        )
        problem = error_text()

        @refreshes
        async def mark(_: object) -> None:
            original = group.value or ""
            ids = [r.finding_id for r in chosen]
            done = await self.ctx.runner.run(
                lambda api: triage.mark_duplicates(api, original, ids),
                doing="Marking duplicates",
                error=problem,
            )
            if done is None:
                return
            self.ctx.page.pop_dialog()
            self.ctx.toast(f"{counted(len(done.statuses), 'finding')} marked as duplicates.")
            self.selected.clear()
            await self._show_page()

        self.ctx.page.show_dialog(
            ft.AlertDialog(
                modal=True,
                title=ft.Text("Which finding is the original?"),
                content=named(
                    "choose-original",
                    ft.Column(
                        [muted("The others become its duplicates and follow its triage."), group, problem],
                        tight=True,
                        width=560,
                    ),
                ),
                actions=[
                    ft.TextButton("Cancel", on_click=lambda _: self.ctx.page.pop_dialog()),
                    ft.FilledButton("Mark duplicates", on_click=mark),
                ],
            )
        )

    @refreshes
    async def _apply(self, _: object) -> None:
        show_error(self.filter_error, None)
        await self.load()

    @refreshes
    async def _previous(self, _: object) -> None:
        if len(self.cursors) < 2 or self.applied is None:
            return
        page = await self._fetch(self.applied, self.cursors[-2])
        if page is not None:  # a failed step leaves the page shown, and its number, as they were
            self.cursors.pop()
            self._show(page)

    def _next(self, cursor: str | None) -> Any:
        @refreshes
        async def go(_: object) -> None:
            if not cursor or self.applied is None:
                return
            page = await self._fetch(self.applied, cursor)
            if page is not None:  # the cursor belongs to the applied filters' list: pushed once it loaded
                self.cursors.append(cursor)
                self._show(page)

        return go
