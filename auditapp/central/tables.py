"""The central store's tables (SQLAlchemy 2): users, devices, ingested events and what they project to."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Metadata root of every table; Alembic migrations are written against it."""


class User(Base):
    """A person who signs in to the central store, with one role."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ApiToken(Base):
    """A short-lived bearer token of a signed-in user; only its SHA-256 is kept."""

    __tablename__ = "api_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Device(Base):
    """A field device bound to a user by enrollment, known by its public keys; revoked devices are refused."""

    __tablename__ = "devices"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="active")
    # Nullable only for devices registered before enrollment existed; they can no longer authenticate.
    signing_public: Mapped[str | None] = mapped_column(String(100), nullable=True)
    box_public: Mapped[str | None] = mapped_column(String(100), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class StoredEvent(Base):
    """A domain event as it arrived from a device, kept verbatim; the source of every projection."""

    __tablename__ = "events"
    __table_args__ = (UniqueConstraint("device_id", "seq", name="uq_events_device_seq"),)

    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(64), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    audit_id: Mapped[str] = mapped_column(String(36), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    hlc: Mapped[str] = mapped_column(String(120))
    digest: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Audit(Base):
    """An audit as planned on a device."""

    __tablename__ = "audits"
    __table_args__ = (Index("ix_audits_site", "site"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    organisation: Mapped[str] = mapped_column(String(300), default="")
    site: Mapped[str] = mapped_column(String(300), default="")
    audit_type: Mapped[str] = mapped_column(String(40), default="")
    hlc: Mapped[str] = mapped_column(String(120))
    # Every write to each projected plan field (JSON), merged per field as in the domain (ADR 0010).
    registers: Mapped[str] = mapped_column(Text, default="{}")


class Response(Base):
    """The current answer to one checklist item in one audit: the latest write by clock, with every write
    kept in `registers` so that answers given concurrently on two devices show as a conflict."""

    __tablename__ = "responses"

    audit_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    item_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    clause: Mapped[str] = mapped_column(String(40), default="")
    answer: Mapped[str] = mapped_column(String(40))
    notes: Mapped[str] = mapped_column(Text, default="")
    hlc: Mapped[str] = mapped_column(String(120))
    device_id: Mapped[str] = mapped_column(String(64))
    # Every write to the answer (JSON), merged as the devices merge (ADR 0010).
    registers: Mapped[str] = mapped_column(Text, default="{}", server_default="{}")


class Finding(Base):
    """A finding raised in the field; arrives as `new` for triage.

    `created_at` is when the store received it, `raised_at` when the auditor raised it (its event's clock).
    The inbox sorts and pages on (key, created_at, id), hence one index per filter/sort key.
    """

    __tablename__ = "findings"
    __table_args__ = (
        Index("ix_findings_status_created", "status", "created_at"),
        Index("ix_findings_created_id", "created_at", "id"),
        Index("ix_findings_status_created_id", "status", "created_at", "id"),
        Index("ix_findings_site_created_id", "site", "created_at", "id"),
        Index("ix_findings_clause_created_id", "clause", "created_at", "id"),
        Index("ix_findings_process_created_id", "process", "created_at", "id"),
        Index("ix_findings_grade_rank_created_id", "grade_rank", "created_at", "id"),
        Index("ix_findings_audit_created_id", "audit_id", "created_at", "id"),
        Index("ix_findings_capa_id", "capa_id"),
        # The inbox is mostly read at status=new, sorted by a key: one index per sort under the status.
        Index("ix_findings_status_grade_rank_created_id", "status", "grade_rank", "created_at", "id"),
        Index("ix_findings_status_clause_created_id", "status", "clause", "created_at", "id"),
        Index("ix_findings_status_site_created_id", "status", "site", "created_at", "id"),
        Index("ix_findings_status_process_created_id", "status", "process", "created_at", "id"),
        Index("ix_findings_status_audit_created_id", "status", "audit_id", "created_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    audit_id: Mapped[str] = mapped_column(String(36), index=True)
    item_id: Mapped[str] = mapped_column(String(120), default="")
    clause: Mapped[str] = mapped_column(String(40), default="")
    grade: Mapped[str] = mapped_column(String(40))
    statement: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="new")
    hlc: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Added for triage and CAPAs (migration 0003c).
    site: Mapped[str] = mapped_column(String(300), default="")
    process: Mapped[str] = mapped_column(String(120), default="")
    requirement: Mapped[str] = mapped_column(Text, default="")
    n19_grade: Mapped[int | None] = mapped_column(Integer, nullable=True)
    grade_rank: Mapped[int] = mapped_column(Integer, default=9)
    evidence_ids: Mapped[str] = mapped_column(Text, default="[]")
    raised_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Every write to each finding field (JSON), merged per field as in the domain; conflicts named here.
    registers: Mapped[str] = mapped_column(Text, default="{}")
    conflicts: Mapped[str] = mapped_column(String(200), default="")
    decision: Mapped[str | None] = mapped_column(String(20), nullable=True)
    decision_note: Mapped[str] = mapped_column(Text, default="")
    duplicate_of: Mapped[str | None] = mapped_column(String(36), nullable=True)
    capa_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    triaged_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    triaged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    repeat: Mapped[bool] = mapped_column(Boolean, default=False)
    repeat_capa_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
