"""Triage inbox: findings that arrived from the field, waiting for a decision."""

from __future__ import annotations

from typing import Any

import flet as ft

from auditapp.ui.quality.context import Ctx, Screen
from auditapp.ui.quality.theme import heading, muted


class InboxScreen(Screen):
    """New findings, newest first."""

    title = "Triage inbox"

    def __init__(self, ctx: Ctx, **args: Any):
        super().__init__(ctx, **args)
        self.list = ft.Column(scroll=ft.ScrollMode.AUTO, expand=True)
        self.control = ft.Column([heading("Triage inbox"), self.list], expand=True)

    async def load(self) -> None:
        """Fetch the first page."""
        page = await self.ctx.runner.run(
            lambda api: api.findings({"status": "new"}), doing="Loading findings"
        )
        if page is None:
            return
        if not page.items:
            self.list.controls = [muted("No findings have been synced yet.", 15)]
            return
        self.list.controls = [ft.Text(f"{f['clause']} {f['statement']}") for f in page.items]
