"""platform: counters behind the dashboard metrics, filled from the data already in the store

Revision ID: 0008p
Revises: 0007p
Depends on: 0003c (the CAPA tables)

The counting rules are those of auditapp.central.metric_counts, frozen here as of this revision (ADR 0075).
"""

import sqlalchemy as sa
from alembic import op

revision = "0008p"
down_revision = "0007p"
branch_labels = None
depends_on = "0003c"

COUNTED = "status NOT IN ('duplicate', 'rejected')"
GROUPS = (
    ("grade", "SELECT grade, count(*) FROM findings WHERE {counted} GROUP BY grade"),
    ("audit", "SELECT audit_id, count(*) FROM findings WHERE {counted} GROUP BY audit_id"),
    ("repeat_clause", "SELECT clause, count(*) FROM findings WHERE {counted} AND {repeat} GROUP BY clause"),
    (
        "repeat_process",
        "SELECT process, count(*) FROM findings WHERE {counted} AND {repeat} GROUP BY process",
    ),
    ("capa_stage", "SELECT stage, count(*) FROM capas WHERE stage <> 'closed' GROUP BY stage"),
    (
        "action_due",
        "SELECT due_date, count(*) FROM capa_actions WHERE status IN ('planned', 'in_progress') "
        "AND due_date IS NOT NULL GROUP BY due_date",
    ),
    (
        "effectiveness",
        "SELECT result, count(*) FROM effectiveness_checks WHERE result IN ('passed', 'failed') "
        "GROUP BY result",
    ),
    (
        "audits_with_findings",
        "SELECT '', count(*) FROM audits a WHERE EXISTS "
        "(SELECT 1 FROM findings f WHERE f.audit_id = a.id AND f.{counted})",
    ),
)


def _key(value: object) -> str:
    if value is None:
        return ""
    isoformat = getattr(value, "isoformat", None)
    return str(isoformat()) if callable(isoformat) else str(value)[:300]


def upgrade() -> None:
    table = op.create_table(
        "metric_counts",
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "key"),
    )
    bind = op.get_bind()
    repeat = "repeat IS TRUE" if bind.dialect.name == "postgresql" else "repeat = 1"
    counts: dict[tuple[str, str], int] = {}
    for kind, query in GROUPS:
        for value, n in bind.execute(sa.text(query.format(counted=COUNTED, repeat=repeat))):
            key = (kind, _key(value) if kind != "action_due" else _key(value)[:10])
            counts[key] = counts.get(key, 0) + int(n)
    rows = [{"kind": k, "key": v, "n": n} for (k, v), n in sorted(counts.items()) if n]
    for start in range(0, len(rows), 500):
        op.bulk_insert(table, rows[start : start + 500])


def downgrade() -> None:
    op.drop_table("metric_counts")
