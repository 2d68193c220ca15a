"""Sync bar: where the captured data is, in plain words, and a button to send it now."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from auditapp.services.field_views import SyncView
from auditapp.ui.field.theme import named


class SyncBar:
    """A strip at the bottom of every screen; capture never waits for it."""

    def __init__(self, read: Callable[[], SyncView], sync_now: Callable[[], SyncView]):
        self._read = read
        self._sync_now = sync_now
        self._line = ft.Text("", size=14, expand=True)
        self._icon = ft.Icon(ft.Icons.CLOUD_OFF)
        self.control = ft.Container(
            padding=ft.Padding.symmetric(horizontal=16, vertical=8),
            bgcolor=ft.Colors.SURFACE_CONTAINER_HIGH,
            content=ft.Row(
                [
                    self._icon,
                    named("sync-status", self._line),
                    named("sync-now", ft.TextButton("Sync now", on_click=self._clicked)),
                ]
            ),
        )
        self.render(read())

    def render(self, view: SyncView) -> None:
        """Show a sync state."""
        self._line.value = view.headline
        if not view.configured:
            self._icon.icon = ft.Icons.CLOUD_OFF
        elif view.last_error:
            self._icon.icon = ft.Icons.SYNC_PROBLEM
        elif view.waiting_events:
            self._icon.icon = ft.Icons.CLOUD_UPLOAD
        else:
            self._icon.icon = ft.Icons.CLOUD_DONE

    def refresh(self) -> None:
        """Re-read the state (from a timer)."""
        self.render(self._read())

    def _clicked(self, _: object) -> None:
        self.render(self._sync_now())
