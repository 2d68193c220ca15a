"""Dialogs the screens share: confirming a change that cannot be undone."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import flet as ft

from auditapp.ui.quality.theme import named, refreshes


def confirm(
    page: ft.Page,
    title: str,
    text: str,
    action: str,
    on_yes: Callable[[], Awaitable[None]],
    identifier: str = "confirm",
) -> None:
    """Ask before doing something that cannot be undone; `on_yes` runs after the dialog closes."""

    @refreshes
    async def yes(_: object) -> None:
        page.pop_dialog()
        await on_yes()

    def no(_: object) -> None:
        page.pop_dialog()

    page.show_dialog(
        ft.AlertDialog(
            modal=True,
            title=ft.Text(title),
            content=named(identifier, ft.Text(text, width=440)),
            actions=[
                ft.TextButton("Keep it", on_click=no),
                ft.FilledButton(action, on_click=yes, bgcolor=ft.Colors.RED_700),
            ],
        )
    )
