"""Device screen: whether this workspace is enrolled with its central store, as whom, or revoked."""

from __future__ import annotations

from typing import TYPE_CHECKING

import flet as ft

from auditapp.ui.field.recovery import KEY_ROUTE, made_words
from auditapp.ui.field.theme import body_text, form, named, primary, secondary, title

if TYPE_CHECKING:
    from auditapp.ui.field.app import FieldApp

ICONS = {
    "offline_only": (ft.Icons.CLOUD_OFF, ft.Colors.BLUE_GREY_600),
    "not_enrolled": (ft.Icons.LINK_OFF, ft.Colors.AMBER_800),
    "enrolled": (ft.Icons.VERIFIED, ft.Colors.GREEN_700),
    "revoked": (ft.Icons.BLOCK, ft.Colors.RED_700),
}
ENROLL_LABEL = {
    "offline_only": "Enroll with a code",
    "not_enrolled": "Enroll with a code",
    "revoked": "Enroll again with a new code",
    "enrolled": "Enroll with another code",
}


def device_screen(app: FieldApp, _: dict[str, str]) -> ft.Control:
    """The status in plain words, what to do about it, and the way to enrollment."""
    status = app.workspace.device_status()
    entry = app.workspaces.current
    icon, colour = ICONS[status.state]
    enroll = primary if status.state != "enrolled" else secondary
    details = [
        f"Workspace: {entry.name if entry else ''}",
        f"Central store: {status.server_url or 'none'}",
        f"Device id: {status.device_id}",
    ]
    if status.username:
        details.insert(2, f"User: {status.username}")
    made = app.workspace.recovery_key_made()
    recovery = made is not None
    recovery_line = (
        f"Recovery key: made {made_words(made)}; keep it written down apart from this device"
        if recovery
        else "Recovery key: none yet; without one a forgotten passphrase cannot be replaced"
    )
    return form(
        [
            title("This device"),
            ft.Row(
                [
                    ft.Icon(icon, color=colour, size=40),
                    ft.Container(
                        named(
                            "device-status",
                            ft.Text(status.headline, size=22, weight=ft.FontWeight.BOLD, color=colour),
                        ),
                        expand=True,
                    ),
                ],
                spacing=16,
            ),
            named("device-advice", body_text(status.advice)),
            *(body_text(line, selectable=True) for line in details),
            named("recovery-status", body_text(recovery_line)),
            ft.Row(
                [
                    named(
                        "enroll",
                        enroll(
                            ENROLL_LABEL[status.state],
                            lambda _: app.go("/device/enroll"),
                            icon=ft.Icons.QR_CODE,
                        ),
                    ),
                    named(
                        "recovery-key-link",
                        (secondary if recovery else primary)(
                            "Make a new recovery key" if recovery else "Make the recovery key",
                            lambda _: app.go(KEY_ROUTE),
                            icon=ft.Icons.KEY,
                        ),
                    ),
                ],
                wrap=True,
                spacing=12,
                run_spacing=12,
            ),
        ]
    )
