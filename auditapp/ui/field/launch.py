"""Start serving the field app at once and assemble it in the background (a faster first screen).

A browser needs a few seconds to load and compile Flet's web client. The server starts first; once it
accepts connections, a thread imports the app's screens and services, opens the workspace list and imports
the controls of the first screens while the browser is busy with the client. Each browser session waits
for that assembly (usually long done) and then builds its first screen without delay.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import threading
import time
from collections.abc import Callable
from typing import Protocol

import flet as ft

from auditapp.domain.errors import AuditAppError
from auditapp.ui.web_client import run_in_browser

# Flet imports each control's module on first use. The first screens' controls are imported before any
# session is served; the walkthrough's (a quarter of a second more) right after, while the auditor unlocks.
FIRST_SCREEN_CONTROLS = (
    "SafeArea",
    "Column",
    "Row",
    "ResponsiveRow",
    "Container",
    "Semantics",
    "Text",
    "TextField",
    "Icon",
    "FilledButton",
    "FilledTonalButton",
    "OutlinedButton",
    "TextButton",
    "IconButton",
    "ProgressBar",
    "Card",
    "RouteChangeEvent",
    "Padding",
)
LATER_CONTROLS = (
    "Radio",
    "RadioGroup",
    "Checkbox",
    "ListView",
    "Dropdown",
    "DropdownOption",
    "FilePicker",
    "Image",
    "Border",
    "TextCapitalization",
)


class Served(Protocol):
    """The assembled app: one session per browser tab, closed when the server stops."""

    def open_session(self, page: ft.Page) -> None:
        """Lay out a new browser session."""

    def close(self) -> None:
        """Release what the app holds (lock the open workspace)."""


class Assembly:
    """Runs `assemble` in a daemon thread; sessions wait for its result."""

    def __init__(self, assemble: Callable[[], Served], after: Callable[[], None] = lambda: None):
        self._assemble = assemble
        self._after = after
        self._done = threading.Event()
        self._served: Served | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="assemble field app", daemon=True)

    def start(self) -> None:
        """Begin assembling."""
        self._thread.start()

    def _run(self) -> None:
        try:
            self._after()
            self._served = self._assemble()
            _import_controls(FIRST_SCREEN_CONTROLS)
        except BaseException as exc:  # printed, and shown by every session
            print(f"auditapp field: error: {exc}", file=sys.stderr, flush=True)
            self._error = exc
        finally:
            self._done.set()
        _import_controls(LATER_CONTROLS)

    def result(self) -> Served:
        """The assembled app (waits for it); re-raises what assembling raised."""
        self._done.wait()
        if self._error is not None:
            raise self._error
        assert self._served is not None
        return self._served

    def close(self) -> None:
        """Close the app if it was assembled."""
        if self._done.is_set() and self._served is not None:
            self._served.close()


def _import_controls(names: tuple[str, ...]) -> None:
    for name in names:
        getattr(ft, name)


def _wait_for_server(host: str, port: int, timeout_s: float = 30.0) -> None:
    """Return once the web server accepts connections, so assembling does not slow its start."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            socket.create_connection((host, port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.02)


def serve_assembled(assemble: Callable[[], Served], host: str, port: int) -> None:
    """Serve on host:port in web mode (every asset local, no native window) while `assemble` runs."""
    os.environ.setdefault("FLET_FORCE_WEB_SERVER", "1")
    assembly = Assembly(assemble, after=lambda: _wait_for_server(host, port))
    assembly.start()

    async def main(page: ft.Page) -> None:
        try:
            served = await asyncio.to_thread(assembly.result)
        except Exception as exc:
            said = exc.for_screen if isinstance(exc, AuditAppError) else str(exc)
            page.add(ft.Text(f"The field app could not start: {said}", size=18, color=ft.Colors.RED_700))
            return
        served.open_session(page)

    print(f"auditapp field app on http://{host}:{port}", flush=True)
    try:
        run_in_browser(main, host, port)
    finally:
        assembly.close()
