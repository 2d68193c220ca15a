"""Walkthrough: the items of one audit, navigated by clause tree or MDSAP process, answered with one tap.

Only one slice of the checklist is on screen at a time (a clause or process group, a search, a filter;
at most PAGE rows until "Show more"), and an item's evidence and forms live on its own screen, so
opening a 167-item audit builds a few dozen cards, not 167 detail panels.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

import flet as ft

from auditapp.domain.errors import AuditAppError
from auditapp.services.field_audits import FieldAudits
from auditapp.services.navigation import GroupBy, ItemFilter, ItemRow, WalkthroughModel
from auditapp.ui.field.choices import choices, layout
from auditapp.ui.field.screen_parts import back_button
from auditapp.ui.field.theme import ANSWER_COLOUR, ANSWER_LABEL, ANSWERS, TOUCH, error_text, named, show_error

PAGE = 40
SEARCH_PAUSE_S = 0.3
ALL = "__all__"
VIEWS = (("clause", "Clause tree"), ("process", "Process"))
Columns = dict[str | ft.ResponsiveRowBreakpoint, int | float]
HALF_WHEN_WIDE: Columns = {"xs": 12, "lg": 6}
SEARCH_WHEN_WIDE: Columns = {"xs": 12, "md": 5}
GROUPS_WHEN_WIDE: Columns = {"xs": 12, "md": 7}


@dataclass(frozen=True)
class WalkthroughNav:
    """Where the walkthrough's buttons lead."""

    back: Callable[[], None]
    item: Callable[[str], None]
    plan: Callable[[], None]
    practice: Callable[[], None]
    follow_up: Callable[[], None]


class WalkthroughScreen:
    """One open audit; answering an item re-renders only its card and the progress."""

    def __init__(self, audits: FieldAudits, audit_id: str, nav: WalkthroughNav):
        self._audits = audits
        self._audit_id = audit_id
        self._nav = nav
        self.model: WalkthroughModel = audits.walkthrough(audit_id)
        self._by = GroupBy.CLAUSE
        self._group: str | None = self._first_group()
        self._show = ItemFilter.ALL
        self._query = ""
        self._limit = PAGE
        self._typed = 0
        self._cards: dict[str, ft.Container] = {}
        self._progress = ft.Text(size=16)
        self._title = ft.Text(size=24, weight=ft.FontWeight.BOLD, expand=True)
        self._site = ft.Text(size=16)
        self._bar = ft.ProgressBar(value=0, height=8)
        self._error = error_text()
        self._search = ft.TextField(
            label="Search items",
            prefix_icon=ft.Icons.SEARCH,
            on_change=self._searching,
            on_submit=self._searched,
        )
        self._by_choice = choices(VIEWS, self._by.value, self._by_changed, across=True)
        self._groups = ft.Dropdown(
            label="Clause",
            expand=True,
            on_select=self._group_changed,
            text_size=18,
            content_padding=ft.Padding.symmetric(horizontal=16, vertical=20),  # TOUCH high, as a text field
        )
        # Flutter's dropdown is a button that does not take its label as its name: the Semantics label does.
        self._groups_named = ft.Semantics(label="Clause", content=self._groups, expand=True)
        self._filters = choices(self._filter_options(), self._show.value, self._filter_changed, across=True)
        self._list = ft.ListView(spacing=12, expand=True)
        self._follow = ft.OutlinedButton(on_click=lambda _: nav.follow_up(), height=TOUCH)
        self.control = ft.Column(
            [
                # Side by side where the screen is wide (a tablet held landscape), stacked where it is
                # narrow, so the first screen still shows items when it is short.
                ft.ResponsiveRow(
                    [
                        ft.Column(
                            [
                                ft.Row(
                                    [
                                        back_button("All audits", nav.back),
                                        self._title,
                                    ]
                                ),
                                ft.Row(
                                    [
                                        self._site,
                                        named("progress", self._progress),
                                    ],
                                    wrap=True,
                                    spacing=16,
                                ),
                            ],
                            spacing=4,
                            col=HALF_WHEN_WIDE,
                        ),
                        ft.Row(
                            [
                                ft.OutlinedButton(
                                    "Plan and meetings", on_click=lambda _: nav.plan(), height=TOUCH
                                ),
                                ft.OutlinedButton(
                                    "Paper vs practice", on_click=lambda _: nav.practice(), height=TOUCH
                                ),
                                self._follow,
                            ],
                            wrap=True,
                            alignment=ft.MainAxisAlignment.END,
                            col=HALF_WHEN_WIDE,
                        ),
                    ],
                    vertical_alignment=ft.CrossAxisAlignment.CENTER,
                    run_spacing=8,
                ),
                self._bar,
                ft.ResponsiveRow(
                    [
                        ft.Container(self._search, col=SEARCH_WHEN_WIDE),
                        ft.Container(self._groups_named, col=GROUPS_WHEN_WIDE),
                    ],
                    vertical_alignment=ft.CrossAxisAlignment.CENTER,
                    run_spacing=8,
                ),
                ft.Row(
                    [
                        ft.Row(
                            [ft.Text("Navigate by", size=16), self._by_choice],
                            tight=True,
                            vertical_alignment=ft.CrossAxisAlignment.CENTER,
                        ),
                        self._filters,
                    ],
                    wrap=True,
                    spacing=40,
                    vertical_alignment=ft.CrossAxisAlignment.CENTER,
                ),
                self._error,
                self._list,
            ],
            expand=True,
            spacing=8,
        )
        self._render_groups()
        self._render()

    # ------------------------------------------------------------------ rendering
    def _first_group(self) -> str | None:
        tops = [g for g in self.model.groups(self._by) if g.depth == 0]
        return tops[0].key if tops else None

    def _render_groups(self) -> None:
        groups = self.model.groups(self._by)
        everything = "All clauses" if self._by is GroupBy.CLAUSE else "All processes"
        self._groups.label = self._groups_named.label = "Clause" if self._by is GroupBy.CLAUSE else "Process"
        self._groups.options = [
            ft.DropdownOption(key=ALL, text=f"{everything} ({self.model.answered}/{self.model.total})")
        ]
        self._groups.options += [
            ft.DropdownOption(
                key=g.key,
                text=("  " * g.depth) + g.label + (f" - {g.findings} finding(s)" if g.findings else ""),
            )
            for g in groups
        ]
        self._groups.value = self._group or ALL
        m = self.model
        # The heading follows the plan: its title and site can be edited while the walkthrough is kept.
        self._title.value = m.title
        self._site.value = m.site + (" · closed" if m.closed else "")
        follow = sum(1 for r in m.rows if r.follow_up)
        self._filters.content = layout(self._filter_options(), across=True)
        self._follow.content = f"Follow-up work ({follow} items)" if follow else "Follow-up work"
        self._progress.value = m.progress_text
        self._bar.value = m.answered / m.total if m.total else 0

    def _filter_options(self) -> list[tuple[str, str]]:
        m = self.model
        follow = sum(1 for r in m.rows if r.follow_up)
        return [
            ("all", "All items"),
            ("unanswered", f"Unanswered ({m.unanswered})"),
            ("findings", f"With findings ({m.with_findings})"),
            ("follow_up", f"Follow-up ({follow})"),
        ]

    def _render(self) -> None:
        rows = self.model.select(by=self._by, group=self._group, query=self._query, show=self._show)
        self._cards.clear()
        controls: list[ft.Control] = []
        heading = None
        titles = {g.key: g for g in self.model.clauses}
        for row in rows[: self._limit]:
            if self._by is GroupBy.CLAUSE and row.clause != heading:
                heading = row.clause
                group = titles.get(row.clause)
                label = group.label if group else f"{row.clause} {row.clause_title}"
                controls.append(ft.Text(label, size=18, weight=ft.FontWeight.BOLD, color=ft.Colors.PRIMARY))
            controls.append(self._card(row))
        if not rows:
            controls.append(ft.Text("No items match: change the search or the filter.", size=16, italic=True))
        if len(rows) > self._limit:
            more = len(rows) - self._limit
            controls.append(
                ft.OutlinedButton(f"Show {min(more, PAGE)} more of {more}", on_click=self._more, height=TOUCH)
            )
        self._list.controls = controls

    def _card(self, row: ItemRow) -> ft.Control:
        card = ft.Container(padding=16, border_radius=12, bgcolor=ft.Colors.SURFACE_CONTAINER_LOW)
        self._cards[row.item_id] = card
        self._fill(card, row)
        return named(f"item-{row.item_id}", card)

    def _fill(self, card: ft.Container, row: ItemRow) -> None:
        badges = []
        if row.evidence:
            badges.append(f"{row.evidence} evidence")
        if row.findings:
            badges.append(f"{row.findings} finding{'s' if row.findings > 1 else ''}")
        if row.follow_up:
            badges.append("follow-up work")
        answer = (
            ft.Text(
                f"Answer: {ANSWER_LABEL[row.answer]}",
                color=ANSWER_COLOUR[row.answer],
                size=16,
                weight=ft.FontWeight.BOLD,
            )
            if row.answer
            else ft.Text("Not answered yet", size=16, italic=True)
        )
        texts: list[ft.Control] = [
            ft.Text(f"{row.clause} {row.clause_title}", size=14, color=ft.Colors.PRIMARY),
            ft.Text(row.text, size=18),
        ]
        if badges:
            texts.append(ft.Text(" · ".join(badges), size=14, color=ft.Colors.ON_SURFACE_VARIANT))
        if row.conflict:
            texts.append(
                ft.Text(
                    "Answered differently on two tablets: tap the answer that is right to settle it",
                    size=14,
                    color=ft.Colors.ERROR,
                )
            )
        buttons = [self._answer_button(row, value, label) for value, label, _ in ANSWERS]
        buttons.append(
            ft.TextButton(
                "Open item",
                icon=ft.Icons.CHEVRON_RIGHT,
                on_click=lambda _: self._nav.item(row.item_id),
                height=TOUCH,
            )
        )
        card.content = ft.Column(
            [*texts, answer, ft.Row(buttons, wrap=True, spacing=8, run_spacing=8)], spacing=8
        )

    def _answer_button(self, row: ItemRow, value: str, label: str) -> ft.Control:
        def choose(_: object) -> None:
            try:
                updated = self._audits.answer(self._audit_id, row.item_id, value)
            except AuditAppError as exc:
                show_error(self._error, exc.for_screen)
                return
            show_error(self._error, None)
            self.model = self.model.with_row(updated)
            card = self._cards.get(row.item_id)
            if card is not None:
                self._fill(card, updated)
            self._render_groups()

        style = ft.FilledButton if row.answer == value else ft.OutlinedButton
        return style(label, on_click=choose, height=TOUCH)

    # ------------------------------------------------------------------ events
    def refresh(self) -> None:
        """Re-read the audit (after returning from an item) and redraw the current slice."""
        self.model = self._audits.walkthrough(self._audit_id)
        if self._group is not None and self._group not in {g.key for g in self.model.groups(self._by)}:
            self._group = self._first_group()  # its checklist was taken out of the plan's criteria
        self._render_groups()
        self._render()

    async def _searching(self, _: object) -> None:
        """Search once typing pauses (the page redraws after this handler)."""
        self._typed += 1
        mine = self._typed
        await asyncio.sleep(SEARCH_PAUSE_S)
        if mine == self._typed:
            self._searched(None)

    def _searched(self, _: object) -> None:
        self._query = self._search.value or ""
        if self._query.strip():
            self._group = None
        self._limit = PAGE
        self._render_groups()
        self._render()

    def _by_changed(self, _: object) -> None:
        self._by = GroupBy(self._by_choice.value or "clause")
        self._group = self._first_group() if not self._query.strip() else None
        self._limit = PAGE
        self._render_groups()
        self._render()

    def _group_changed(self, _: object) -> None:
        value = self._groups.value
        self._group = None if value in (None, ALL) else value
        self._limit = PAGE
        self._render()

    def _filter_changed(self, _: object) -> None:
        self._show = ItemFilter(self._filters.value or "all")
        if self._show is not ItemFilter.ALL:
            self._group = None  # a filter looks across the whole audit
            self._groups.value = ALL
        self._limit = PAGE
        self._render()

    def _more(self, _: object) -> None:
        self._limit += PAGE
        self._render()
