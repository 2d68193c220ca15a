"""Recovery key screens: the key shown once to write down, and a forgotten passphrase replaced with it.

A new workspace goes to the key screen right after setup, which makes the key and shows it; the Device
screen leads there too, to make a new one. The unlock screen leads to the forgotten-passphrase screen.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import flet as ft

from auditapp.domain.errors import AuditAppError
from auditapp.services.workspace import PASSPHRASE_RULES
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

KEY_ROUTE = "/device/recovery-key"
RECOVER_ROUTE = "/recover"
WHY = (
    "If the passphrase of this workspace is ever forgotten, this key opens it and sets a new passphrase; "
    "nothing else can. Write it on paper and keep it apart from the tablet (with your quality manager, "
    "say). It is shown only now."
)


def recovery_key_screen(app: FieldApp, _: dict[str, str]) -> ft.Control:
    """Make the workspace's recovery key and show it once; a workspace that has one can make a new one."""
    key = ft.Text("", size=30, weight=ft.FontWeight.BOLD, font_family="monospace")
    shown = ft.Column([named("recovery-key", key), body_text(WHY)], visible=False, spacing=20)
    error = error_text()
    exists = app.workspace.has_recovery_key()
    intro = body_text(
        "This workspace has a recovery key. Making a new one makes the one written down useless."
        if exists
        else "Making this workspace's recovery key..."
    )
    make_button = named("make-recovery-key", secondary("Make a new recovery key", lambda _: None))

    async def make(_: object = None) -> None:
        try:
            made = await asyncio.to_thread(app.workspace.new_recovery_key)
        except AuditAppError as exc:
            show_error(error, str(exc))
        else:
            key.value, shown.visible, make_button.visible = made, True, False
            intro.value = "Write down this recovery key now, exactly as shown:"
        app.page.update()

    make_button.content.on_click = make  # type: ignore[union-attr]
    make_button.visible = exists
    if not exists:
        app.page.run_task(make)
    return form(
        [
            title("Recovery key"),
            named("recovery-intro", intro),
            shown,
            named("recovery-error", error),
            ft.Row(
                [
                    make_button,
                    named("recovery-done", primary("I have written it down", lambda _: app.go("/"))),
                ],
                wrap=True,
                spacing=12,
                run_spacing=12,
            ),
        ]
    )


def recover_screen(app: FieldApp, _: dict[str, str]) -> ft.Control:
    """A forgotten passphrase: the recovery key and a new passphrase twice; a refusal keeps what was typed."""
    entry = app.workspaces.current
    name = entry.name if entry is not None else "this workspace"
    if app.workspace.unlocked:
        return form(
            [
                title(f"{name} is unlocked"),
                body_text(
                    "Its passphrase is not needed now. A new recovery key is made on the Device screen."
                ),
                ft.Row([primary("Back to audits", lambda _: app.go("/"))]),
            ]
        )
    recovery_key = text_field("Recovery key", hint="five groups of five letters and digits")
    recovery_key.autofocus = True
    passphrase = text_field("New passphrase", secret=True)
    confirm = text_field("Repeat passphrase", secret=True)
    error = error_text()

    async def submit(_: object) -> None:
        try:
            await asyncio.to_thread(
                app.workspace.recover, recovery_key.value or "", passphrase.value or "", confirm.value or ""
            )
        except AuditAppError as exc:
            show_error(error, str(exc))
            return
        app.go("/")

    confirm.on_submit = submit
    return form(
        [
            title(f"Forgot the passphrase of {name}?"),
            body_text(
                "Type the recovery key written down when the workspace was set up, then choose a new "
                "passphrase. The old passphrase stops working; the recovery key stays the same."
            ),
            recovery_key,
            passphrase,
            confirm,
            ft.Row([reveal([passphrase, confirm])]),
            body_text(PASSPHRASE_RULES.split(" Type it twice.")[0], color=ft.Colors.ON_SURFACE_VARIANT),
            named("recover-error", error),
            ft.Row(
                [
                    named("recover", primary("Set the new passphrase", submit, icon=ft.Icons.KEY)),
                    secondary("Back", lambda _: app.go("/")),
                ],
                wrap=True,
                spacing=12,
                run_spacing=12,
            ),
        ]
    )
