"""platform: the append-only, hash-chained audit trail and its chain head

Revision ID: 0003p
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003p"
down_revision = "0002"
branch_labels = None
depends_on = None

GENESIS_HASH = "0" * 64

_SQLITE_GUARDS = (
    "CREATE TRIGGER audit_trail_no_update BEFORE UPDATE ON audit_trail "
    "BEGIN SELECT RAISE(ABORT, 'audit_trail is append-only'); END",
    "CREATE TRIGGER audit_trail_no_delete BEFORE DELETE ON audit_trail "
    "BEGIN SELECT RAISE(ABORT, 'audit_trail is append-only'); END",
)
_PG_GUARDS = (
    "CREATE FUNCTION audit_trail_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'audit_trail is append-only'; END $$ LANGUAGE plpgsql",
    "CREATE TRIGGER audit_trail_no_change BEFORE UPDATE OR DELETE ON audit_trail "
    "FOR EACH ROW EXECUTE FUNCTION audit_trail_append_only()",
    "CREATE TRIGGER audit_trail_no_truncate BEFORE TRUNCATE ON audit_trail "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_trail_append_only()",
)


def upgrade() -> None:
    op.create_table(
        "audit_trail",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.String(length=120), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("old_values", sa.Text(), nullable=False),
        sa.Column("new_values", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("hash", name="uq_audit_trail_hash"),
    )
    op.create_index("ix_audit_trail_entity", "audit_trail", ["entity", "entity_id", "seq"])
    head = op.create_table(
        "audit_trail_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": GENESIS_HASH}])
    guards = _PG_GUARDS if op.get_bind().dialect.name == "postgresql" else _SQLITE_GUARDS
    for statement in guards:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_trail_no_truncate ON audit_trail")
        op.execute("DROP TRIGGER IF EXISTS audit_trail_no_change ON audit_trail")
        op.execute("DROP FUNCTION IF EXISTS audit_trail_append_only()")
    op.drop_table("audit_trail_head")
    op.drop_index("ix_audit_trail_entity", table_name="audit_trail")
    op.drop_table("audit_trail")
