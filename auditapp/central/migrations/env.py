"""Alembic environment: runs on the connection the caller passes in (see database.migrate)."""

from __future__ import annotations

from alembic import context

import auditapp.central.sync_tables  # noqa: F401
from auditapp.central.tables import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through auditapp.central.database.migrate")
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
