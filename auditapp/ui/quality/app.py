"""The quality desktop app: a thin router between the sign-in screen and the screens of the shell."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import flet as ft

from auditapp.client.quality_prefs import PrefsFile
from auditapp.client.reports_api import ReportsApi
from auditapp.services.quality.session import QualitySession
from auditapp.ui.quality.capa_board import BoardScreen
from auditapp.ui.quality.capa_detail import CapaScreen
from auditapp.ui.quality.checklists import ChecklistsScreen
from auditapp.ui.quality.context import Ctx, Screen
from auditapp.ui.quality.dashboard import DashboardScreen
from auditapp.ui.quality.devices import DevicesScreen
from auditapp.ui.quality.effectiveness import EffectivenessScreen
from auditapp.ui.quality.finding import FindingScreen
from auditapp.ui.quality.inbox import InboxScreen
from auditapp.ui.quality.login import LoginScreen
from auditapp.ui.quality.readiness import ReadinessScreen
from auditapp.ui.quality.runner import Runner
from auditapp.ui.quality.shell import Shell, destinations
from auditapp.ui.quality.theme import flush
from auditapp.ui.quality.users import UsersScreen
from auditapp.ui.web_client import run_in_browser

SCREENS: dict[str, type[Screen]] = {
    "inbox": InboxScreen,
    "finding": FindingScreen,
    "board": BoardScreen,
    "capa": CapaScreen,
    "dashboard": DashboardScreen,
    "readiness": ReadinessScreen,
    "checklists": ChecklistsScreen,
    "effectiveness": EffectivenessScreen,
    "devices": DevicesScreen,
    "users": UsersScreen,
}


class QualityApp:
    """One browser session of the quality app."""

    def __init__(self, page: ft.Page, session: QualitySession):
        self.page = page
        self.session = session
        self.runner = Runner(page, session)
        self.ctx = Ctx(page, session, self.runner, self.go)
        self.root = ft.Container(expand=True)
        self.shell: Shell | None = None
        self.screen: Screen | None = None
        """The screen shown in the shell."""

    def start(self) -> None:
        """Show the sign-in form."""
        self.page.title = "auditapp quality"
        self.page.padding = 0
        self.page.on_connect = self.reconnected
        self.page.add(self.root)
        self.show_login()

    def show_login(self, notice: str = "") -> None:
        """The sign-in screen."""
        self.shell = self.screen = None
        self.root.content = LoginScreen(self.session, self.signed_in, notice).control

    async def signed_in(self) -> None:
        """Build the shell for the user's role and open the first screen."""
        user = self.session.user
        assert user is not None
        self.shell = Shell(
            user.display_name, self.session.abilities, self.runner.strip, self.go, self.sign_out
        )
        self.root.content = self.shell.control
        await self.go(destinations(self.session.abilities)[0])

    async def sign_out(self) -> None:
        """Sign out and return to the sign-in screen."""
        await asyncio.to_thread(self.session.sign_out)
        self.show_login("You are signed out.")

    async def go(self, name: str, **args: Any) -> None:
        """Open a screen by name and load it."""
        if self.shell is None:
            return
        screen_type = SCREENS.get(name)
        if screen_type is None:
            self.shell.show(ft.Text(f"The {name} screen is not available in this version."))
            return
        screen = self.screen = screen_type(self.ctx, **args)
        self.shell.show(screen.control)
        flush(self.page)
        await screen.load()

    async def reconnected(self, _: object = None) -> None:
        """A browser reload puts the page back on this session, which draws the screen as it was: read the
        screen shown again from the store, so that a reload shows what the store holds now (QAP-036)."""
        if self.shell is not None and self.screen is not None:
            await self.screen.reload()
            self.page.update()


def serve(server_url: str, host: str, port: int) -> None:
    """Serve the quality app on host:port in web mode (a desktop window where Flet's client exists)."""
    os.environ.setdefault("FLET_FORCE_WEB_SERVER", "1")
    prefs = PrefsFile()

    def main(page: ft.Page) -> None:
        QualityApp(page, QualitySession(ReportsApi, prefs, server_url)).start()

    print(f"auditapp quality app on http://{host}:{port}", flush=True)
    run_in_browser(main, host, port)
