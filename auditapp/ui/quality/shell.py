"""The frame around every screen after sign-in: the navigation the user's role allows, who is signed in,
sign out, and the progress strip."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import flet as ft

from auditapp.services.quality.roles import Abilities
from auditapp.ui.quality.theme import muted, named, refreshes

NAV: tuple[tuple[str, str, ft.IconData], ...] = (
    ("inbox", "Triage inbox", ft.Icons.INBOX),
    ("board", "CAPA board", ft.Icons.VIEW_KANBAN),
    ("effectiveness", "Effectiveness", ft.Icons.EVENT_AVAILABLE),
    ("dashboard", "Dashboard", ft.Icons.INSERT_CHART),
    ("readiness", "Readiness", ft.Icons.TRAFFIC),
    ("checklists", "Checklists", ft.Icons.CHECKLIST),
    ("devices", "Devices", ft.Icons.TABLET_ANDROID),
    ("users", "Users", ft.Icons.PEOPLE),
)


def destinations(can: Abilities) -> list[str]:
    """The screens a role reaches from the navigation."""
    names = ["inbox", "board", "effectiveness", "dashboard", "readiness", "checklists"]
    if can.issue_codes or can.manage_devices:
        names.append("devices")
    if can.manage_users:
        names.append("users")
    return names


class Shell:
    """Navigation on the left, the current screen on the right, the user and sign-out at the top."""

    def __init__(
        self,
        who: str,
        can: Abilities,
        progress: ft.Control,
        go: Callable[[str], Awaitable[None]],
        sign_out: Callable[[], Awaitable[None]],
    ):
        self._go = go
        self._sign_out = sign_out
        self.buttons: dict[str, ft.Control] = {}
        nav: list[ft.Control] = []
        for name, label, icon in NAV:
            if name in destinations(can):
                button = ft.TextButton(label, icon=icon, on_click=self._nav(name), width=200)
                self.buttons[name] = button
                nav.append(named(f"nav-{name}", button))
        self.body = ft.Container(expand=True, padding=ft.Padding.only(left=16, right=16, top=8))
        header = ft.Row(
            [
                ft.Text("auditapp quality", size=20, weight=ft.FontWeight.BOLD),
                ft.Container(expand=True),
                named("who", ft.Text(f"Signed in as {who} ({can.label})")),
                named("sign-out", ft.OutlinedButton("Sign out", icon=ft.Icons.LOGOUT, on_click=self._out)),
            ]
        )
        self.control = ft.Column(
            [
                ft.Container(header, padding=ft.Padding.symmetric(horizontal=16, vertical=8)),
                progress,
                ft.Row(
                    [
                        ft.Container(ft.Column(nav, spacing=4), width=210, padding=8),
                        ft.VerticalDivider(width=1),
                        self.body,
                    ],
                    expand=True,
                    vertical_alignment=ft.CrossAxisAlignment.START,
                ),
                ft.Container(muted("Read only: your role may view but not change records."), padding=8)
                if can.read_only
                else ft.Container(),
            ],
            expand=True,
            spacing=0,
        )

    def show(self, control: ft.Control) -> None:
        """Put a screen in the body."""
        self.body.content = control

    def _nav(self, name: str) -> Callable[[object], Awaitable[None]]:
        @refreshes
        async def go(_: object) -> None:
            await self._go(name)

        return go

    @refreshes
    async def _out(self, _: object) -> None:
        await self._sign_out()
