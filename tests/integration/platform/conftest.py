"""Fixtures of the platform tests: a migrated central database on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from auditapp.central import auth
from auditapp.central.api import create_app
from auditapp.central.database import Database
from auditapp.central.service import create_user, open_database
from auditapp.central.tables import User
from auditapp.config import ServerConfig
from tests.integration.central.conftest import central  # noqa: F401 - a real server on loopback
from tests.support.processes import auditapp_env


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    """The central store's database, migrated, once on SQLite and once on PostgreSQL."""
    db = open_database(database_url)
    try:
        yield db
    finally:
        db.dispose()


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    """Environment for `auditapp` commands against the test database."""
    return auditapp_env(tmp_path / "home", AUDITAPP_DATABASE_URL=database_url)


def lift_append_only_guard(db: Database) -> None:
    """Drop the triggers that refuse UPDATE and DELETE on the trail, as a database owner could."""
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE audit_trail DISABLE TRIGGER USER"))
        else:
            conn.execute(text("DROP TRIGGER audit_trail_no_update"))
            conn.execute(text("DROP TRIGGER audit_trail_no_delete"))


PASSWORD = "role-password-1"
ROLES = ("admin", "quality_manager", "capa_owner", "auditor", "viewer")


@pytest.fixture
def client(database: Database, database_url: str, tmp_path: Path) -> Iterator[TestClient]:
    """The real API application over the test database, called in-process (server errors become 500s)."""
    config = ServerConfig(database_url=database_url, blob_dir=tmp_path / "central" / "blobs")
    with TestClient(create_app(config, database), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def users(database: Database) -> dict[str, str]:
    """One user per role, named after the role; returns role -> user id."""
    return {role: create_user(database, role, PASSWORD, role, role.title()) for role in ROLES}


@pytest.fixture
def headers(database: Database, users: dict[str, str]) -> dict[str, dict[str, str]]:
    """Bearer headers of each role's user (tokens issued directly, bypassing sign-in)."""
    out: dict[str, dict[str, str]] = {}
    with database.transaction() as session:
        for role, user_id in users.items():
            user = session.get(User, user_id)
            assert user is not None
            token, _ = auth.issue_token(session, user, 30)
            out[role] = {"Authorization": f"Bearer {token}"}
    return out
