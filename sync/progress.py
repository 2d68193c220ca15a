"""Sync progress for the field app's indicator: what is waiting, when sync last worked, what went wrong."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

SyncState = Literal["idle", "syncing", "waiting", "refused", "failed"]
"""idle: nothing running; syncing: a round is running; waiting: retrying after a network or store failure;
refused: the store refused something (e.g. revoked device) and a person must act; failed: the last round
failed on the device itself (a full disk, an unreadable photo) and is retried."""


@dataclass(frozen=True)
class SyncProgress:
    """A snapshot the UI renders as is: counts, times (ISO-8601 UTC) and a sentence, no codes."""

    state: SyncState
    events_waiting: int
    bytes_waiting: int
    """Photo bytes the store has not confirmed yet (a partly uploaded photo counts only what it lacks)."""
    last_success: str | None
    last_error: str | None
    events_sent: int = 0
    """Events the store acknowledged in the round now running (or the last one)."""
    bytes_sent: int = 0
    """Blob bytes the store received in the round now running (or the last one)."""

    @property
    def up_to_date(self) -> bool:
        """Nothing waiting and no error since the last success."""
        return self.events_waiting == 0 and self.bytes_waiting == 0 and self.last_error is None


class ProgressTracker:
    """Thread-safe record of sync outcomes, updated by the client and read by the UI."""

    def __init__(self, clock: Callable[[], str]) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._state: SyncState = "idle"
        self._last_success: str | None = None
        self._last_error: str | None = None
        self._events_sent = 0
        self._bytes_sent = 0

    def started(self) -> None:
        """A sync round began: what it sends is counted from zero."""
        with self._lock:
            self._state = "syncing"
            self._events_sent = 0
            self._bytes_sent = 0

    def sent(self, *, events: int = 0, blob_bytes: int = 0) -> None:
        """The store confirmed events or received blob bytes (progress while sending)."""
        with self._lock:
            self._events_sent += events
            self._bytes_sent += blob_bytes

    def succeeded(self) -> None:
        """A sync round finished: everything pending was sent and pulled."""
        with self._lock:
            self._state = "idle"
            self._last_success = self._clock()
            self._last_error = None

    def failed(self, sentence: str, *, refused: bool = False, local: bool = False) -> None:
        """A round failed or is retrying; `sentence` is what the user reads. `local`: it failed on the
        device, not on the network or at the store (so the panel does not say offline)."""
        with self._lock:
            self._state = "refused" if refused else "failed" if local else "waiting"
            self._last_error = sentence

    def stopped(self) -> None:
        """Sync was stopped (app closing or sync switched off); the last error stays visible."""
        with self._lock:
            self._state = "idle"

    def snapshot(self, *, events_waiting: int, bytes_waiting: int) -> SyncProgress:
        """The current progress with the given waiting counts."""
        with self._lock:
            return SyncProgress(
                state=self._state,
                events_waiting=events_waiting,
                bytes_waiting=bytes_waiting,
                last_success=self._last_success,
                last_error=self._last_error,
                events_sent=self._events_sent,
                bytes_sent=self._bytes_sent,
            )
