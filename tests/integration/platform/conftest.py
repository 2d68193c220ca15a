"""Fixtures of the platform tests: a migrated central database on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from auditapp.central.database import Database
from auditapp.central.service import open_database
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
