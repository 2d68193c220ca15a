"""When effectiveness windows are evaluated: on a background tick while the server runs, and before every
CAPA request answers (in its own short transaction, so a clash with a concurrent tick never fails the
request; the next evaluation picks up whatever was left)."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from sqlalchemy.exc import SQLAlchemyError

from auditapp.central.database import Database
from auditapp.central.effectiveness_tasks import evaluate_windows, top_up
from auditapp.config import env_float

log = logging.getLogger("auditapp.central.effectiveness")


def tick(db: Database, *, with_top_up: bool = False) -> int:
    """One evaluation in its own transaction; database clashes are logged and left to the next tick."""
    try:
        with db.transaction() as session:
            queued = evaluate_windows(session)
            if with_top_up:
                queued += top_up(session)
            return queued
    except SQLAlchemyError as exc:
        log.warning("effectiveness windows not evaluated this time: %s", exc.__class__.__name__)
        return 0


def evaluate_now(request: Request) -> None:
    """Route dependency: evaluate the windows before the route reads or changes CAPAs."""
    tick(request.app.state.db)


class Ticker:
    """A daemon thread that evaluates the windows every `interval_s` seconds until stopped."""

    def __init__(self, db: Database, interval_s: float) -> None:
        self.db = db
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="effectiveness-ticker", daemon=True)

    def start(self) -> None:
        """Start ticking."""
        self._thread.start()

    def stop(self) -> None:
        """Stop and wait for the thread."""
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            tick(self.db, with_top_up=True)


def install(app: FastAPI, db: Database) -> None:
    """Tick while the app runs, AUDITAPP_EFFECTIVENESS_TICK_S seconds apart (default 60; 0 turns it off)."""
    interval = env_float("EFFECTIVENESS_TICK_S", 60, 0)
    if interval <= 0:
        return
    ticker = Ticker(db, interval)
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(running: FastAPI) -> AsyncIterator[Any]:
        ticker.start()
        try:
            async with inner(running) as state:
                yield state
        finally:
            ticker.stop()

    app.router.lifespan_context = lifespan
