"""Sign-in screen: the central store's URL (remembered between runs), username and password."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import flet as ft

from auditapp.services.quality.session import Failed, QualitySession
from auditapp.ui.quality.theme import error_text, flush, heading, muted, named, refreshes, show_error


class LoginScreen:
    """The first screen; the URL and the last username are filled in from the previous run."""

    def __init__(
        self, session: QualitySession, on_signed_in: Callable[[], Awaitable[None]], notice: str = ""
    ):
        self.session = session
        self.on_signed_in = on_signed_in
        self.server_url = ft.TextField(label="Central store URL", value=session.server_url)
        self.username = ft.TextField(
            label="Username", value=session.last_username, autofocus=not session.last_username
        )
        self.password = ft.TextField(
            label="Password",
            password=True,
            can_reveal_password=True,
            autofocus=bool(session.last_username),
            on_submit=self._sign_in,
        )
        self.error = error_text()
        self.busy = ft.ProgressRing(visible=False, width=24, height=24)
        self.button = ft.FilledButton("Sign in", on_click=self._sign_in, height=48)
        self.control = ft.Container(
            alignment=ft.Alignment.TOP_CENTER,
            padding=40,
            content=ft.Column(
                [
                    heading("Sign in to the central store", 28),
                    muted("auditapp quality: triage findings, drive CAPAs, verify they work."),
                    muted(notice) if notice else ft.Container(),
                    self.server_url,
                    self.username,
                    self.password,
                    self.error,
                    ft.Row([named("sign-in", self.button), self.busy]),
                ],
                width=480,
                spacing=16,
            ),
        )

    @refreshes
    async def _sign_in(self, _: object) -> None:
        self.busy.visible, self.button.disabled = True, True
        show_error(self.error, None)
        flush(self.control.page)
        outcome = await asyncio.to_thread(
            self.session.sign_in,
            self.server_url.value or "",
            self.username.value or "",
            self.password.value or "",
        )
        self.busy.visible, self.button.disabled = False, False
        if isinstance(outcome, Failed):
            show_error(self.error, outcome.message)
            return
        self.password.value = ""
        await self.on_signed_in()
