"""sync: photo blobs by SHA-256, devices on each audit's team, names in audit plans

Revision ID: 0003s
Revises: 0002

The new tables are filled from the events already stored, so photos and team audits synced before this
version are served and shared like new ones.
"""

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0003s"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "photo_blobs",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("variant", sa.String(length=16), nullable=False),
        sa.Column("blob_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("sha256", "event_id"),
    )
    op.create_table(
        "audit_devices",
        sa.Column("audit_id", sa.String(length=36), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("audit_id", "device_id"),
    )
    with op.batch_alter_table("audit_devices", schema=None) as batch_op:
        batch_op.create_index("ix_audit_devices_device_id", ["device_id"], unique=False)
    op.create_table(
        "audit_team_names",
        sa.Column("audit_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("audit_id", "name"),
    )
    with op.batch_alter_table("audit_team_names", schema=None) as batch_op:
        batch_op.create_index("ix_audit_team_names_name", ["name"], unique=False)
    _fill_from_events()


def _fill_from_events() -> None:
    """Index the events stored before this version (a one-off pass; later events are indexed at push)."""
    bind = op.get_bind()
    events = sa.table(
        "events",
        sa.column("event_id", sa.String),
        sa.column("device_id", sa.String),
        sa.column("audit_id", sa.String),
        sa.column("kind", sa.String),
        sa.column("body", sa.Text),
    )
    now = datetime.now(UTC)
    members = bind.execute(sa.select(events.c.audit_id, events.c.device_id).distinct()).all()
    if members:
        op.bulk_insert(
            sa.table("audit_devices", sa.column("audit_id"), sa.column("device_id"), sa.column("joined_at")),
            [{"audit_id": a, "device_id": d, "joined_at": now} for a, d in members],
        )
    photos: dict[tuple[str, str], dict[str, str]] = {}
    names: set[tuple[str, str]] = set()
    kinds = ("PhotoAttached", "AuditPlanned", "AuditPlanEdited")
    query = sa.select(events.c.event_id, events.c.audit_id, events.c.kind, events.c.body).where(
        events.c.kind.in_(kinds)
    )
    for event_id, audit_id, kind, body in bind.execute(query):
        payload = json.loads(body).get("payload") or {}
        if kind == "PhotoAttached":
            for variant, prefix in (("image", ""), ("thumbnail", "thumbnail_")):
                sha, blob = payload.get(f"{prefix}sha256"), payload.get(f"{prefix}blob_id")
                if sha and blob:
                    photos[(sha, event_id)] = {"variant": variant, "blob_id": blob}
        else:
            plan = payload.get("plan") or {}
            if kind == "AuditPlanEdited":
                plan = {str(payload.get("field")): payload.get("value")}
            people = [plan.get("lead_auditor"), *(plan.get("team") or [])]
            names.update((audit_id, _name_key(p)) for p in people if isinstance(p, str) and _name_key(p))
    if photos:
        op.bulk_insert(
            sa.table(
                "photo_blobs",
                sa.column("sha256"),
                sa.column("event_id"),
                sa.column("variant"),
                sa.column("blob_id"),
            ),
            [{"sha256": s, "event_id": e, **v} for (s, e), v in photos.items()],
        )
    if names:
        op.bulk_insert(
            sa.table("audit_team_names", sa.column("audit_id"), sa.column("name")),
            [{"audit_id": a, "name": n} for a, n in sorted(names)],
        )


def _name_key(name: str) -> str:
    # The same rule as auditapp.central.sync_team.name_key, frozen here as of this revision.
    return " ".join(name.casefold().split())[:200]


def downgrade() -> None:
    with op.batch_alter_table("audit_team_names", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_team_names_name")
    op.drop_table("audit_team_names")
    with op.batch_alter_table("audit_devices", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_devices_device_id")
    op.drop_table("audit_devices")
    op.drop_table("photo_blobs")
