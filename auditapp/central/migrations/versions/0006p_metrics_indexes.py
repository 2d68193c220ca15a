"""platform: indexes that keep the dashboard metrics cheap on large stores

Revision ID: 0006p
Revises: 0005p
Depends on: 0003c (the CAPA tables and the findings' repeat and process columns)
"""

from alembic import op

revision = "0006p"
down_revision = "0005p"
branch_labels = None
depends_on = "0003c"

INDEXES = {
    # GROUP BY grade / clause / process answered from the index alone (no table reads).
    "ix_findings_metrics_grade": ("findings", ["grade", "status"]),
    "ix_findings_metrics_repeat_clause": ("findings", ["repeat", "clause", "status"]),
    "ix_findings_metrics_repeat_process": ("findings", ["repeat", "process", "status"]),
    # Overdue actions of every owner; the CAPA branch indexes them per owner.
    "ix_capa_actions_metrics_status_due": ("capa_actions", ["status", "due_date"]),
    # The latest audits first, without sorting them all.
    "ix_audits_metrics_hlc": ("audits", ["hlc", "id"]),
}


def upgrade() -> None:
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, (table, _columns) in INDEXES.items():
        op.drop_index(name, table_name=table)
