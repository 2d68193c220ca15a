"""capa: per-field finding and audit registers, triage columns, CAPAs, actions, checks, tasks, signatures

Revision ID: 0003c
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003c"
down_revision = "0002"
branch_labels = None
depends_on = None

_FINDING_INDEXES = {
    "ix_findings_created_id": ["created_at", "id"],
    "ix_findings_status_created_id": ["status", "created_at", "id"],
    "ix_findings_site_created_id": ["site", "created_at", "id"],
    "ix_findings_clause_created_id": ["clause", "created_at", "id"],
    "ix_findings_process_created_id": ["process", "created_at", "id"],
    "ix_findings_grade_rank_created_id": ["grade_rank", "created_at", "id"],
    "ix_findings_audit_created_id": ["audit_id", "created_at", "id"],
    "ix_findings_capa_id": ["capa_id"],
    "ix_findings_status_grade_rank_created_id": ["status", "grade_rank", "created_at", "id"],
    "ix_findings_status_clause_created_id": ["status", "clause", "created_at", "id"],
    "ix_findings_status_site_created_id": ["status", "site", "created_at", "id"],
    "ix_findings_status_process_created_id": ["status", "process", "created_at", "id"],
    "ix_findings_status_audit_created_id": ["status", "audit_id", "created_at", "id"],
}
_RANK_GRADES = (
    "UPDATE findings SET grade_rank = CASE grade WHEN 'major_nc' THEN 0 WHEN 'minor_nc' THEN 1 "
    "WHEN 'observation' THEN 2 WHEN 'ofi' THEN 3 WHEN 'good_practice' THEN 4 ELSE 9 END"
)


def _text(name: str, default: str = "") -> sa.Column[str]:
    return sa.Column(name, sa.Text(), nullable=False, server_default=default)


def upgrade() -> None:
    with op.batch_alter_table("audits", schema=None) as batch_op:
        batch_op.add_column(_text("registers", "{}"))
        batch_op.create_index("ix_audits_site", ["site"], unique=False)

    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("site", sa.String(length=300), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("process", sa.String(length=120), nullable=False, server_default=""))
        batch_op.add_column(_text("requirement"))
        batch_op.add_column(sa.Column("n19_grade", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("grade_rank", sa.Integer(), nullable=False, server_default="9"))
        batch_op.add_column(_text("evidence_ids", "[]"))
        batch_op.add_column(sa.Column("raised_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(_text("registers", "{}"))
        batch_op.add_column(sa.Column("conflicts", sa.String(length=200), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("decision", sa.String(length=20), nullable=True))
        batch_op.add_column(_text("decision_note"))
        batch_op.add_column(sa.Column("duplicate_of", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("capa_id", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("triaged_by", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("triaged_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("repeat", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("repeat_capa_id", sa.String(length=36), nullable=True))
        for name, columns in _FINDING_INDEXES.items():
            batch_op.create_index(name, columns, unique=False)

    # Findings projected before this revision: rank their grade and copy their audit's site.
    op.execute(_RANK_GRADES)
    op.execute(
        "UPDATE findings SET site = COALESCE((SELECT audits.site FROM audits "
        "WHERE audits.id = findings.audit_id), '')"
    )

    op.create_table(
        "capas",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("problem_statement", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.String(length=36), nullable=False),
        sa.Column("containment", sa.Text(), nullable=False),
        sa.Column("correction", sa.Text(), nullable=False),
        sa.Column("root_cause_method", sa.String(length=20), nullable=True),
        sa.Column("root_cause_result", sa.Text(), nullable=False),
        sa.Column("document_update_justification", sa.Text(), nullable=False),
        sa.Column("communication_justification", sa.Text(), nullable=False),
        sa.Column("verification_compliance", sa.Boolean(), nullable=True),
        sa.Column("verification_safety", sa.Boolean(), nullable=True),
        sa.Column("verification_comment", sa.Text(), nullable=False),
        sa.Column("verified_by", sa.String(length=80), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("awaiting_rework", sa.Boolean(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("capas", schema=None) as batch_op:
        batch_op.create_index("ix_capas_created_id", ["created_at", "id"], unique=False)
        batch_op.create_index("ix_capas_stage_created_id", ["stage", "created_at", "id"], unique=False)
        batch_op.create_index(
            "ix_capas_owner_stage_created_id", ["owner_id", "stage", "created_at", "id"], unique=False
        )

    op.create_table(
        "capa_actions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("capa_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.String(length=36), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("document_id", sa.String(length=120), nullable=False),
        sa.Column("document_revision", sa.String(length=40), nullable=False),
        sa.Column("communication_record", sa.Text(), nullable=False),
        sa.Column("cancel_reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["capa_id"], ["capas.id"]),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("capa_actions", schema=None) as batch_op:
        batch_op.create_index("ix_capa_actions_capa_id", ["capa_id"], unique=False)
        batch_op.create_index(
            "ix_capa_actions_owner_status_due", ["owner_id", "status", "due_date"], unique=False
        )

    op.create_table(
        "effectiveness_checks",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("capa_id", sa.String(length=36), nullable=False),
        sa.Column("criterion", sa.Text(), nullable=False),
        sa.Column("method", sa.String(length=30), nullable=False),
        sa.Column("window_start", sa.Date(), nullable=False),
        sa.Column("window_end", sa.Date(), nullable=False),
        sa.Column("result", sa.String(length=20), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(length=120), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("tasks_queued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["capa_id"], ["capas.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("effectiveness_checks", schema=None) as batch_op:
        batch_op.create_index("ix_effectiveness_checks_capa_id", ["capa_id"], unique=False)
        batch_op.create_index(
            "ix_effectiveness_checks_due", ["method", "result", "window_start"], unique=False
        )
        batch_op.create_index("ix_effectiveness_checks_window_end_id", ["window_end", "id"], unique=False)

    op.create_table(
        "effectiveness_tasks",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("check_id", sa.String(length=36), nullable=False),
        sa.Column("capa_id", sa.String(length=36), nullable=False),
        sa.Column("finding_id", sa.String(length=36), nullable=False),
        sa.Column("site", sa.String(length=300), nullable=False),
        sa.Column("devices", sa.Text(), nullable=False),
        sa.Column("result", sa.String(length=20), nullable=True),
        sa.Column("result_device", sa.String(length=64), nullable=True),
        sa.Column("result_event_id", sa.String(length=36), nullable=True),
        sa.Column("result_audit_id", sa.String(length=36), nullable=True),
        sa.Column("result_comment", sa.Text(), nullable=False),
        sa.Column("result_evidence_ids", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["check_id"], ["effectiveness_checks.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("check_id", "finding_id", name="uq_effectiveness_tasks_check_finding"),
    )
    with op.batch_alter_table("effectiveness_tasks", schema=None) as batch_op:
        batch_op.create_index("ix_effectiveness_tasks_check_id", ["check_id"], unique=False)

    op.create_table(
        "capa_reopenings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("capa_id", sa.String(length=36), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=30), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("check_id", sa.String(length=36), nullable=True),
        sa.Column("task_id", sa.String(length=36), nullable=True),
        sa.Column("finding_id", sa.String(length=36), nullable=True),
        sa.Column("audit_id", sa.String(length=36), nullable=True),
        sa.Column("event_id", sa.String(length=36), nullable=True),
        sa.Column("evidence_ids", sa.Text(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["capa_id"], ["capas.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("capa_reopenings", schema=None) as batch_op:
        batch_op.create_index("ix_capa_reopenings_capa_id", ["capa_id"], unique=False)

    op.create_table(
        "capa_signatures",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("capa_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("printed_name", sa.String(length=200), nullable=False),
        sa.Column("meaning", sa.String(length=40), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("signer_local_time", sa.String(length=40), nullable=False),
        sa.Column("signer_timezone", sa.String(length=64), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["capa_id"], ["capas.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("capa_signatures", schema=None) as batch_op:
        batch_op.create_index("ix_capa_signatures_capa_id", ["capa_id"], unique=False)


def downgrade() -> None:
    for table in (
        "capa_signatures",
        "capa_reopenings",
        "effectiveness_tasks",
        "effectiveness_checks",
        "capa_actions",
        "capas",
    ):
        op.drop_table(table)
    with op.batch_alter_table("findings", schema=None) as batch_op:
        for name in _FINDING_INDEXES:
            batch_op.drop_index(name)
        for column in (
            "repeat_capa_id",
            "repeat",
            "triaged_at",
            "triaged_by",
            "capa_id",
            "duplicate_of",
            "decision_note",
            "decision",
            "conflicts",
            "registers",
            "raised_at",
            "evidence_ids",
            "grade_rank",
            "n19_grade",
            "requirement",
            "process",
            "site",
        ):
            batch_op.drop_column(column)
    with op.batch_alter_table("audits", schema=None) as batch_op:
        batch_op.drop_index("ix_audits_site")
        batch_op.drop_column("registers")
