"""Tables of CAPAs on the central store: the CAPA, its actions, effectiveness checks and their field tasks,
reopenings and closure signatures (migration 0003c). The stage column is derived, never edited by hand."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from auditapp.central.tables import Base


class CapaRow(Base):
    """One CAPA: the 8.5.2 record, its owner, its derived stage and its round (reopenings so far)."""

    __tablename__ = "capas"
    __table_args__ = (
        Index("ix_capas_created_id", "created_at", "id"),
        Index("ix_capas_stage_created_id", "stage", "created_at", "id"),
        Index("ix_capas_owner_stage_created_id", "owner_id", "stage", "created_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    problem_statement: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    containment: Mapped[str] = mapped_column(Text, default="")
    correction: Mapped[str] = mapped_column(Text, default="")
    root_cause_method: Mapped[str | None] = mapped_column(String(20), nullable=True)
    root_cause_result: Mapped[str] = mapped_column(Text, default="")
    document_update_justification: Mapped[str] = mapped_column(Text, default="")
    communication_justification: Mapped[str] = mapped_column(Text, default="")
    verification_compliance: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    verification_safety: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    verification_comment: Mapped[str] = mapped_column(Text, default="")
    verified_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    stage: Mapped[str] = mapped_column(String(20))
    round: Mapped[int] = mapped_column(Integer, default=0)
    awaiting_rework: Mapped[bool] = mapped_column(Boolean, default=False)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CapaActionRow(Base):
    """One correction, corrective or preventive action with its owner, due date and evidence."""

    __tablename__ = "capa_actions"
    __table_args__ = (Index("ix_capa_actions_owner_status_due", "owner_id", "status", "due_date"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    capa_id: Mapped[str] = mapped_column(ForeignKey("capas.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    due_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(20))
    evidence: Mapped[str] = mapped_column(Text, default="")
    document_id: Mapped[str] = mapped_column(String(120), default="")
    document_revision: Mapped[str] = mapped_column(String(40), default="")
    communication_record: Mapped[str] = mapped_column(Text, default="")
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class EffectivenessCheckRow(Base):
    """A planned effectiveness check: criterion, method, window (dates, inclusive) and its result."""

    __tablename__ = "effectiveness_checks"
    __table_args__ = (
        Index("ix_effectiveness_checks_due", "method", "result", "window_start"),
        Index("ix_effectiveness_checks_window_end_id", "window_end", "id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    capa_id: Mapped[str] = mapped_column(ForeignKey("capas.id"), index=True)
    criterion: Mapped[str] = mapped_column(Text)
    method: Mapped[str] = mapped_column(String(30))
    window_start: Mapped[date] = mapped_column(Date)
    window_end: Mapped[date] = mapped_column(Date)
    result: Mapped[str] = mapped_column(String(20), default="pending")
    comment: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[str] = mapped_column(Text, default="[]")
    decided_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    round: Mapped[int] = mapped_column(Integer, default=0)
    tasks_queued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class EffectivenessTaskRow(Base):
    """A field re-verification task: one source finding of a check, sent to the site's auditors' devices."""

    __tablename__ = "effectiveness_tasks"
    __table_args__ = (
        UniqueConstraint("check_id", "finding_id", name="uq_effectiveness_tasks_check_finding"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    check_id: Mapped[str] = mapped_column(ForeignKey("effectiveness_checks.id"), index=True)
    capa_id: Mapped[str] = mapped_column(String(36))
    finding_id: Mapped[str] = mapped_column(String(36))
    site: Mapped[str] = mapped_column(String(300), default="")
    devices: Mapped[str] = mapped_column(Text, default="[]")
    result: Mapped[str | None] = mapped_column(String(20), nullable=True)
    result_device: Mapped[str | None] = mapped_column(String(64), nullable=True)
    result_event_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    result_audit_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    result_comment: Mapped[str] = mapped_column(Text, default="")
    result_evidence_ids: Mapped[str] = mapped_column(Text, default="[]")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class CapaReopeningRow(Base):
    """Why and from what evidence a CAPA was reopened (a not-effective result, a repeat finding, by hand)."""

    __tablename__ = "capa_reopenings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    capa_id: Mapped[str] = mapped_column(ForeignKey("capas.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str] = mapped_column(String(30))
    actor: Mapped[str] = mapped_column(String(120))
    check_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    task_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    finding_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    audit_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    event_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    evidence_ids: Mapped[str] = mapped_column(Text, default="[]")
    comment: Mapped[str] = mapped_column(Text, default="")


class CapaSignatureRow(Base):
    """A closure signature: printed name, UTC and stated local time, meaning, and the content it binds."""

    __tablename__ = "capa_signatures"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    capa_id: Mapped[str] = mapped_column(ForeignKey("capas.id"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    username: Mapped[str] = mapped_column(String(80))
    printed_name: Mapped[str] = mapped_column(String(200))
    meaning: Mapped[str] = mapped_column(String(40))
    signed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    signer_local_time: Mapped[str] = mapped_column(String(40))
    signer_timezone: Mapped[str] = mapped_column(String(64))
    content_sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[str] = mapped_column(Text)
