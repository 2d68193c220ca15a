"""Tables of published checklists: each version the store publishes to the field, and who was sent which."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from auditapp.central.tables import Base


class PublishedChecklist(Base):
    """One published checklist version, never changed: its number orders publications, its hash names it."""

    __tablename__ = "published_checklists"
    __table_args__ = (UniqueConstraint("content_hash", name="uq_published_checklists_content_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    checklist_id: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(300))
    items: Mapped[int] = mapped_column(Integer)
    document: Mapped[str] = mapped_column(Text)
    """The checklist in the library's YAML format: what devices load and verify against the hash."""
    source_name: Mapped[str] = mapped_column(String(255))
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    published_by: Mapped[str] = mapped_column(String(120))


class ChecklistDelivery(Base):
    """A published version addressed to a device (queued in its pull feed): each is sent to a device once."""

    __tablename__ = "checklist_deliveries"

    device_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("published_checklists.id"), primary_key=True)
    queued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
