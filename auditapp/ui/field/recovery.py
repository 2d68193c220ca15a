"""Recovery key screens: the key shown once to write down, and a forgotten passphrase replaced with it.

A new workspace goes to the key screen right after setup, which shows the key made with it, once; the
Device screen leads there too, to make a new one with the passphrase. The unlock screen leads to the
forgotten-passphrase screen.
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
    """The recovery key made at setup, shown once; otherwise, a new one made with the passphrase."""
    key = ft.Text("", size=30, weight=ft.FontWeight.BOLD, font_family="monospace")
    shown = ft.Column([named("recovery-key", key), body_text(WHY)], visible=False, spacing=20)
    fresh = app.workspace.take_new_recovery_key()
    made = None if fresh else app.workspace.recovery_key_made()
    intro = body_text(
        "Write down this recovery key now, exactly as shown:"
        if fresh
        else (
            f"This workspace's recovery key was made {made_words(made)}. A new one makes the one written "
            "down useless. Enter the passphrase to make a new one."
            if made is not None
            else "This workspace has no recovery key yet. Enter the passphrase to make one."
        )
    )
    passphrase = text_field("Passphrase", secret=True)
    error = error_text()
    asking = ft.Column([passphrase, named("recovery-error", error)], visible=not fresh, spacing=12)

    async def make(_: object) -> None:
        try:
            new = await asyncio.to_thread(app.workspace.new_recovery_key, passphrase.value or "")
        except AuditAppError as exc:
            show_error(error, exc.for_screen)
            return
        show(new)

    def show(value: str) -> None:
        key.value, shown.visible, asking.visible, make_button.visible = value, True, False, False
        intro.value = "Write down this recovery key now, exactly as shown:"

    passphrase.on_submit = make
    make_button = named(
        "make-recovery-key",
        secondary("Make a new recovery key" if made else "Make the recovery key", make, icon=ft.Icons.KEY),
    )
    if fresh:
        show(fresh)
    return form(
        [
            title("Recovery key"),
            named("recovery-intro", intro),
            shown,
            asking,
            ft.Row(
                [
                    make_button,
                    named(
                        "recovery-done",
                        primary("I have written it down" if fresh else "Done", lambda _: app.go("/")),
                    ),
                ],
                wrap=True,
                spacing=12,
                run_spacing=12,
            ),
        ]
    )


def made_words(made: str | None) -> str:
    """When a recovery key was made, in words ('on 2026-11-25 at 15:40 UTC'), or '' when unknown."""
    if not made:
        return ""
    day, _, time = made.partition("T")
    return f"on {day} at {time[:5]} UTC" if time else f"on {day}"


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
            show_error(error, exc.for_screen)
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
