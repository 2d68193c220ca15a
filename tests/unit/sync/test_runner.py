"""Background sync never dies of a failure, backs off after one, and stops when asked."""

from __future__ import annotations

import threading

import pytest

from sync.errors import Refused, TransportError
from sync.runner import SyncRunner
from sync.transport import Backoff


@pytest.mark.req("SYN-039")
def test_rounds_back_off_after_failures_and_return_to_the_interval_after_success() -> None:
    outcomes: list[Exception | None] = [
        TransportError("down"),
        RuntimeError("bug in a round"),
        Refused("revoked_device", "revoked", status=403),
        None,
    ]

    def sync_once() -> None:
        outcome = outcomes.pop(0)
        if outcome is not None:
            raise outcome

    runner = SyncRunner(sync_once, interval=30.0, backoff=Backoff(base=2.0, cap=300.0), rand=lambda: 1.0)
    delays = [runner.run_round() for _ in range(4)]
    assert delays == [2.0, 4.0, 8.0, 30.0]
    assert runner.failures == 0


@pytest.mark.req("SYN-039")
def test_runner_thread_runs_rounds_wakes_on_demand_and_stops() -> None:
    ran = threading.Event()
    rounds: list[int] = []

    def sync_once() -> None:
        rounds.append(1)
        ran.set()

    runner = SyncRunner(sync_once, interval=3600.0)
    runner.start()
    assert ran.wait(5)
    ran.clear()
    runner.wake()
    assert ran.wait(5)
    runner.stop()
    assert not runner._thread or not runner._thread.is_alive()
    assert len(rounds) >= 2
