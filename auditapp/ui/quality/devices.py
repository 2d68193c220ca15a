"""Devices: issue an enrollment code (shown as text and QR code), list devices, revoke one."""

from __future__ import annotations

from typing import Any

import flet as ft

from auditapp.services.quality import admin
from auditapp.services.quality.admin import DeviceRow, EnrollmentCode
from auditapp.ui.quality.context import Ctx, Screen
from auditapp.ui.quality.dialogs import confirm
from auditapp.ui.quality.theme import error_text, heading, muted, named, refreshes, section, tag


class DevicesScreen(Screen):
    """Enrollment for quality managers and administrators; the device list for administrators."""

    title = "Devices"

    def __init__(self, ctx: Ctx, **args: Any):
        super().__init__(ctx, **args)
        self.username = ft.TextField(label="Username of the device's user", width=320, on_submit=self._issue)
        self.issue_error = error_text()
        self.code_box = ft.Column()
        self.table = ft.Column()
        parts: list[ft.Control] = [heading("Devices")]
        if ctx.can.issue_codes:
            parts.append(
                section(
                    "Enroll a tablet",
                    [
                        muted(
                            "Issue a one-time code for the auditor; they type it or scan the QR code on the "
                            "tablet within 15 minutes."
                        ),
                        ft.Row(
                            [
                                self.username,
                                named("issue-code", ft.FilledButton("Issue code", on_click=self._issue)),
                            ]
                        ),
                        self.issue_error,
                        self.code_box,
                    ],
                    "enroll",
                )
            )
        if ctx.can.manage_devices:
            parts.append(section("Enrolled devices", [self.table], "device-list"))
        self.control = ft.Column(parts, scroll=ft.ScrollMode.AUTO, expand=True, spacing=12)

    async def load(self) -> None:
        """The device list (administrators only)."""
        if not self.ctx.can.manage_devices:
            return
        rows = await self.ctx.runner.run(admin.load_devices, doing="Loading devices")
        if rows is not None:
            self._render(rows)

    def _render(self, rows: list[DeviceRow]) -> None:
        if not rows:
            self.table.controls = [muted("No device has been enrolled yet.")]
            return
        self.table.controls = [
            ft.DataTable(
                columns=[ft.DataColumn(label=t) for t in ("Device", "User", "Status", "Enrolled", "")],
                rows=[
                    ft.DataRow(
                        cells=[
                            ft.DataCell(ft.Text(r.name)),
                            ft.DataCell(ft.Text(r.username)),
                            ft.DataCell(
                                tag(
                                    "active" if r.active else f"revoked {r.revoked}",
                                    ft.Colors.GREEN_700 if r.active else ft.Colors.GREY_700,
                                )
                            ),
                            ft.DataCell(ft.Text(r.enrolled)),
                            ft.DataCell(
                                named(
                                    f"revoke-{r.device_id}",
                                    ft.OutlinedButton(f"Revoke {r.name}", on_click=self._revoke(r)),
                                )
                                if r.active
                                else ft.Text("")
                            ),
                        ]
                    )
                    for r in rows
                ],
            )
        ]

    @refreshes
    async def _issue(self, _: object) -> None:
        username = self.username.value or ""
        code = await self.ctx.runner.run(
            lambda api: admin.issue_code(api, username), doing="Issuing a code", error=self.issue_error
        )
        if code is not None:
            self._show_code(code)

    def _show_code(self, code: EnrollmentCode) -> None:
        self.code_box.controls = [
            named(
                "enrollment-code",
                ft.Row(
                    [
                        ft.Image(src=code.qr_png, width=200, height=200, semantics_label="QR code"),
                        ft.Column(
                            [
                                ft.Text(f"Code for {code.username}", size=16),
                                ft.Text(
                                    code.code, size=40, weight=ft.FontWeight.BOLD, font_family="monospace"
                                ),
                                muted(f"Valid until {code.expires}, once. Shown only now: it is not stored."),
                            ]
                        ),
                    ],
                    spacing=24,
                ),
            )
        ]

    def _revoke(self, row: DeviceRow) -> Any:
        async def ask(_: object) -> None:
            async def go() -> None:
                done = await self.ctx.runner.run(
                    lambda api: admin.revoke(api, row.device_id), doing=f"Revoking {row.name}"
                )
                if done is not None:
                    self.ctx.toast(f"{row.name} is revoked: it can no longer send or receive data.")
                    await self.load()

            confirm(
                self.ctx.page,
                f"Revoke {row.name}?",
                f"The tablet of {row.username} will no longer be able to send or receive data. What it has "
                "not sent yet stays on the tablet. Enrolling it again needs a new code.",
                "Revoke",
                go,
            )

        return ask
