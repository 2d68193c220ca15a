"""Background sync: runs rounds forever with backoff after failures, wakes on new work, stops on request."""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sync.errors import Refused, Stopped
from sync.transport import Backoff

if TYPE_CHECKING:
    from sync.client import SyncClient

log = logging.getLogger(__name__)


class SyncRunner:
    """Calls `sync_once` in a daemon thread: every `interval` seconds when all is well, with exponential
    backoff and jitter after failures (refusals included: a revoked device is re-checked, slowly), never
    giving up until `stop()`."""

    def __init__(
        self,
        sync_once: Callable[[], None],
        *,
        interval: float = 30.0,
        backoff: Backoff | None = None,
        stop: threading.Event | None = None,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self._sync_once = sync_once
        self.interval = interval
        self.backoff = backoff or Backoff(base=2.0, cap=300.0)
        self.stop_event = stop or threading.Event()
        self._wake = threading.Event()
        self._rand = rand
        self._thread: threading.Thread | None = None
        self.rounds = 0
        self.failures = 0

    @classmethod
    def for_client(cls, client: SyncClient, **options: Any) -> SyncRunner:
        """A runner over a client's sync_once that shares its transport's stop flag, so stop() also
        interrupts a request that is waiting to be retried."""
        return cls(client.sync_once, stop=client.transport.stop, **options)

    def run_round(self) -> float:
        """One round; returns the seconds to wait before the next one."""
        self.rounds += 1
        try:
            self._sync_once()
        except Stopped:
            return 0.0
        except Refused as refusal:
            log.warning("sync refused by the store: %s", refusal)
            self.failures += 1
        except Exception:  # the loop must outlive any bug in one round
            log.exception("sync round failed")
            self.failures += 1
        else:
            self.failures = 0
            return self.interval
        return max(self.backoff.delay(self.failures - 1, self._rand), 0.05)

    def run_forever(self) -> None:
        """Run rounds until stopped (the body of the background thread)."""
        while not self.stop_event.is_set():
            delay = self.run_round()
            self._wake.wait(delay)
            self._wake.clear()

    def start(self) -> None:
        """Start the background thread (once)."""
        if self._thread is None or not self._thread.is_alive():
            self.stop_event.clear()
            self._thread = threading.Thread(target=self.run_forever, name="sync-runner", daemon=True)
            self._thread.start()

    def wake(self) -> None:
        """Run the next round now (new events were captured, or the user tapped "sync now")."""
        self._wake.set()

    def stop(self, timeout: float | None = 10.0) -> None:
        """Stop: interrupts waits (the transport shares the stop flag) and joins the thread."""
        self.stop_event.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
