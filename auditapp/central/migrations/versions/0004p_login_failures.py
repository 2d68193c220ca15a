"""platform: failed sign-ins counted for login throttling

Revision ID: 0004p
Revises: 0003p
"""

import sqlalchemy as sa
from alembic import op

revision = "0004p"
down_revision = "0003p"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_login_failures_username_at", "login_failures", ["username", "at"])
    op.create_index("ix_login_failures_source_at", "login_failures", ["source", "at"])


def downgrade() -> None:
    op.drop_index("ix_login_failures_source_at", table_name="login_failures")
    op.drop_index("ix_login_failures_username_at", table_name="login_failures")
    op.drop_table("login_failures")
