"""A real `auditapp server` on loopback, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.processes import Running, auditapp_env, free_port, run_cli, start

ADMIN_PASSWORD = "admin-password-1"


@pytest.fixture
def central(database_url: str, tmp_path: Path) -> Iterator[Running]:
    """A running central store with one admin user `admin`."""
    env = auditapp_env(
        tmp_path / "home", AUDITAPP_DATABASE_URL=database_url, AUDITAPP_PASSWORD=ADMIN_PASSWORD
    )
    made = run_cli(["admin", "create-user", "admin", "--role", "admin", "--name", "Ada Admin"], env)
    assert made.returncode == 0, made.stderr
    port = free_port()
    server = start(
        ["server", "--port", str(port)], env, f"http://127.0.0.1:{port}/api/health", tmp_path / "server.log"
    )
    server.env = env  # type: ignore[attr-defined]
    try:
        yield server
    finally:
        server.stop()
