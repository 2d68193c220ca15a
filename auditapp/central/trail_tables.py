"""Tables of the audit trail: the append-only, hash-chained entries and the single-row chain head."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from auditapp.central.tables import Base

GENESIS_HASH = "0" * 64
"""The previous-entry hash of the first entry: the chain starts from nothing."""


class TrailEntry(Base):
    """One recorded change: who, when, what, old and new values; chained to the entry before it by hash."""

    __tablename__ = "audit_trail"
    __table_args__ = (Index("ix_audit_trail_entity", "entity", "entity_id", "seq"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(120))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(60))
    old_values: Mapped[str] = mapped_column(Text)
    new_values: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class TrailHead(Base):
    """The last entry's number and hash; its one row is locked by every append, so the chain never forks."""

    __tablename__ = "audit_trail_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
