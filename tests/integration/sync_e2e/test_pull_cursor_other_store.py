"""A pull cursor belongs to the store that issued it: a device enrolled with another store misses nothing."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from auditapp.bootstrap import FieldStoreOpener, LibraryChecklists
from auditapp.central import enrollment
from auditapp.central.database import Database
from auditapp.central.pull_feed import queue_for_device
from auditapp.central.service import open_database
from auditapp.client.field_sync import FieldSyncAgent
from auditapp.services.workspace import FieldWorkspace, SyncFactory, WorkspaceStore
from sync.keys import StoreKeys
from sync.transport import Backoff
from tests.integration.central.conftest import ADMIN_PASSWORD
from tests.integration.sync_e2e.devices import issue_code
from tests.support.processes import Running, auditapp_env, free_port, run_cli, start

PASSPHRASE = "a long passphrase"
PULLED_NOTES = "sync.pulled.note"


@pytest.fixture
def second_store(tmp_path: Path) -> Iterator[tuple[Running, str]]:
    """Another central store with a database of its own (SQLite), at another address."""
    url = f"sqlite:///{tmp_path / 'second' / 'central.db'}"
    env = auditapp_env(
        tmp_path / "second" / "home", AUDITAPP_DATABASE_URL=url, AUDITAPP_PASSWORD=ADMIN_PASSWORD
    )
    made = run_cli(["admin", "create-user", "admin", "--role", "admin", "--name", "Ada Admin"], env)
    assert made.returncode == 0, made.stderr
    port = free_port()
    server = start(
        ["server", "--port", str(port)], env, f"http://127.0.0.1:{port}/api/health", tmp_path / "s2.log"
    )
    try:
        yield server, url
    finally:
        server.stop()


def _factory(url: str) -> SyncFactory:
    def make(store: WorkspaceStore) -> FieldSyncAgent:
        return FieldSyncAgent(store, url, 3600, backoff=Backoff(base=0.01, cap=0.05))

    return make


def _queue(database_url: str, device_id: str, store: int, count: int) -> None:
    db = Database(database_url)
    try:
        with db.transaction() as session:
            for n in range(count):
                queue_for_device(session, device_id, "note", {"store": store, "n": n})
    finally:
        db.dispose()


def _notes(ws: FieldWorkspace, store: int) -> list[int]:
    return [n["n"] for n in json.loads(ws.store().get(PULLED_NOTES) or "[]") if n["store"] == store]


@pytest.mark.req("SYN-222")
def test_a_device_enrolled_with_another_store_receives_that_stores_records_from_the_first(
    central: Running, database_url: str, second_store: tuple[Running, str], tmp_path: Path
) -> None:
    other, other_url = second_store
    ws = FieldWorkspace(tmp_path / "ws", FieldStoreOpener(), LibraryChecklists(), _factory(central.url))
    ws.set_up(PASSPHRASE, PASSPHRASE)
    try:
        ws.enroll(issue_code(central))
        _queue(database_url, ws.device_id, 1, 20)
        assert ws.sync_now().last_error is None
        assert _notes(ws, 1) == list(range(20))

        ws.enroll(issue_code(other), sync_factory=_factory(other.url))
        _queue(other_url, ws.device_id, 2, 5)
        view = ws.sync_now()

        assert view.last_error is None
        assert _notes(ws, 2) == list(range(5))  # not skipped up to the first store's 20th record
        assert _notes(ws, 1) == list(range(20))  # and nothing of the first store received twice
    finally:
        ws.close()


@pytest.mark.req("SYN-222")
def test_replacing_the_store_keys_keeps_the_tag_of_its_cursors(database_url: str) -> None:
    database = open_database(database_url)
    with database.transaction() as session:
        enrollment.pin_store_keys(session, StoreKeys.generate(), Path("keys"))
    with database.transaction() as session:
        before = enrollment.store_instance(session)
        enrollment.pin_replacement(session, StoreKeys.generate(), "admin")
    with database.transaction() as session:
        assert enrollment.store_instance(session) == before
    database.dispose()


@pytest.mark.req("PLT-010")
@pytest.mark.parametrize("size", ["\u00b2".encode("latin-1"), b"9" * 40])
def test_a_blob_size_header_that_is_no_number_is_refused_as_malformed(central: Running, size: bytes) -> None:
    """Raw bytes, as a client may send them: "²" passes `str.isdigit` and used to give a 500."""
    host, port = central.url.removeprefix("http://").split(":")
    request = (
        b"PUT /sync/v1/blobs/" + b"a" * 64 + b"/chunks/0 HTTP/1.1\r\nHost: " + host.encode() + b"\r\n"
        b"X-Blob-Size: " + size + b"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    with socket.create_connection((host, int(port)), timeout=30) as conn:
        conn.sendall(request)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    status, _, rest = answer.partition(b"\r\n")
    assert status.split(b" ")[1] == b"400", answer
    assert b'"malformed"' in rest
