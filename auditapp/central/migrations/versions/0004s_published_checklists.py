"""sync: checklist versions published to the field devices, and which device was sent which

Revision ID: 0004s
Revises: 0003s
"""

import sqlalchemy as sa
from alembic import op

revision = "0004s"
down_revision = "0003s"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "published_checklists",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("checklist_id", sa.String(length=100), nullable=False),
        sa.Column("version", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("source_name", sa.String(length=255), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("content_hash", name="uq_published_checklists_content_hash"),
    )
    op.create_index("ix_published_checklists_checklist_id", "published_checklists", ["checklist_id"])
    op.create_table(
        "checklist_deliveries",
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("publication_id", sa.Integer(), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["publication_id"], ["published_checklists.id"]),
        sa.PrimaryKeyConstraint("device_id", "publication_id"),
    )


def downgrade() -> None:
    op.drop_table("checklist_deliveries")
    op.drop_index("ix_published_checklists_checklist_id", table_name="published_checklists")
    op.drop_table("published_checklists")
