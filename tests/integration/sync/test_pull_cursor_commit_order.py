"""The pull cursor against records that commit out of id order: concurrent writers queue for one device.

On PostgreSQL two transactions can queue records for the same device at once (two teammates pushing a
team audit, a triage change, a checklist publication to every device). A device pulls through the real
`/sync/v1/pull` route, which moves its cursor to the last id it delivered; no record may fall behind it.
"""

from __future__ import annotations

import json
import random
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from auditapp.central import auth
from auditapp.central.api import create_app
from auditapp.central.database import Database, migrate
from auditapp.central.pull_feed import queue_for_device
from auditapp.central.sync_tables import DeviceMessage
from auditapp.config import ServerConfig
from sync.envelope import open_pull_response
from sync.keys import DeviceKeys, PublicKeys
from sync.request_auth import PullRequest, sign_request

PASSWORD = "admin-password-1"
PULL = "/sync/v1/pull"
KIND = "team_events"


@dataclass
class Tablet:
    """A device enrolled at the in-process store; it pulls through the real route and keeps its cursor."""

    client: TestClient
    device_id: str
    keys: DeviceKeys
    store: PublicKeys
    cursor: str | None = None

    def pull(self, limit: int = 500) -> list[dict[str, Any]]:
        """One pull request: the records of the page, and the cursor moved as the device moves it."""
        body = PullRequest(self.device_id, self.cursor, limit).to_body()
        headers = sign_request(self.keys, device_id=self.device_id, method="POST", path=PULL, body=body)
        reply = self.client.post(PULL, content=body, headers={**headers, "Content-Type": "application/json"})
        assert reply.status_code == 200, reply.text
        opened = open_pull_response(
            reply.content, device=self.keys, device_id=self.device_id, store_signing_public=self.store.signing
        )
        self.cursor = opened.header.cursor
        return [json.loads(record.body) for record in opened.records]

    def pull_all(self, limit: int = 500) -> list[dict[str, Any]]:
        """Pull pages until the store has nothing more."""
        received: list[dict[str, Any]] = []
        while page := self.pull(limit):
            received += page
        return received


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    """The central store's database, migrated."""
    db = Database(database_url)
    migrate(db.engine)
    try:
        yield db
    finally:
        db.dispose()


@pytest.fixture
def client(database: Database, database_url: str, tmp_path: Path) -> Iterator[TestClient]:
    """The real API application, in-process, with an admin who issues enrollment codes."""
    with database.transaction() as session:
        auth.create_user(session, "admin", PASSWORD, auth.Role.ADMIN, "Ada Admin")
    config = ServerConfig(database_url=database_url, blob_dir=tmp_path / "blobs")
    with TestClient(create_app(config, database), raise_server_exceptions=False) as test_client:
        yield test_client


def enroll(client: TestClient, n: int) -> Tablet:
    """A device with fresh keys, enrolled with a fresh code."""
    login = client.post("/api/auth/login", json={"username": "admin", "password": PASSWORD})
    bearer = {"Authorization": f"Bearer {login.json()['token']}"}
    code = client.post("/api/enrollment-codes", json={"username": "admin"}, headers=bearer).json()["code"]
    keys = DeviceKeys.generate()
    device_id = str(uuid.uuid4())
    reply = client.post(
        "/api/enroll",
        json={
            "code": code,
            "device_id": device_id,
            "signing_public": keys.signing_public_b64,
            "receiving_public": keys.receiving_public_b64,
            "name": f"tablet {n}",
        },
    )
    assert reply.status_code == 200, reply.text
    store = reply.json()["store"]
    return Tablet(client, device_id, keys, PublicKeys.from_b64(store["signing"], store["receiving"]))


def senders(records: list[dict[str, Any]]) -> list[str]:
    return [record["from"] for record in records]


@pytest.mark.req("SYN-035")
@pytest.mark.req("SYN-206")
def test_a_record_queued_first_but_committed_last_still_reaches_the_device(
    database: Database, client: TestClient
) -> None:
    tablet = enroll(client, 1)
    first, second = database.session(), database.session()
    try:
        queue_for_device(first, tablet.device_id, KIND, {"from": "A"})  # A's push is under way...
        first.flush()
        queue_for_device(second, tablet.device_id, KIND, {"from": "B"})  # ...when B's push queues too
        second.commit()  # and commits first
        assert senders(tablet.pull()) == ["B"]
        first.commit()
        assert senders(tablet.pull()) == ["A"]
        assert tablet.pull() == []
    finally:
        first.close()
        second.close()


class Refused(Exception):
    """The work a record reports was undone."""


@pytest.mark.req("SYN-035")
def test_records_queued_under_a_savepoint_go_or_stay_with_it(database: Database, client: TestClient) -> None:
    tablet = enroll(client, 1)
    with database.transaction() as session:  # e.g. a CAPA closure refused after it queued its statuses
        queue_for_device(session, tablet.device_id, KIND, {"from": "before"})
        with suppress(Refused), session.begin_nested():
            queue_for_device(session, tablet.device_id, KIND, {"from": "refused"})
            raise Refused
        with session.begin_nested():
            queue_for_device(session, tablet.device_id, KIND, {"from": "signed"})
    with suppress(Refused), database.transaction() as session:
        queue_for_device(session, tablet.device_id, KIND, {"from": "rolled back"})
        raise Refused
    assert senders(tablet.pull_all()) == ["before", "signed"]


def _pause_after_queue_insert(session: Session, inserted: threading.Event, release: threading.Event) -> None:
    """Hold the session just after it wrote its pull records, before it commits."""

    def hold(flushing: Session, _context: Any) -> None:
        if any(isinstance(obj, DeviceMessage) for obj in flushing.new) and not inserted.is_set():
            inserted.set()
            assert release.wait(60), "the test never released the first writer"

    event.listen(session, "after_flush", hold)


def _waits_or_is_done(database: Database, pid: int, writer: threading.Thread) -> bool:
    """Whether the writer with backend pid has committed, or is waiting for a lock another holds."""
    if not writer.is_alive():
        return True
    with database.session() as probe:
        wait = probe.scalar(text("SELECT wait_event_type FROM pg_stat_activity WHERE pid = :p"), {"p": pid})
    return str(wait) == "Lock"


def _in_thread(work: Any, errors: list[BaseException], failed: threading.Event) -> threading.Thread:
    """Run work in a thread; what it raises is kept for the test thread to report."""

    def guarded() -> None:
        try:
            work()
        except BaseException as exc:
            errors.append(exc)
            failed.set()

    thread = threading.Thread(target=guarded, daemon=True)
    thread.start()
    return thread


@pytest.mark.req("SYN-035")
@pytest.mark.req("SYN-206")
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_writer_that_drew_its_id_first_is_never_overtaken_by_the_cursor(
    database: Database, client: TestClient
) -> None:
    tablet = enroll(client, 1)
    errors: list[BaseException] = []
    inserted, release = threading.Event(), threading.Event()
    first, second = database.session(), database.session()
    try:
        _pause_after_queue_insert(first, inserted, release)
        queue_for_device(first, tablet.device_id, KIND, {"from": "A"})
        writer_a = _in_thread(first.commit, errors, inserted)  # A has drawn its record's id, not committed
        assert inserted.wait(60)
        assert not errors, errors
        queue_for_device(second, tablet.device_id, KIND, {"from": "B"})
        pid = int(second.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar_one())
        writer_b = _in_thread(second.commit, errors, threading.Event())  # B commits, or waits for A
        deadline = time.monotonic() + 60
        while not _waits_or_is_done(database, pid, writer_b):
            assert time.monotonic() < deadline, "the second writer neither committed nor waited"
            time.sleep(0.02)
        received = tablet.pull()  # the device pulls while A is still under way
        release.set()
        writer_a.join(60)
        writer_b.join(60)
        assert not errors, errors
        received += tablet.pull_all()
        assert sorted(senders(received)) == ["A", "B"]
    finally:
        release.set()
        first.close()
        second.close()


@pytest.mark.req("SYN-035")
@pytest.mark.req("SYN-206")
def test_concurrent_writers_deliver_every_record_exactly_once_in_pages(
    database: Database, client: TestClient
) -> None:
    tablets = [enroll(client, n) for n in range(3)]
    ids = [t.device_id for t in tablets]
    writers, transactions = 4, 20
    errors: list[BaseException] = []
    expected: dict[str, list[str]] = {device_id: [] for device_id in ids}
    guard = threading.Lock()

    def write(writer: int) -> None:
        chance = random.Random(writer)
        try:
            for txn in range(transactions):
                # Several devices per transaction, in any order: the locks must not deadlock.
                devices = chance.sample(ids, chance.randint(1, len(ids)))
                with database.transaction() as session:
                    for device_id in devices:
                        for n in range(chance.randint(1, 3)):
                            tag = f"{writer}.{txn}.{n}"
                            queue_for_device(session, device_id, KIND, {"from": tag})
                            with guard:
                                expected[device_id].append(tag)
                    session.flush()  # the rest of a push's work, between queueing and committing
                    time.sleep(chance.random() / 50)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w,), daemon=True) for w in range(writers)]
    for thread in threads:
        thread.start()
    received: dict[str, list[str]] = {device_id: [] for device_id in ids}
    while any(thread.is_alive() for thread in threads):
        for tablet in tablets:
            received[tablet.device_id] += senders(tablet.pull(limit=3))  # small pages
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    for tablet in tablets:
        received[tablet.device_id] += senders(tablet.pull_all(limit=3))
    for device_id in ids:
        got = received[device_id]
        assert len(got) == len(set(got)), f"a record reached {device_id} twice"
        assert sorted(got) == sorted(expected[device_id]), f"records of {device_id} were lost"
        for writer in range(writers):  # one transaction's records arrive in the order it queued them
            mine = [tag for tag in got if tag.startswith(f"{writer}.")]
            assert mine == [tag for tag in expected[device_id] if tag.startswith(f"{writer}.")]
