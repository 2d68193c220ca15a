"""Enrollment: bind this workspace's device to a user of a central store with a one-time code.

The quality manager's code is shown as text and as a QR code holding the same text; the field takes the
text (a scanner that types, or a camera on a tablet, fills the same field).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import flet as ft

from auditapp.domain.errors import AuditAppError
from auditapp.ui.field.theme import (
    autosave,
    body_text,
    error_text,
    form,
    named,
    primary,
    secondary,
    show_error,
    text_field,
    title,
)

if TYPE_CHECKING:
    from auditapp.ui.field.app import FieldApp

ENROLL_FORM = "enroll"


def enroll_screen(app: FieldApp, _: dict[str, str]) -> ft.Control:
    """Address of the central store, the code, and a name for this device; refusals keep what was typed."""
    entry = app.workspaces.current
    drafts = app.workspace.drafts()
    draft = drafts.get(ENROLL_FORM)
    server_url = text_field(
        "Central store address",
        draft.get("server_url") or ((entry.server_url or "") if entry else ""),
        hint="https://... from your quality manager",
    )
    code = text_field("Enrollment code", hint="e.g. 7KQ2M-X9D4F (the text under the QR code)")
    code.capitalization = ft.TextCapitalization.CHARACTERS
    device_name = text_field(
        "Name of this device (optional)", draft.get("device_name", ""), hint="e.g. Ana's tablet"
    )
    # The address and the name save as typed; the one-time code is short-lived and never kept.
    autosave(server_url, lambda value: drafts.save(ENROLL_FORM, "server_url", value))
    autosave(device_name, lambda value: drafts.save(ENROLL_FORM, "device_name", value))
    error = error_text()
    working = ft.ProgressBar(visible=False)

    async def submit(_: object) -> None:
        show_error(error, None)
        working.visible = True
        app.page.update()  # show the bar now; Flet then skips its own update after this handler
        try:
            await asyncio.to_thread(
                app.workspaces.enroll, server_url.value or "", code.value or "", device_name.value or ""
            )
        except AuditAppError as exc:
            show_error(error, exc.for_screen)
            working.visible = False
            app.page.update()
            return
        drafts.clear(ENROLL_FORM)
        app.go("/device")
        app.page.update()

    code.on_submit = submit
    return form(
        [
            title("Enroll this device"),
            body_text(
                "Your quality manager issues a one-time code (valid 15 minutes) for you, shown as text and "
                "as a QR code. Type the code here; letters and digits are enough, dashes and spaces are "
                "ignored."
            ),
            server_url,
            code,
            device_name,
            working,
            named("enroll-error", error),
            ft.Row(
                [
                    named("enroll-submit", primary("Enroll", submit, icon=ft.Icons.LINK)),
                    secondary("Cancel", lambda _: app.go("/device")),
                ],
                wrap=True,
                spacing=12,
            ),
        ]
    )
