"""Driving the CAPA screen and its signing dialog without a page: a stand-in page, a runner that goes
straight through a real session, and a way to await their handlers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import Any

import flet as ft

from auditapp.services.quality.port import QualityApi
from auditapp.services.quality.session import Done, Failed, QualitySession
from auditapp.ui.quality.capa_detail import CapaScreen
from auditapp.ui.quality.theme import show_error
from tests.support.controls import texts, walk

__all__ = ["StandInPage", "StraightRunner", "capa_screen", "drive", "sign_button", "texts", "walk"]


class StandInPage:
    """What the CAPA screen asks of its page: dialogs, background tasks, the controls it shows."""

    def __init__(self) -> None:
        self.dialogs: list[object] = []
        self.tasks: list[Callable[..., Coroutine[Any, Any, None]]] = []
        self.shown: dict[int, object] = {}
        self.on_connect: object = None

    def show_dialog(self, dialog: object) -> None:
        self.dialogs.append(dialog)

    def pop_dialog(self) -> None:
        self.dialogs.pop()

    def run_task(self, task: Callable[..., Coroutine[Any, Any, None]], *args: Any) -> None:
        self.tasks.append(task)  # the trail, thumbnails: not what these tests look at

    def get_control(self, control_id: int) -> object:
        return self.shown.get(control_id)

    def update(self) -> None:
        pass


class StraightRunner:
    """Runs the work through the session in the caller's thread; a failure goes to `error` or `failures`."""

    def __init__(self, session: QualitySession):
        self.session = session
        self.failures: list[str] = []
        self.before: Callable[[], Coroutine[Any, Any, None]] | None = None
        """Awaited once, just before the next work reaches the store: what happens meanwhile."""

    async def run(
        self, work: Callable[[QualityApi], Any], *, doing: str, error: ft.Text | None = None
    ) -> Any:
        if error is not None:
            show_error(error, None)
        if self.before is not None:
            before, self.before = self.before, None
            await before()
        outcome = self.session.attempt(work)
        if isinstance(outcome, Failed):
            if error is not None:
                show_error(error, outcome.message)
            else:
                self.failures.append(outcome.message)
            return None
        assert isinstance(outcome, Done)
        return outcome.value


def capa_screen(session: QualitySession, capa_id: str) -> tuple[CapaScreen, StandInPage, StraightRunner]:
    """The CAPA screen of the signed-in user, on a stand-in page, shown."""
    page, runner = StandInPage(), StraightRunner(session)
    ctx = SimpleNamespace(
        page=page,
        session=session,
        runner=runner,
        can=session.abilities,
        toast=lambda message: None,
    )
    screen = CapaScreen(ctx, capa_id=capa_id)  # type: ignore[arg-type]
    page.shown[screen.control._i] = screen.control
    return screen, page, runner


def drive(step: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    """Await a handler to its end, in a thread of its own (a browser test earlier in the same run may leave
    an event loop running in this one)."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, step()).result()


def sign_button(screen: CapaScreen) -> str:
    """The screen's "Sign closure…" button: "enabled", "disabled", or "absent" when it shows none."""
    found = [c for c in walk(screen.body) if isinstance(c, ft.FilledButton) and c.content == "Sign closure…"]
    if not found:
        return "absent"
    return "disabled" if found[0].disabled else "enabled"
