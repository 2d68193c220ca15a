"""Taking a write lock before a read that a write depends on (check-then-write without a race).

SQLite has one writer at a time, but a transaction only asks for the write lock at its first write, so a
check read before it can be stale by the time the write lands. `write_lock` starts the transaction with
BEGIN IMMEDIATE instead, so the read that follows sees the latest data and nothing can commit in between.
On PostgreSQL the caller names what to lock (rows with FOR UPDATE, or a table), since its writers do not
exclude each other.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session


def write_lock(session: Session, postgresql: str | None = None) -> None:
    """SQLite: hold the database's write lock from now to the commit. PostgreSQL: run `postgresql`, if any.

    On SQLite a transaction that has already written holds the lock; one that has not is begun with
    BEGIN IMMEDIATE, which waits (busy timeout) while another writer is active.
    """
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        raw: Any = connection.connection.dbapi_connection
        if not raw.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
    elif postgresql:
        session.execute(text(postgresql))
