"""What every screen of the quality app gets: the page, the session, the runner and the router."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import flet as ft

from auditapp.services.quality.roles import Abilities
from auditapp.services.quality.session import QualitySession
from auditapp.ui.quality.runner import Runner


@dataclass
class Ctx:
    """Shared by the screens of one browser session."""

    page: ft.Page
    session: QualitySession
    runner: Runner
    go: Callable[..., Awaitable[None]]
    """Open a screen by name with its arguments, e.g. `await ctx.go("capa", capa_id=...)`."""
    _picker: ft.FilePicker | None = field(default=None, init=False)

    def file_picker(self) -> ft.FilePicker:
        """The session's one file picker (a page service, added the first time a screen needs it)."""
        if self._picker is None:
            self._picker = ft.FilePicker()
            self.page.services.append(self._picker)
        return self._picker

    @property
    def can(self) -> Abilities:
        """What the signed-in user may change."""
        return self.session.abilities

    def toast(self, message: str) -> None:
        """A short confirmation at the bottom of the window."""
        self.page.show_dialog(ft.SnackBar(ft.Text(message), duration=ft.Duration(seconds=4)))


class Screen:
    """A screen: a control to show and an async load that fills it from the store."""

    title = ""

    def __init__(self, ctx: Ctx, **args: Any):
        self.ctx = ctx
        self.args = args
        self.control: ft.Control = ft.Column()

    async def load(self) -> None:
        """Fetch what the screen shows (through ctx.runner) and render it."""

    async def reload(self) -> None:
        """Read the screen again from the store after a browser reload; by default as when it opened."""
        await self.load()
