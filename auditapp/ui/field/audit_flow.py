"""The audit screens as the app's router builds them: list, plan form, walkthrough, item, paper vs practice,
follow-up. Each has its own route (see AUDIT_ROUTES), so a reloaded page opens the same screen again.

The open walkthrough is kept while an item is visited, so its search, filter and group are as they were
when the auditor comes back.
"""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from auditapp.services.field_audits import FieldAudits
from auditapp.ui.field.audits import audits_screen
from auditapp.ui.field.followup import FollowUpScreen
from auditapp.ui.field.item_context import ItemContext
from auditapp.ui.field.item_detail import ItemScreen
from auditapp.ui.field.paper_practice import paper_practice_screen
from auditapp.ui.field.plan_form import PlanScreen
from auditapp.ui.field.walkthrough import WalkthroughNav, WalkthroughScreen

AUDIT_ROUTES: tuple[tuple[str, str], ...] = (
    # (route pattern, AuditScreens method that builds it)
    ("/audits/new", "new_audit"),
    ("/audits/{audit_id}", "walkthrough"),
    ("/audits/{audit_id}/items/{item_id}", "item"),
    ("/audits/{audit_id}/plan", "plan"),
    ("/audits/{audit_id}/practice", "practice"),
    ("/audits/{audit_id}/follow-up", "follow_up"),
)


def audit_route(audit_id: str, *rest: str) -> str:
    """The route of an audit's screen, e.g. audit_route(a, 'items', item_id)."""
    return "/".join(("/audits", audit_id, *rest))


class AuditScreens:
    """Builds the audit screens of one browser session; `go(route)` is the app's navigation."""

    def __init__(self, page: ft.Page, audits: FieldAudits, go: Callable[[str], None]):
        self.page = page
        self.audits = audits
        self._go = go
        self._walkthrough: WalkthroughScreen | None = None
        self._picker: ft.FilePicker | None = None

    def build(self, name: str, params: dict[str, str]) -> ft.Control:
        """The screen a route of AUDIT_ROUTES names, or the audit list for 'audit_list'."""
        builder: Callable[[dict[str, str]], ft.Control] = getattr(self, name)
        return builder(params)

    def audit_list(self, _: dict[str, str]) -> ft.Control:
        """Every audit with its progress, and 'New audit'."""
        return audits_screen(
            self.audits.audits(),
            lambda audit_id: self._go(audit_route(audit_id)),
            lambda: self._go("/audits/new"),
        )

    def new_audit(self, _: dict[str, str]) -> ft.Control:
        """The plan form of a new audit, with what was typed before."""
        return PlanScreen(
            self.audits, None, lambda audit_id: self._go(audit_route(audit_id)), lambda: self._go("/")
        ).control

    def walkthrough(self, params: dict[str, str]) -> ft.Control:
        """The walkthrough, as it was left when coming back from one of its screens."""
        audit_id = params["audit_id"]
        screen = self._walkthrough
        if screen is not None and screen.model.audit_id == audit_id:
            screen.refresh()
            return screen.control
        nav = WalkthroughNav(
            back=lambda: self._go("/"),
            item=lambda item_id: self._go(audit_route(audit_id, "items", item_id)),
            plan=lambda: self._go(audit_route(audit_id, "plan")),
            practice=lambda: self._go(audit_route(audit_id, "practice")),
            follow_up=lambda: self._go(audit_route(audit_id, "follow-up")),
        )
        self._walkthrough = WalkthroughScreen(self.audits, audit_id, nav)
        return self._walkthrough.control

    def item(self, params: dict[str, str]) -> ft.Control:
        """One item with its evidence."""
        audit_id = params["audit_id"]
        ctx = ItemContext(
            self.audits,
            audit_id,
            params["item_id"],
            self._file_picker,
            changed=lambda _: None,
            open_follow_up=lambda: self._go(audit_route(audit_id, "follow-up")),
        )
        return ItemScreen(ctx, lambda: self._go(audit_route(audit_id))).control

    def plan(self, params: dict[str, str]) -> ft.Control:
        """The plan of an audit and its meeting notes."""
        audit_id = params["audit_id"]

        def back() -> None:
            self._go(audit_route(audit_id))

        return PlanScreen(self.audits, audit_id, lambda _: back(), back).control

    def practice(self, params: dict[str, str]) -> ft.Control:
        """Paper vs practice per clause."""
        audit_id = params["audit_id"]
        title = self.audits.plan_form(audit_id).title
        rows = self.audits.paper_practice(audit_id)
        return paper_practice_screen(rows, title, lambda: self._go(audit_route(audit_id)))

    def follow_up(self, params: dict[str, str]) -> ft.Control:
        """Follow-up work pulled for the audit's site."""
        audit_id = params["audit_id"]
        return FollowUpScreen(
            self.audits,
            audit_id,
            lambda: self._go(audit_route(audit_id)),
            lambda item_id: self._go(audit_route(audit_id, "items", item_id)),
        ).control

    def _file_picker(self) -> ft.FilePicker:
        if self._picker is None:
            self._picker = ft.FilePicker()
            self.page.services.append(self._picker)
        return self._picker
