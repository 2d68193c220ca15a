"""Sync panel: online or offline, what waits to be sent, progress while sending, last sync, problems.

It sits under every screen of an unlocked workspace. Sending runs off the event loop (and the background
agent sends on its own), so capture never waits for the network.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import flet as ft

from auditapp.domain.errors import AuditAppError
from auditapp.services.sync_panel import SyncPanel, Tone, sync_panel
from auditapp.ui.field.theme import TOUCH, named

if TYPE_CHECKING:
    from auditapp.ui.field.app import FieldApp

ICONS: dict[Tone, tuple[ft.IconData, str]] = {
    "offline_only": (ft.Icons.CLOUD_OFF, ft.Colors.BLUE_GREY_600),
    "synced": (ft.Icons.CLOUD_DONE, ft.Colors.GREEN_700),
    "waiting": (ft.Icons.CLOUD_UPLOAD, ft.Colors.AMBER_800),
    "problem": (ft.Icons.SYNC_PROBLEM, ft.Colors.RED_700),
}


class SyncPanelView:
    """The panel's controls; `refresh()` re-reads the workspace's sync state."""

    def __init__(self, app: FieldApp):
        self._app = app
        self._sending = False
        self._sending_from = 0
        self._progress = ft.ProgressBar(value=None, visible=False, bar_height=6)
        self._icon = ft.Icon(ft.Icons.CLOUD_OFF, size=32)
        self._connection = ft.Text("", size=16, weight=ft.FontWeight.BOLD)
        self._waiting = ft.Text("", size=16)
        self._last = ft.Text("", size=14)
        self._problem = ft.Text("", size=14, color=ft.Colors.RED_700, visible=False)
        self._notice = ft.Text("", size=14, color=ft.Colors.AMBER_900, visible=False)
        self._button = ft.FilledTonalButton(
            "Sync now", icon=ft.Icons.SYNC, on_click=self._clicked, height=TOUCH
        )
        lines = ft.Column(
            [
                ft.Row([self._connection, named("sync-status", self._waiting)], wrap=True, spacing=12),
                named("sync-last", self._last),
                named("sync-problem", self._problem),
                named("sync-notice", self._notice),
            ],
            spacing=2,
            expand=True,
        )
        self.control = ft.Container(
            ft.Column(
                [
                    named("sync-progress", self._progress),
                    ft.Row(
                        [self._icon, lines, named("sync-now", self._button)],
                        vertical_alignment=ft.CrossAxisAlignment.CENTER,
                        spacing=12,
                    ),
                ],
                spacing=6,
                tight=True,
            ),
            padding=ft.Padding.symmetric(horizontal=16, vertical=8),
            bgcolor=ft.Colors.SURFACE_CONTAINER_HIGH,
            visible=False,
        )

    def refresh(self) -> None:
        """Re-read the sync state soon, off the event loop (the agent may be busy talking to the store)."""
        if self._app.workspaces.current is None or not self._app.workspace.unlocked:
            return
        self._app.page.run_task(self.poll)

    async def poll(self) -> None:
        """Read the current workspace's sync state in a worker thread and show it."""
        workspace = self._app.workspace
        if not workspace.unlocked:
            return
        try:
            view = await asyncio.to_thread(workspace.sync_view)
        except AuditAppError:  # locked meanwhile
            return
        self.render(sync_panel(view, sending=self._sending))
        self.control.update()

    def render(self, panel: SyncPanel) -> None:
        """Show a panel state."""
        icon, colour = ICONS[panel.tone]
        self._icon.icon, self._icon.color = icon, colour
        self._connection.value = panel.connection
        self._waiting.value = panel.waiting
        self._last.value = panel.last_sync
        self._problem.value = panel.problem or ""
        self._problem.visible = bool(panel.problem)
        self._notice.value = panel.notice or ""
        self._notice.visible = bool(panel.notice)
        self._progress.visible = panel.sending
        start = self._sending_from
        if panel.progress is None and panel.sending and start:
            self._progress.value = max(0.0, min(1.0, 1 - panel.events_waiting / start))
        else:
            self._progress.value = panel.progress
        self._button.disabled = panel.tone == "offline_only" or panel.sending

    async def _clicked(self, _: object) -> None:
        workspace = self._app.workspace
        self._sending = True
        self._sending_from = (await asyncio.to_thread(workspace.sync_view)).waiting_events
        await self.poll()
        try:
            await asyncio.to_thread(workspace.sync_now)
        finally:
            self._sending = False
            await self.poll()  # it updates by hand, so Flet does not update after this handler
