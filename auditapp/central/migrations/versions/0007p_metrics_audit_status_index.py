"""platform: count the audits that raised findings from an index alone

Revision ID: 0007p
Revises: 0006p
"""

from alembic import op

revision = "0007p"
down_revision = "0006p"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The metrics' EXISTS probe per audit reads audit_id and status; both in the index, no table reads.
    op.create_index("ix_findings_metrics_audit_status", "findings", ["audit_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_findings_metrics_audit_status", table_name="findings")
