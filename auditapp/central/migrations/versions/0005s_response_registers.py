"""sync: every write to a response's answer, so concurrent answers from two devices show as a conflict

Revision ID: 0005s
Revises: 0004s

Rows projected before this revision start with an empty register: their current answer stands as the
only write until the next one arrives (FieldRegisters.seed).
"""

import sqlalchemy as sa
from alembic import op

revision = "0005s"
down_revision = "0004s"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("responses") as batch:
        batch.add_column(sa.Column("registers", sa.Text(), nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("responses") as batch:
        batch.drop_column("registers")
