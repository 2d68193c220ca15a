"""Team audits and photos on the central store: who is on an audit's team, what each member is sent, and
where each photo's blob is.

An audit's team is every device that sent events for it, and every active device of a user named in its
current plan (lead auditor or team, by user name or display name, ignoring case and spacing; both sides of
an unresolved conflict count). Each member receives the other members' events of the audit as
`team_events` pull records, sealed to it like every pull record; a device that joins a team receives
everything the others sent before, and the published checklists the plan pins (ADR 0047). A device that
was on the team only because its user was named stops receiving the audit's events once a plan edit no
longer names that user; the push holding that edit is the last it receives (ADR 0049). All of it happens
in the push's transaction, so a record exists exactly when the events it carries do.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from auditapp.central import capa_feed, checklist_publishing
from auditapp.central.auth import now
from auditapp.central.pull_feed import devices_on_audit, queue_for_device
from auditapp.central.sync_tables import AuditDevice, AuditTeamName, PhotoBlob
from auditapp.central.tables import Audit, Device, StoredEvent, User
from auditapp.domain import places
from auditapp.domain.events import DomainEvent, EventKind
from auditapp.domain.state import Projector

TEAM_EVENTS = "team_events"
"""Pull record kind: `{audit_id, events: [event, ...]}`, events of teammates' devices on one audit."""
MAX_EVENTS_PER_RECORD = 200
MAX_RECORD_BYTES = 256 * 1024
"""A team_events record holds at most this many events or bytes, so a pull page stays small."""
PHOTO_VARIANTS = (("image", ""), ("thumbnail", "thumbnail_"))
_PLAN_KINDS = (EventKind.AUDIT_PLANNED.value, EventKind.AUDIT_PLAN_EDITED.value)
_TEAM_FIELDS = ("lead_auditor", "team")


def name_key(name: str) -> str:
    """How a person's name is compared: as organisations and sites are (`places.name_key`: case-folded,
    spaces collapsed), cut to the column's 200 characters (the migration freezes this rule)."""
    return places.name_key(name)[:200]


def _named(event: DomainEvent) -> list[str]:
    """Names an event puts on the audit's team (plans and edits of the lead auditor or team)."""
    payload = event.payload
    if event.kind is EventKind.AUDIT_PLANNED:
        plan = payload.get("plan") or {}
    elif event.kind is EventKind.AUDIT_PLAN_EDITED and payload.get("field") in ("lead_auditor", "team"):
        plan = {str(payload["field"]): payload.get("value")}
    else:
        return []
    people = [plan.get("lead_auditor"), *(plan.get("team") or [])]
    return [key for p in people if isinstance(p, str) and (key := name_key(p))]


def _edits_team(event: DomainEvent) -> bool:
    """Whether the event sets the lead auditor or the team (a team emptied names nobody, yet changes it)."""
    return event.kind is EventKind.AUDIT_PLANNED or (
        event.kind is EventKind.AUDIT_PLAN_EDITED and event.payload.get("field") in _TEAM_FIELDS
    )


def devices_of_named_users(session: Session, names: Iterable[str]) -> set[str]:
    """Active devices of the users whose user name or display name is one of the name keys."""
    wanted = set(names)
    if not wanted:
        return set()
    users = [
        user.id
        for user in session.scalars(select(User).where(User.active.is_(True)))
        if name_key(user.username) in wanted or name_key(user.display_name) in wanted
    ]
    if not users:
        return set()
    query = select(Device.id).where(Device.user_id.in_(users), Device.status == "active")
    return set(session.scalars(query))


def _queue_events(session: Session, device_id: str, audit_id: str, events: Sequence[dict[str, Any]]) -> None:
    """Address events to one device as team_events records of bounded size."""
    batch: list[dict[str, Any]] = []
    size = 0
    for event in events:
        length = len(json.dumps(event, separators=(",", ":")))
        if batch and (len(batch) >= MAX_EVENTS_PER_RECORD or size + length > MAX_RECORD_BYTES):
            queue_for_device(session, device_id, TEAM_EVENTS, {"audit_id": audit_id, "events": batch})
            batch, size = [], 0
        batch.append(event)
        size += length
    if batch:
        queue_for_device(session, device_id, TEAM_EVENTS, {"audit_id": audit_id, "events": batch})


def _stored_events(session: Session, audit_id: str, excluding_device: str) -> list[dict[str, Any]]:
    query = (
        select(StoredEvent.body)
        .where(StoredEvent.audit_id == audit_id, StoredEvent.device_id != excluding_device)
        .order_by(StoredEvent.hlc, StoredEvent.event_id)
    )
    return [json.loads(body) for body in session.scalars(query)]


def _plan_events(session: Session, audit_id: str) -> list[DomainEvent]:
    """The audit's stored plan and plan edits (a handful per audit)."""
    query = select(StoredEvent.body).where(
        StoredEvent.audit_id == audit_id, StoredEvent.kind.in_(_PLAN_KINDS)
    )
    events: list[DomainEvent] = []
    for body in session.scalars(query):
        try:
            events.append(DomainEvent.from_dict(json.loads(body)))
        except (ValueError, KeyError, TypeError):
            continue  # ingest validated every stored event; an unreadable one cannot name anyone
    return events


def _plans(events: Iterable[DomainEvent]) -> list[dict[str, Any]]:
    """Plan values the events carry: whole plans, and single edited fields as one-field plans."""
    out: list[dict[str, Any]] = []
    for event in events:
        if event.kind is EventKind.AUDIT_PLANNED:
            out.append(dict(event.payload.get("plan") or {}))
        elif event.kind is EventKind.AUDIT_PLAN_EDITED:
            out.append({str(event.payload.get("field")): event.payload.get("value")})
    return out


def current_names(session: Session, audit_id: str) -> set[str] | None:
    """Name keys of the people the audit's merged plan names now; None while the plan has not arrived.

    Both values of an unresolved conflict on the lead auditor or the team count: until the auditors resolve
    it, either could be the real team.
    """
    state = Projector(audit_id).add_all(_plan_events(session, audit_id)).state()
    if state.plan is None:
        return None
    people: list[object] = [state.plan.lead_auditor, *state.plan.team]
    for field in _TEAM_FIELDS:
        conflict = state.conflict_on("plan", field)
        for competing in conflict.values if conflict is not None else ():
            value = competing.value
            people.extend(value if isinstance(value, list | tuple) else [value])
    return {key for p in people if isinstance(p, str) and (key := name_key(p))}


def _team_now(session: Session, audit_id: str, sender: str, pushed: Sequence[DomainEvent]) -> set[str]:
    """After a push that changed the lead auditor or team: who is on the team, with the names kept current."""
    known = set(session.scalars(select(AuditTeamName.name).where(AuditTeamName.audit_id == audit_id)))
    names = current_names(session, audit_id)
    if names is None:  # edits before their plan: names only add up until the plan arrives
        names = known | {name for event in pushed for name in _named(event)}
    if known - names:
        session.execute(
            delete(AuditTeamName).where(
                AuditTeamName.audit_id == audit_id, AuditTeamName.name.in_(known - names)
            )
        )
    session.add_all(AuditTeamName(audit_id=audit_id, name=name) for name in sorted(names - known))
    return set(devices_on_audit(session, audit_id)) | {sender} | devices_of_named_users(session, names)


def join_team(
    session: Session, audit_id: str, device_ids: Iterable[str], *, has_history: Iterable[str] = ()
) -> None:
    """Make devices members of an audit's team and send each the checklists the audit pins (those the
    store published), what the others sent so far, and the site's earlier findings and open CAPAs (not to
    the devices in `has_history`, which were sent them when they planned the audit)."""
    joining = sorted(set(device_ids))
    if not joining:
        return
    checklist_publishing.send_pinned(
        session, joining, checklist_publishing.pinned_hashes(_plans(_plan_events(session, audit_id)))
    )
    site = session.scalar(select(Audit.site).where(Audit.id == audit_id)) or ""
    for device_id in joining:
        session.add(AuditDevice(audit_id=audit_id, device_id=device_id, joined_at=now()))
        _queue_events(session, device_id, audit_id, _stored_events(session, audit_id, device_id))
        if device_id not in set(has_history):
            capa_feed.send_prior_findings(session, device_id, audit_id, site)


def share_pushed(session: Session, sender: str, events: Sequence[DomainEvent]) -> None:
    """After a push's new events are stored: index their photos, keep the teams current, send the events to
    teammates (a device leaving the team still receives the push that removed it)."""
    index_photos(session, events)
    by_audit: dict[str, list[DomainEvent]] = {}
    for event in events:
        by_audit.setdefault(event.audit_id, []).append(event)
    for audit_id, pushed in by_audit.items():
        members = set(session.scalars(select(AuditDevice.device_id).where(AuditDevice.audit_id == audit_id)))
        for device_id in sorted(members - {sender}):
            _queue_events(session, device_id, audit_id, [event.to_dict() for event in pushed])
        team = members | {sender}
        if any(_edits_team(event) for event in pushed):
            team = _team_now(session, audit_id, sender, pushed)
            leaving = members - team
            if leaving:
                session.execute(
                    delete(AuditDevice).where(
                        AuditDevice.audit_id == audit_id, AuditDevice.device_id.in_(leaving)
                    )
                )
        pins = checklist_publishing.pinned_hashes(_plans(pushed))
        checklist_publishing.send_pinned(session, (members & team) - {sender}, pins)
        session.flush()
        planned_here = any(event.kind is EventKind.AUDIT_PLANNED for event in pushed)
        join_team(session, audit_id, team - members, has_history=[sender] if planned_here else [])
    session.flush()


def join_named_audits(session: Session, device: Device, user: User) -> None:
    """At enrollment: send the device the current published checklists (ADR 0054), and put it on the team
    of every open audit whose current plan names its user."""
    checklist_publishing.send_current(session, device.id)
    names = {name_key(user.username), name_key(user.display_name)} - {""}
    audits = set(session.scalars(select(AuditTeamName.audit_id).where(AuditTeamName.name.in_(names))))
    if not audits:
        return
    already = set(session.scalars(select(AuditDevice.audit_id).where(AuditDevice.device_id == device.id)))
    closed = set(
        session.scalars(
            select(StoredEvent.audit_id).where(
                StoredEvent.audit_id.in_(audits), StoredEvent.kind == EventKind.AUDIT_CLOSED.value
            )
        )
    )
    for audit_id in sorted(audits - already - closed):
        join_team(session, audit_id, [device.id])
    session.flush()


def index_photos(session: Session, events: Sequence[DomainEvent]) -> None:
    """Remember, by plaintext SHA-256, which blob holds each photo and which event holds its key."""
    for event in events:
        if event.kind is not EventKind.PHOTO_ATTACHED:
            continue
        for variant, prefix in PHOTO_VARIANTS:
            sha256, blob_id = event.payload.get(f"{prefix}sha256"), event.payload.get(f"{prefix}blob_id")
            if isinstance(sha256, str) and isinstance(blob_id, str):
                # The events are new to the store (ingest checked), so these rows are too.
                session.add(
                    PhotoBlob(sha256=sha256, event_id=event.event_id, variant=variant, blob_id=blob_id)
                )
