"""Sync through a misbehaving network and a store killed while handling requests: everything arrives once."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from auditapp.central.database import Database
from auditapp.central.tables import StoredEvent
from auditapp.demo import demo_plan
from sync.blobs import chunk_count
from sync.transport import Backoff
from tests.integration.sync_e2e.devices import issue_code
from tests.integration.sync_e2e.faulty_proxy import Fault, FaultyProxy
from tests.integration.sync_e2e.test_field_agent import CHUNK, Field
from tests.support.processes import Running, start

ANSWERS = 120
PHOTOS = 2
PHOTO_SIZE = 4 * CHUNK + 99
LAST_CHUNK = chunk_count(PHOTO_SIZE, CHUNK) - 1
NETWORK_FAULTS = [
    Fault.REORDER,  # first: the two photos' first chunks go out together, so one really overtakes the other
    *(fault for fault in Fault if fault not in (Fault.NONE, Fault.REORDER, Fault.KILL_STORE)),
]
"""Every fault of the network (killing the store is the other test's business), in the order applied."""
REQUEST_TYPES = ("push", "chunk", "pull")


def _fill(field: Field) -> tuple[set[str], list[str]]:
    """A planned audit with ANSWERS answers and PHOTOS queued photos; returns (event ids, blob ids)."""
    audit_id = field.ws.plan_audit(demo_plan(dt.date(2026, 11, 2)))
    items = field.ws.walkthrough(audit_id).items
    for item in items[:ANSWERS]:
        field.ws.record_answer(audit_id, item.item_id, "conforming")
    assert field.agent.blobs is not None
    blobs = [field.agent.blobs.queue(os.urandom(PHOTO_SIZE)).blob_id for _ in range(PHOTOS)]
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


def _request_type(method: str, path: str) -> str | None:
    """push, chunk (a blob chunk PUT) or pull; None for any other request."""
    if method == "POST" and path.endswith("/sync/v1/push"):
        return "push"
    if method == "POST" and path.endswith("/sync/v1/pull"):
        return "pull"
    if method == "PUT" and "/sync/v1/blobs/" in path and "/chunks/" in path:
        return "chunk"
    return None


class Schedule:
    """The k-th request of each type gets the k-th network fault, later ones none: every pair, every run."""

    def __init__(self) -> None:
        self.seen: Counter[str] = Counter()
        self.lock = threading.Lock()

    def __call__(self, method: str, path: str, _n: int) -> Fault:
        kind = _request_type(method, path)
        if kind is None:
            return Fault.NONE
        with self.lock:
            k = self.seen[kind]
            self.seen[kind] += 1
        return NETWORK_FAULTS[k] if k < len(NETWORK_FAULTS) else Fault.NONE

    def done(self) -> bool:
        with self.lock:
            return all(self.seen[kind] >= len(NETWORK_FAULTS) for kind in REQUEST_TYPES)


@pytest.mark.req("SYN-108")
def test_every_event_arrives_once_and_every_blob_whole_through_a_faulty_network(
    central: Running, database_url: str, tmp_path: Path
) -> None:
    schedule = Schedule()
    proxy = FaultyProxy(central.url, schedule, delay_s=0.2, reorder_timeout_s=2.0)
    field = Field(
        tmp_path / "field",
        proxy.url,
        interval_s=0.2,
        batch_size=10,
        round_backoff=Backoff(base=0.05, cap=0.5),
    )
    try:
        field.agent.enroll(issue_code(central))  # not a push, chunk or pull: never faulted
        event_ids, blob_ids = _fill(field)
        field.ws.start_background_sync()
        _wait_until(lambda: _idle(field) and schedule.done(), limit_s=90)
        assert proxy.wait_quiet()  # held, delayed and late copies have all landed
        assert field.ws.sync_view().waiting_events == 0

        applied = Counter((_request_type(method, path), fault) for method, path, fault in proxy.log.faults)
        expected = {(kind, fault) for kind in REQUEST_TYPES for fault in NETWORK_FAULTS}
        assert set(applied) == expected, sorted(expected - set(applied))
        assert all(count == 1 for count in applied.values())
        chunks_held = [held for held in proxy.log.held if "/chunks/" in held.path]
        assert [held.overtaken for held in chunks_held] == [True]  # the other photo's chunk went first

        stored = _stored(database_url, field.ws.device_id)
        assert sorted(stored) == sorted(event_ids)  # every event once: nothing lost, nothing twice
        assert all(_blob_whole(central, blob_id) for blob_id in blob_ids)
    finally:
        field.ws.close()
        proxy.close()


class Store:
    """The central store process, killed on purpose and started again on the same port, database and files."""

    def __init__(self, first: Running, logs: Path) -> None:
        self.current = first
        self.env: dict[str, str] = first.env  # type: ignore[attr-defined]
        self.port = first.url.rsplit(":", 1)[1]
        self.logs = logs
        self.restarts = 0

    @property
    def blobs(self) -> Path:
        return Path(self.env["AUDITAPP_HOME"]) / "central" / "blobs"

    def kill(self) -> None:
        os.killpg(self.current.proc.pid, signal.SIGKILL)
        self.current.proc.wait(timeout=10)

    def restart(self) -> None:
        self.restarts += 1
        self.current = start(
            ["server", "--port", self.port],
            self.env,
            f"http://127.0.0.1:{self.port}/api/health",
            self.logs / f"restart-{self.restarts}.log",
        )


def _within(done: Callable[[], bool], limit_s: float = 15) -> bool:
    deadline = time.monotonic() + limit_s
    while not done():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def _recorded_chunks(blobs: Path, path: str) -> set[str]:
    blob_id = path.split("/blobs/", 1)[1].split("/", 1)[0]
    try:
        return set((blobs / "partial" / f"{blob_id}.chunks").read_text("ascii").split())
    except FileNotFoundError:
        return set()


KILLS = (
    "chunk_recorded",  # a middle chunk written and logged by the store, its answer not yet read
    "last_chunk_sent",  # the last chunk (which completes the blob) just sent: accepted or not, who knows
    "push_sent",  # a push just sent: committed or not, who knows
    "push_committed",  # a push committed by the store, its acknowledgement never read
)
REPLAYED = "push_replayed"
"""A kill meant as push_committed that came on a push the store had already committed (the tablet sending
again an envelope whose answer a kill cut off): nothing new to commit, so it is counted apart and a later
push is tried."""
COMMIT_WAIT_S = 5


def _kill_for(kind: str | None, path: str, done: list[str], pushes_seen: int, pass_push: bool) -> str | None:
    """Which kill a request arms, whatever order the tablet's pushes and photo chunks come in.

    Each kill is armed by the first request that fits it and comes while no other kill is under way, so
    pushes and uploads running side by side can interleave any way and every kill still comes. The push
    after a kill is let through (`pass_push`): it may be the envelope the kill cut off, sent again, and
    killing every such replay would cut its acknowledgement off each time, and the tablet would send it
    forever.
    """
    if kind == "chunk":
        if path.endswith("/chunks/2") and "chunk_recorded" not in done:
            return "chunk_recorded"
        if path.endswith(f"/chunks/{LAST_CHUNK}") and "last_chunk_sent" not in done:
            return "last_chunk_sent"
    if kind == "push" and pushes_seen >= 2 and not pass_push:  # the first push goes through untouched
        if "push_sent" not in done:
            return "push_sent"
        if "push_committed" not in done:
            return "push_committed"
    return None


@pytest.mark.req("SYN-108")
def test_store_killed_while_handling_chunks_and_pushes_ends_with_every_event_once_and_every_blob_whole(
    central: Running, database_url: str, tmp_path: Path
) -> None:
    store = Store(central, tmp_path)
    lock = threading.Lock()
    down = threading.Event()
    armed: list[str] = []  # the kill under way, if any
    done: list[str] = []  # every kill made, in order, each named for what it turned out to be
    observed: dict[str, bool] = {}
    pushes = {"seen": 0, "stored_before": 0, "pass": False}
    device: dict[str, str] = {}

    def stored_count() -> int:
        return len(_stored(database_url, device["id"]))

    def rule(method: str, path: str, _n: int) -> Fault:
        kind = _request_type(method, path)
        with lock:
            if kind is None or armed or down.is_set():
                return Fault.NONE
            pass_push = False
            if kind == "push":
                pushes["seen"] += 1
                pass_push, pushes["pass"] = bool(pushes["pass"]), False
            plan = _kill_for(kind, path, done, pushes["seen"], pass_push)
            if plan is None:
                return Fault.NONE
            if plan == "push_committed":
                pushes["stored_before"] = stored_count()
            armed.append(plan)
            return Fault.KILL_STORE

    def crash(_method: str, path: str) -> None:
        # Runs once the request was sent to the store, before its answer is read.
        with lock:
            plan = armed[0]
        if plan == "chunk_recorded":
            observed[plan] = _within(lambda: "2" in _recorded_chunks(store.blobs, path))
        elif plan == "push_committed":
            if _within(lambda: stored_count() > pushes["stored_before"], COMMIT_WAIT_S):
                observed[plan] = True
            else:
                plan = REPLAYED
        store.kill()
        with lock:
            done.append(plan)
            pushes["pass"] = True  # whatever was cut off, the next push goes through
            down.set()

    proxy = FaultyProxy(central.url, rule, crash=crash)
    field = Field(
        tmp_path / "field",
        proxy.url,
        interval_s=0.2,
        batch_size=10,  # pushes enough for every kill, and for the push let through after each
        round_backoff=Backoff(base=0.05, cap=0.5),
    )
    try:
        field.agent.enroll(issue_code(central))
        device["id"] = field.ws.device_id
        event_ids, blob_ids = _fill(field)
        field.ws.start_background_sync()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not (
            set(KILLS) <= set(done) and not down.is_set() and _idle(field)
        ):
            if down.wait(0.1):
                store.restart()  # the device keeps retrying meanwhile
                with lock:
                    armed.clear()
                    down.clear()
        made = [kill for kill in done if kill != REPLAYED]
        assert sorted(made) == sorted(KILLS), done  # each kill once, in whatever order the requests came
        assert store.restarts == len(done)
        assert observed == {"chunk_recorded": True, "push_committed": True}
        assert _idle(field)
        assert proxy.wait_quiet()
        assert field.ws.sync_view().waiting_events == 0
        assert sorted(_stored(database_url, field.ws.device_id)) == sorted(event_ids)
        assert all(_blob_whole(central, blob_id) for blob_id in blob_ids)
    finally:
        field.ws.close()
        proxy.close()
        store.current.stop()
