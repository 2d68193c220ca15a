"""Unlock screen: first-run passphrase setup, or the passphrase that opens the encrypted workspace."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from auditapp.domain.errors import AuditAppError
from auditapp.services.workspace import FieldWorkspace
from auditapp.ui.field.theme import TOUCH, error_text, named, show_error


def unlock_screen(workspace: FieldWorkspace, on_unlocked: Callable[[], None]) -> ft.Control:
    """The first screen; calls on_unlocked once the workspace is open."""
    first_run = workspace.needs_setup()
    passphrase = ft.TextField(label="Passphrase", password=True, can_reveal_password=True, autofocus=True)
    confirm = ft.TextField(label="Repeat passphrase", password=True, visible=first_run)
    error = error_text()

    def submit(_: object) -> None:
        try:
            if first_run:
                workspace.set_up(passphrase.value or "", confirm.value or "")
            else:
                workspace.unlock(passphrase.value or "")
        except AuditAppError as exc:
            show_error(error, str(exc))
            return
        on_unlocked()

    passphrase.on_submit = submit
    confirm.on_submit = submit
    title = "Set up this device" if first_run else "Unlock your audits"
    hint = (
        "Choose a passphrase of at least 8 characters. It encrypts everything you capture on this device; "
        "without it the data cannot be read."
        if first_run
        else "Your audits are encrypted on this device. Enter your passphrase to open them."
    )
    button = ft.FilledButton("Set up" if first_run else "Unlock", on_click=submit, height=TOUCH, width=220)
    return ft.Container(
        padding=32,
        content=ft.Column(
            [
                ft.Text(title, size=28, weight=ft.FontWeight.BOLD),
                ft.Text(hint, size=16),
                passphrase,
                confirm,
                error,
                named("unlock", button),
            ],
            spacing=20,
            width=520,
        ),
    )
