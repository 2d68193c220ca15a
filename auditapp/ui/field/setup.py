"""First-run setup of a workspace, and the form a new workspace shares with it.

The form asks for a name, an optional central store address and the passphrase twice, with the rules
explained next to it; a refused setup keeps everything typed.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

import flet as ft

from auditapp.domain.errors import AuditAppError
from auditapp.services.workspace import PASSPHRASE_RULES
from auditapp.ui.field.recovery import KEY_ROUTE
from auditapp.ui.field.theme import (
    body_text,
    error_text,
    form,
    named,
    primary,
    reveal,
    show_error,
    text_field,
    title,
)

if TYPE_CHECKING:
    from auditapp.ui.field.app import FieldApp


@dataclass
class WorkspaceForm:
    """The fields of a workspace's setup."""

    name: ft.TextField
    server_url: ft.TextField
    passphrase: ft.TextField
    confirm: ft.TextField
    error: ft.Text

    @classmethod
    def build(cls, name: str = "", server_url: str = "") -> WorkspaceForm:
        """Empty passphrases; name and address prefilled."""
        return cls(
            name=text_field("Workspace name", name, hint="e.g. the client's name"),
            server_url=text_field(
                "Central store address (optional)",
                server_url,
                hint="https://... from your quality manager; empty = offline only",
            ),
            passphrase=text_field("New passphrase", secret=True),
            confirm=text_field("Repeat passphrase", secret=True),
            error=error_text(),
        )

    def values(self) -> tuple[str, str, str, str]:
        """Name, address, passphrase and its repetition as typed."""
        return (
            self.name.value or "",
            self.server_url.value or "",
            self.passphrase.value or "",
            self.confirm.value or "",
        )

    def controls(self) -> list[ft.Control]:
        """The fields in order, the rules under the passphrase, then the error line."""
        return [
            self.name,
            self.server_url,
            self.passphrase,
            self.confirm,
            ft.Row([reveal([self.passphrase, self.confirm])]),
            named("passphrase-rules", body_text(PASSPHRASE_RULES, color=ft.Colors.ON_SURFACE_VARIANT)),
            named("form-error", self.error),
        ]

    def show(self, exc: AuditAppError) -> None:
        """Explain a refusal; the fields keep their values."""
        show_error(self.error, exc.for_screen)


def setup_screen(app: FieldApp, then: str) -> ft.Control:
    """First run of the current workspace: name it, choose its central store and its passphrase."""
    entry = app.workspaces.current
    fields = WorkspaceForm.build(entry.name if entry else "", (entry.server_url or "") if entry else "")

    async def submit(_: object) -> None:
        try:
            if entry is None:
                await asyncio.to_thread(app.workspaces.create, *fields.values())
            else:
                await asyncio.to_thread(app.workspaces.set_up_current, *fields.values())
        except AuditAppError as exc:
            fields.show(exc)
            return
        app.go(KEY_ROUTE)  # the recovery key is made and shown once, right after setup

    fields.confirm.on_submit = submit
    return form(
        [
            title("Set up this device"),
            body_text(
                "A workspace keeps the audits of one organisation or client, encrypted on this device. "
                "Name it, add the address of the central store it syncs with if you have one, and "
                "choose its passphrase."
            ),
            *fields.controls(),
            ft.Row([named("set-up", primary("Set up", submit, icon=ft.Icons.CHECK))]),
        ]
    )
