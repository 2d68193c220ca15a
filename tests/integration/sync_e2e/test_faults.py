"""Sync through a misbehaving network and a store killed mid-push: after healing, everything arrives once."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import random
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from auditapp.central.database import Database
from auditapp.central.tables import StoredEvent
from auditapp.demo import demo_plan
from sync.transport import Backoff
from tests.integration.sync_e2e.devices import issue_code
from tests.integration.sync_e2e.faulty_proxy import Fault, FaultyProxy
from tests.integration.sync_e2e.test_field_agent import CHUNK, Field
from tests.support.processes import Running, start

ANSWERS = 120
PHOTOS = 2
FAULTS = [
    Fault.DROP,
    Fault.RESET,
    Fault.LOST_ANSWER,
    Fault.ERROR_503,
    Fault.DELAY,
    Fault.DUPLICATE,
    Fault.LATE_DUPLICATE,
]


def _fill(field: Field) -> tuple[set[str], list[str]]:
    """A planned audit with ANSWERS answers and PHOTOS queued photos; returns (event ids, blob ids)."""
    audit_id = field.ws.plan_audit(demo_plan(dt.date(2026, 11, 2)))
    items = field.ws.walkthrough(audit_id).items
    for item in items[:ANSWERS]:
        field.ws.record_answer(audit_id, item.item_id, "conforming")
    assert field.agent.blobs is not None
    blobs = [field.agent.blobs.queue(os.urandom(4 * CHUNK + 99)).blob_id for _ in range(PHOTOS)]
    return {e.event_id for e in field.ws.events(audit_id)}, blobs


def _wait_until(done: Callable[[], bool], limit_s: float = 180) -> None:
    """Wait for the background sync to finish its work (a bound, not a timing assertion)."""
    deadline = time.monotonic() + limit_s
    while not done() and time.monotonic() < deadline:
        time.sleep(0.1)


def _stored(database_url: str, device_id: str) -> list[str]:
    database = Database(database_url)
    try:
        with database.transaction() as session:
            return list(
                session.scalars(select(StoredEvent.event_id).where(StoredEvent.device_id == device_id))
            )
    finally:
        database.dispose()


def _blob_whole(central: Running, blob_id: str) -> bool:
    path = Path(central.env["AUDITAPP_HOME"]) / "central" / "blobs" / "complete" / blob_id[:2] / blob_id  # type: ignore[attr-defined]
    return path.exists() and hashlib.sha256(path.read_bytes()).hexdigest() == blob_id


def _idle(field: Field) -> bool:
    assert field.agent.blobs is not None
    return field.ws.store().pending_count() == 0 and not field.agent.blobs.pending_blobs()


@pytest.mark.req("SYN-108")
def test_every_event_arrives_once_and_every_blob_whole_through_a_faulty_network(
    central: Running, database_url: str, tmp_path: Path
) -> None:
    chance = random.Random(5)
    lock = threading.Lock()
    healed = threading.Event()

    def rule(_method: str, _path: str, _n: int) -> Fault:
        with lock:
            if healed.is_set() or chance.random() < 0.6:
                return Fault.NONE
            return chance.choice(FAULTS)

    proxy = FaultyProxy(central.url, rule, delay_s=0.2)
    field = Field(
        tmp_path / "field",
        proxy.url,
        interval_s=0.2,
        batch_size=25,
        round_backoff=Backoff(base=0.05, cap=0.5),
    )
    try:
        healed.set()
        field.agent.enroll(issue_code(central))
        healed.clear()
        event_ids, blob_ids = _fill(field)
        field.ws.start_background_sync()
        _wait_until(lambda: _idle(field))
        healed.set()  # whatever is left goes through now
        _wait_until(lambda: _idle(field))
        time.sleep(proxy.delay_s * 2)  # let late duplicates land before counting
        assert field.ws.sync_view().waiting_events == 0
        assert proxy.log.faults  # the network did misbehave
        stored = _stored(database_url, field.ws.device_id)
        assert sorted(stored) == sorted(event_ids)  # every event once: nothing lost, nothing twice
        assert all(_blob_whole(central, blob_id) for blob_id in blob_ids)
    finally:
        field.ws.close()
        proxy.close()


@pytest.mark.req("SYN-108")
def test_store_killed_mid_push_and_restarted_ends_with_every_event_once(
    central: Running, database_url: str, tmp_path: Path
) -> None:
    port = central.url.rsplit(":", 1)[1]
    killed = threading.Event()
    pushes = {"seen": 0}

    def rule(method: str, path: str, _n: int) -> Fault:
        if method == "POST" and path.endswith("/push") and not killed.is_set():
            pushes["seen"] += 1
            if pushes["seen"] == 3:
                os.killpg(central.proc.pid, signal.SIGKILL)  # the store dies while this push arrives
                central.proc.wait(timeout=10)
                killed.set()
        return Fault.NONE

    proxy = FaultyProxy(central.url, rule)
    field = Field(
        tmp_path / "field",
        proxy.url,
        interval_s=0.2,
        batch_size=20,
        round_backoff=Backoff(base=0.05, cap=0.5),
    )
    restarted: Running | None = None
    try:
        field.agent.enroll(issue_code(central))
        event_ids, blob_ids = _fill(field)
        field.ws.start_background_sync()
        killed.wait(timeout=120)
        assert killed.is_set()
        assert field.ws.store().pending_count() > 0
        restarted = start(
            ["server", "--port", port],
            central.env,  # type: ignore[attr-defined]
            f"{central.url}/api/health",
            tmp_path / "again.log",
        )
        _wait_until(lambda: _idle(field))
        assert field.ws.sync_view().waiting_events == 0
        assert sorted(_stored(database_url, field.ws.device_id)) == sorted(event_ids)
        assert all(_blob_whole(central, blob_id) for blob_id in blob_ids)
    finally:
        field.ws.close()
        proxy.close()
        if restarted is not None:
            restarted.stop()
