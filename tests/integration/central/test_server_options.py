"""`auditapp server` options that only a real process shows: the token lifetime and the worker count."""

from __future__ import annotations

import http.client
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from tests.integration.central.conftest import ADMIN_PASSWORD
from tests.support.processes import Running, auditapp_env, free_port, run_cli, start


def _server(tmp_path: Path, database_url: str, *args: str, **extra_env: str) -> Running:
    """A running store with an admin user `admin`, started with the extra arguments and environment."""
    env = auditapp_env(
        tmp_path / "home", AUDITAPP_DATABASE_URL=database_url, AUDITAPP_PASSWORD=ADMIN_PASSWORD, **extra_env
    )
    made = run_cli(["admin", "create-user", "admin", "--role", "admin", "--name", "Ada Admin"], env)
    assert made.returncode == 0, made.stderr
    port = free_port()
    return start(
        ["server", "--port", str(port), *args],
        env,
        f"http://127.0.0.1:{port}/api/health",
        tmp_path / "server.log",
    )


def _login(server: Running) -> dict[str, str]:
    reply = requests.post(
        f"{server.url}/api/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}, timeout=10
    )
    assert reply.status_code == 200, reply.text
    body: dict[str, str] = reply.json()
    return body


@pytest.fixture
def short_tokens(database_url: str, tmp_path: Path) -> Iterator[Running]:
    """A store started with AUDITAPP_TOKEN_MINUTES=1."""
    server = _server(tmp_path, database_url, AUDITAPP_TOKEN_MINUTES="1")
    try:
        yield server
    finally:
        server.stop()


def test_token_minutes_from_the_environment_set_the_sign_in_lifetime(short_tokens: Running) -> None:
    before = datetime.now(UTC)
    expires = datetime.fromisoformat(_login(short_tokens)["expires_at"])
    after = datetime.now(UTC)
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=UTC)
    assert before + timedelta(minutes=1) - timedelta(seconds=5) <= expires
    assert expires <= after + timedelta(minutes=1) + timedelta(seconds=5)


def test_several_workers_are_refused_on_sqlite(tmp_path: Path) -> None:
    env = auditapp_env(tmp_path / "home", AUDITAPP_DATABASE_URL=f"sqlite:///{tmp_path / 'central.db'}")
    done = run_cli(["server", "--port", str(free_port()), "--workers", "2"], env)
    assert done.returncode == 2
    assert "--workers 2 needs PostgreSQL" in done.stderr


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def _is_worker(pid: int) -> bool:
    """A uvicorn worker, as opposed to multiprocessing's resource tracker."""
    return b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()


def _established(port: int) -> set[int]:
    """Socket inodes of established TCP connections whose local end is `port`."""
    inodes: set[int] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "01":
                inodes.add(int(fields[9]))
    return inodes


def _sockets(pid: int) -> set[int]:
    inodes: set[int] = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[len("socket:[") : -1]))
    return inodes


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_workers_option_serves_from_that_many_processes(database_url: str, tmp_path: Path) -> None:
    server = _server(tmp_path, database_url, "--workers", "2", AUDITAPP_TOKEN_MINUTES="2")
    try:
        assert "with 2 workers" in server.output()
        port = int(server.url.rsplit(":", 1)[1])
        workers: list[int] = []
        deadline = time.monotonic() + 60
        while len(workers) < 2 and time.monotonic() < deadline:
            workers = [pid for pid in _children(server.proc.pid) if _is_worker(pid)]
            time.sleep(0.2)
        assert len(workers) == 2, server.output()

        # Keep connections open until each worker holds at least one it has answered on.
        open_connections: list[http.client.HTTPConnection] = []
        served: set[int] = set()
        try:
            while served != set(workers) and len(open_connections) < 200:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                connection.request("GET", "/api/health")
                reply = connection.getresponse()
                assert reply.status == 200
                reply.read()
                open_connections.append(connection)
                established = _established(port)
                served = {pid for pid in workers if _sockets(pid) & established}
        finally:
            for connection in open_connections:
                connection.close()
        assert served == set(workers), f"only {sorted(served)} of {sorted(workers)} answered"

        # Every worker took its settings from the command line and the environment it was started with.
        for _ in range(4):
            expires = datetime.fromisoformat(_login(server)["expires_at"])
            if expires.tzinfo is None:
                expires = expires.replace(tzinfo=UTC)
            assert expires - datetime.now(UTC) < timedelta(minutes=2, seconds=5)
    finally:
        server.stop()
