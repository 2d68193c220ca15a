"""Taking a write lock before a read that a write depends on (check-then-write without a race).

SQLite has one writer at a time, but a transaction only asks for the write lock at its first write, so a
check read before it can be stale by the time the write lands. `write_lock` starts the transaction with
BEGIN IMMEDIATE instead, so the read that follows sees the latest data and nothing can commit in between.
On PostgreSQL the caller names what to lock (rows with FOR UPDATE, a table, or names with `named_locks`),
since its writers do not exclude each other.
"""

from __future__ import annotations

import hashlib
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


def _advisory_key(name: str) -> int:
    """A stable signed 64-bit key for a name (PostgreSQL advisory locks are keyed by bigint)."""
    digest = hashlib.blake2b(name.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def named_locks(session: Session, *names: str) -> None:
    """Hold a lock on each name until the commit, so a check of what the names count and the write it
    guards happen one caller at a time. SQLite: the database's write lock (`write_lock`). PostgreSQL: one
    transaction-scoped advisory lock per name, taken in a fixed order so two callers never wait on each
    other."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        write_lock(session)
        return
    for key in sorted({_advisory_key(name) for name in names}):
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
