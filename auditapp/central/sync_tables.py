"""Tables of sync on the central store: enrollment codes and attempts, accepted envelopes, the pull feed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from auditapp.central.tables import Base


class EnrollmentCode(Base):
    """A one-time enrollment code; only its SHA-256 is kept, it binds the enrolling device to a user."""

    __tablename__ = "enrollment_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    issued_by: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    device_id: Mapped[str | None] = mapped_column(String(36), nullable=True)


class EnrollmentAttempt(Base):
    """One refused enrollment attempt from a network source, counted for rate limiting."""

    __tablename__ = "enrollment_attempts"
    __table_args__ = (Index("ix_enrollment_attempts_source_at", "source", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str] = mapped_column(String(32))


class SyncEnvelope(Base):
    """A push envelope the store accepted: its digest tells an identical resend from a replay."""

    __tablename__ = "sync_envelopes"

    device_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    envelope_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))
    first_seq: Mapped[int] = mapped_column(Integer)
    last_seq: Mapped[int] = mapped_column(Integer)
    count: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DeviceMessage(Base):
    """A record addressed to one device (e.g. a status change of its finding), pulled in id order."""

    __tablename__ = "device_messages"
    __table_args__ = (Index("ix_device_messages_device_id", "device_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    device_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class StoreIdentity(Base):
    """The store's public keys as devices enrolled with them: a key file that does not match is refused."""

    __tablename__ = "store_identity"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    signing_public: Mapped[str] = mapped_column(String(100))
    receiving_public: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PhotoBlob(Base):
    """A photo by its plaintext SHA-256 -> its encrypted blob and the PhotoAttached event holding the key."""

    __tablename__ = "photo_blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    variant: Mapped[str] = mapped_column(String(16))
    blob_id: Mapped[str] = mapped_column(String(64))


class AuditDevice(Base):
    """A device on an audit's team: it receives the other members' events of that audit (team_events)."""

    __tablename__ = "audit_devices"
    __table_args__ = (Index("ix_audit_devices_device_id", "device_id"),)

    audit_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    joined_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AuditTeamName(Base):
    """A person named in an audit's plan (lead auditor or team), as matched against users' names."""

    __tablename__ = "audit_team_names"
    __table_args__ = (Index("ix_audit_team_names_name", "name"),)

    audit_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
