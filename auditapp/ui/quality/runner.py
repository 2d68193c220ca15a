"""Runs a call to the central store off the page's event loop, with progress, errors and re-sign-in.

A screen hands its work (a function of the API) to `Runner.run`. While it runs, a progress bar and a line
saying what is happening show. A refusal is shown with what to do; the screen's fields are never touched,
so nothing typed is lost. When the sign-in has expired, a dialog asks for the password again and the same
work then runs, so the half-written form is saved as intended.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

import flet as ft

from auditapp.services.quality.port import QualityApi
from auditapp.services.quality.session import Done, Failed, NeedsSignIn, QualitySession
from auditapp.ui.quality.theme import error_text, flush, named, refreshes, show_error

T = TypeVar("T")


class Runner:
    """One per browser session; owns the progress strip and the re-sign-in dialog."""

    def __init__(self, page: ft.Page, session: QualitySession):
        self.page = page
        self.session = session
        self.bar = ft.ProgressBar(visible=False)
        self.status = ft.Text("", size=13, visible=False)
        self.strip = named("progress", ft.Column([self.bar, self.status], spacing=2))
        self._running = 0

    async def run(
        self, work: Callable[[QualityApi], T], *, doing: str, error: ft.Text | None = None
    ) -> T | None:
        """The work's result, or None when it failed (the reason is shown in `error` or a snack bar)."""
        self._busy(doing, +1)
        if error is not None:
            show_error(error, None)
        try:
            outcome: Any = await asyncio.to_thread(self.session.attempt, work)
            while isinstance(outcome, NeedsSignIn):
                outcome = await self._sign_in_again(outcome.message, doing)
        finally:
            self._busy("", -1)
        if isinstance(outcome, Failed):
            self.fail(outcome.message, error)
            return None
        assert isinstance(outcome, Done)
        return outcome.value  # type: ignore[no-any-return]

    def fail(self, message: str, error: ft.Text | None = None) -> None:
        """Show a failure next to the form it concerns, or at the bottom of the window."""
        if error is not None:
            show_error(error, message)
            flush(self.page)
        else:
            self.page.show_dialog(
                ft.SnackBar(ft.Text(message), duration=ft.Duration(seconds=8), show_close_icon=True)
            )

    def _busy(self, doing: str, step: int) -> None:
        self._running = max(0, self._running + step)
        self.bar.visible = self.status.visible = self._running > 0
        if step > 0:
            self.status.value = f"{doing}…"
        flush(self.page)

    async def _sign_in_again(self, reason: str, doing: str) -> Any:
        """Ask for the password; resolves to the outcome of the pending work, or Failed if cancelled."""
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[Any] = loop.create_future()
        who = self.session.user.display_name if self.session.user else ""
        password = ft.TextField(label="Password", password=True, can_reveal_password=True, autofocus=True)
        problem = error_text()

        @refreshes
        async def submit(_: object) -> None:
            problem.visible = False
            outcome = await asyncio.to_thread(self.session.sign_in_again, password.value or "")
            if isinstance(outcome, Failed):
                show_error(problem, outcome.message)
                return
            self.page.pop_dialog()
            if not answer.done():
                answer.set_result(outcome)

        def cancel(_: object) -> None:
            self.session.drop_pending()
            self.page.pop_dialog()
            if not answer.done():
                answer.set_result(
                    Failed(
                        "Not saved: you are not signed in. What you entered is still on screen; "
                        "sign in again and repeat the last step.",
                        "cancelled",
                    )
                )

        password.on_submit = submit
        dialog = ft.AlertDialog(
            modal=True,
            title=ft.Text("Sign in again to continue"),
            content=named(
                "relogin",
                ft.Column(
                    [
                        ft.Text(f"{reason}."),
                        ft.Text(
                            f"Signed in as {who}. Enter your password: then “{doing}” continues "
                            "with what you entered."
                        ),
                        password,
                        problem,
                    ],
                    tight=True,
                    width=440,
                ),
            ),
            actions=[
                ft.TextButton("Cancel", on_click=cancel),
                ft.FilledButton("Sign in and continue", on_click=submit),
            ],
        )
        self.page.show_dialog(dialog)
        return await answer
