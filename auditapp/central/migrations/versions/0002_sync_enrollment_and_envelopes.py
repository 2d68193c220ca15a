"""sync: enrollment codes, store identity, accepted envelopes, pull feed; devices lose their token

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "device_messages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("device_messages", schema=None) as batch_op:
        batch_op.create_index("ix_device_messages_device_id", ["device_id", "id"], unique=False)

    op.create_table(
        "enrollment_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("enrollment_attempts", schema=None) as batch_op:
        batch_op.create_index("ix_enrollment_attempts_source_at", ["source", "at"], unique=False)

    op.create_table(
        "store_identity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("signing_public", sa.String(length=100), nullable=False),
        sa.Column("receiving_public", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "sync_envelopes",
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("envelope_id", sa.String(length=200), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("first_seq", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("device_id", "envelope_id"),
    )
    op.create_table(
        "enrollment_codes",
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("issued_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("device_id", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("code_hash"),
    )
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.drop_column("token_hash")

    # ### end Alembic commands ###


def downgrade() -> None:
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("token_hash", sa.VARCHAR(length=64), nullable=False))

    op.drop_table("enrollment_codes")
    op.drop_table("sync_envelopes")
    op.drop_table("store_identity")
    with op.batch_alter_table("enrollment_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_enrollment_attempts_source_at")

    op.drop_table("enrollment_attempts")
    with op.batch_alter_table("device_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_device_messages_device_id")

    op.drop_table("device_messages")
    # ### end Alembic commands ###
