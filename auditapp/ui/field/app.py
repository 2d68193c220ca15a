"""The field app: routes between unlock, audit list and walkthrough; serves in Flet web mode."""

from __future__ import annotations

import asyncio
import os

import flet as ft

from auditapp.services.workspace import FieldWorkspace
from auditapp.services.workspaces import Workspaces
from auditapp.ui.field.audits import audits_screen
from auditapp.ui.field.syncbar import SyncBar
from auditapp.ui.field.unlock import unlock_screen
from auditapp.ui.field.walkthrough import WalkthroughScreen

SYNC_REFRESH_S = 2.0


class FieldApp:
    """One browser session of the field app over the device's workspace."""

    def __init__(self, page: ft.Page, workspace: FieldWorkspace):
        self.page = page
        self.workspace = workspace
        self.body = ft.Container(expand=True, padding=16)
        self.sync = SyncBar(workspace.sync_view, workspace.sync_now)

    def start(self) -> None:
        """Lay out the page and show the first screen."""
        self.page.title = "auditapp field"
        self.page.padding = 0
        self.page.add(
            ft.SafeArea(expand=True, content=ft.Column([self.body, self.sync.control], expand=True))
        )
        if self.workspace.unlocked:
            self.show_audits()
        else:
            self.body.content = unlock_screen(self.workspace, self.show_audits)
        self.page.run_task(self._refresh_sync)

    def show_audits(self) -> None:
        """The audit list."""
        self.body.content = audits_screen(self.workspace.audits(), self.open_audit)
        self.sync.refresh()

    def open_audit(self, audit_id: str) -> None:
        """The walkthrough of one audit."""
        view = self.workspace.walkthrough(audit_id)

        def record(item_id: str, answer: str):  # type: ignore[no-untyped-def]
            return self.workspace.record_answer(audit_id, item_id, answer)

        self.body.content = WalkthroughScreen(view, record, self.show_audits).control
        self.sync.refresh()

    async def _refresh_sync(self) -> None:
        while True:
            await asyncio.sleep(SYNC_REFRESH_S)
            if self.workspace.unlocked:
                self.sync.refresh()
                self.sync.control.update()


def serve(workspaces: Workspaces, host: str, port: int) -> None:
    """Serve the field app on host:port in web mode, every asset local (no CDN), no native window."""
    os.environ.setdefault("FLET_FORCE_WEB_SERVER", "1")
    workspaces.start_background_sync()

    def main(page: ft.Page) -> None:
        FieldApp(page, workspaces.workspace).start()

    print(f"auditapp field app on http://{host}:{port}", flush=True)
    try:
        ft.run(main, view=ft.AppView.WEB_BROWSER, host=host, port=port, no_cdn=True)
    finally:
        workspaces.close()
