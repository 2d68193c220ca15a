"""Driving a quality-app form without a page: its work runs through a session, its submit is awaited."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import flet as ft

from auditapp.services.quality.port import QualityApi
from auditapp.services.quality.session import Done, Failed, QualitySession
from auditapp.ui.quality.forms import Form
from auditapp.ui.quality.theme import show_error


class FormRunner:
    """Runs a form's work straight through the session, showing a refusal on the form's error line."""

    def __init__(self, session: QualitySession):
        self.session = session

    async def run(
        self, work: Callable[[QualityApi], Any], *, doing: str, error: ft.Text | None = None
    ) -> Any:
        assert error is not None
        show_error(error, None)
        outcome = self.session.attempt(work)
        if isinstance(outcome, Failed):
            show_error(error, outcome.message)
            return None
        assert isinstance(outcome, Done)
        return outcome.value


def submit(form: Form) -> None:
    """The form's submit handler without its page refresh (there is no page here), in a thread of its own:
    a browser test earlier in the same run may leave an event loop running in this one."""
    with ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, Form._submit.__wrapped__(form, None)).result()  # type: ignore[attr-defined]
