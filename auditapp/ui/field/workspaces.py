"""Workspaces screen: every client's workspace, switching between them, and a new one.

Switching is explicit: the open workspace is locked first, and the next one asks for its own passphrase.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import flet as ft

from auditapp.domain.errors import AuditAppError
from auditapp.services.workspaces import WorkspaceEntry
from auditapp.ui.field.recovery import KEY_ROUTE
from auditapp.ui.field.setup import WorkspaceForm
from auditapp.ui.field.theme import (
    autosave,
    body_text,
    error_text,
    form,
    named,
    primary,
    secondary,
    text_field,
    title,
)

if TYPE_CHECKING:
    from auditapp.ui.field.app import FieldApp

CARD_COLUMNS: dict[str | ft.ResponsiveRowBreakpoint, int | float] = {"xs": 12, "lg": 6, "xxl": 4}


def workspaces_screen(app: FieldApp, _: dict[str, str]) -> ft.Control:
    """The list: one card per workspace, the current one first, and a button for a new one."""
    current = app.workspaces.current
    entries = sorted(app.workspaces.entries(), key=lambda e: current is None or e != current)
    return ft.Column(
        [
            title("Workspaces"),
            body_text(
                "Each workspace keeps one client's audits, encrypted with its own passphrase and synced with "
                "its own central store (or none). Switching locks the open workspace."
            ),
            named(
                "new-workspace",
                primary("New workspace", lambda _: app.go("/workspaces/new"), icon=ft.Icons.ADD),
            ),
            ft.ResponsiveRow(
                [_card(app, entry, entry == current) for entry in entries], spacing=16, run_spacing=16
            ),
        ],
        spacing=20,
        scroll=ft.ScrollMode.AUTO,
        expand=True,
    )


def _card(app: FieldApp, entry: WorkspaceEntry, is_current: bool) -> ft.Control:
    workspace = app.workspace if is_current else None
    if workspace is not None and workspace.unlocked:
        state = "Open now"
    elif workspace is not None and workspace.needs_setup():
        state = "Not set up yet"
    else:
        state = "Locked"
    store = f"Central store: {entry.server_url}" if entry.server_url else "Offline only (no central store)"
    lines: list[ft.Control] = [
        ft.Text(entry.name, size=20, weight=ft.FontWeight.BOLD),
        body_text(f"{state} · {store}"),
    ]
    if is_current and state == "Open now":
        error = error_text()
        name = text_field("Name of this workspace", entry.name)

        def rename(value: str) -> None:
            app.workspaces.rename(entry.workspace_id, value)
            app.refresh_bar()

        lines += [autosave(name, rename, error), error]
    if not is_current:

        async def switch(_: object) -> None:
            # Locking the open workspace stops its sync agent, which may wait for a round in flight.
            await asyncio.to_thread(app.workspaces.switch, entry.workspace_id)
            app.go("/")

        lines.append(primary(f"Switch to {entry.name}", switch, icon=ft.Icons.SWAP_HORIZ))
    elif state != "Open now":
        lines.append(primary(f"Open {entry.name}", lambda _: app.go("/"), icon=ft.Icons.LOCK_OPEN))
    return ft.Container(
        named(
            f"workspace-{entry.workspace_id}", ft.Card(ft.Container(ft.Column(lines, spacing=12), padding=16))
        ),
        col=CARD_COLUMNS,
    )


def new_workspace_screen(app: FieldApp, _: dict[str, str]) -> ft.Control:
    """A new workspace: name, optional central store, its own passphrase; it opens once created."""
    fields = WorkspaceForm.build()

    async def create(_: object) -> None:
        try:
            await asyncio.to_thread(app.workspaces.create, *fields.values())
        except AuditAppError as exc:
            fields.show(exc)
            return
        app.go(KEY_ROUTE)  # the recovery key is made and shown once, right after setup

    fields.confirm.on_submit = create
    return form(
        [
            title("New workspace"),
            body_text(
                "The new workspace gets its own encrypted store and passphrase; nothing from the other "
                "workspaces can be seen from it. The workspace open now is locked when the new one opens."
            ),
            *fields.controls(),
            ft.Row(
                [
                    named("create-workspace", primary("Create workspace", create, icon=ft.Icons.CHECK)),
                    secondary("Cancel", lambda _: app.go("/workspaces")),
                ],
                wrap=True,
                spacing=12,
            ),
        ]
    )
