"""Background sync never dies of a failure, backs off after one, and stops when asked."""

from __future__ import annotations

import threading

import pytest

from sync.errors import Refused, TransportError
from sync.runner import SyncRunner
from sync.transport import Backoff, HttpTransport


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


@pytest.mark.req("SYN-039")
def test_stop_interrupts_a_push_that_keeps_retrying_while_the_store_is_down() -> None:
    from typing import Any, cast

    import requests

    from sync.client import SyncClient
    from sync.keys import DeviceKeys, StoreKeys

    attempts = threading.Event()

    class DownSession:
        def mount(self, prefix: str, adapter: object) -> None:
            pass

        def request(self, *args: Any, **kwargs: Any) -> None:
            attempts.set()
            raise requests.ConnectionError("store is down")

    class OneRecord:
        def pending(self, limit: int) -> list[tuple[str, int, bytes]]:
            return [("e-1", 1, b"{}")]

        def acknowledge(self, event_ids: object) -> None:
            raise AssertionError("nothing may be acknowledged while the store is down")

        def pending_count(self) -> int:
            return 1

    transport = HttpTransport(
        "http://store.invalid", session=cast(requests.Session, DownSession()), backoff=Backoff(0.01, 0.05)
    )
    client = SyncClient(
        transport,
        keys=DeviceKeys.generate(),
        device_id="tablet-1",
        store_public=StoreKeys.generate().public,
        outbox=OneRecord(),
    )
    runner = SyncRunner.for_client(client)
    runner.start()
    assert attempts.wait(5)
    runner.stop()
    assert runner._thread is not None
    assert not runner._thread.is_alive()
    progress = client.progress()
    assert progress.state == "idle"
    assert progress.events_waiting == 1
    assert progress.last_error is not None
    assert "cannot be reached" in progress.last_error
