"""Unlock screen: the passphrase that opens the current workspace's encrypted store."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import flet as ft

from auditapp.domain.errors import AuditAppError
from auditapp.ui.field.recovery import RECOVER_ROUTE
from auditapp.ui.field.theme import (
    body_text,
    error_text,
    form,
    named,
    primary,
    reveal,
    secondary,
    show_error,
    text_field,
    title,
)

if TYPE_CHECKING:
    from auditapp.ui.field.app import FieldApp


def unlock_screen(app: FieldApp, then: str) -> ft.Control:
    """Ask for the passphrase; once the workspace is open, show the screen of `then`.

    A wrong passphrase is explained under the field and changes nothing; what was typed stays in the field
    so that a slip can be corrected rather than typed again.
    """
    entry = app.workspaces.current
    name = entry.name if entry is not None else "this workspace"
    passphrase = text_field("Passphrase", secret=True)
    passphrase.autofocus = True
    error = error_text()

    async def submit(_: object) -> None:
        try:
            # scrypt takes a moment: off the event loop, so other sessions keep working meanwhile.
            await asyncio.to_thread(app.workspace.unlock, passphrase.value or "")
        except AuditAppError as exc:
            show_error(error, exc.for_screen)
            return
        app.render(then)

    passphrase.on_submit = submit
    others = len(app.workspaces.entries()) > 1
    return form(
        [
            title(f"Unlock {name}"),
            body_text(
                "The audits of this workspace are encrypted on this device. Enter its passphrase to open "
                "them."
            ),
            passphrase,
            ft.Row([reveal([passphrase])]),
            named("unlock-error", error),
            ft.Row(
                [
                    named("unlock", primary("Unlock", submit, icon=ft.Icons.LOCK_OPEN)),
                    named(
                        "forgot-passphrase",
                        secondary(
                            "Forgot the passphrase?", lambda _: app.go(RECOVER_ROUTE), icon=ft.Icons.KEY
                        ),
                    ),
                    secondary(
                        "Other workspace" if others else "Workspaces",
                        lambda _: app.go("/workspaces"),
                        icon=ft.Icons.FOLDER_SHARED,
                    ),
                ],
                wrap=True,
                spacing=12,
                run_spacing=12,
            ),
        ]
    )
