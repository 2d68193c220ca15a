"""Fixtures of the CAPA tests: a migrated central database (SQLite and PostgreSQL), the real API in-process,
one user per role, and field devices whose events go through the store's real ingest."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from auditapp.central import auth
from auditapp.central.api import create_app
from auditapp.central.database import Database, migrate
from auditapp.central.ingest import ingest
from auditapp.central.sync_tables import DeviceMessage
from auditapp.central.tables import Device, User
from auditapp.config import ServerConfig
from auditapp.domain.clock import HybridClock, Timestamp
from auditapp.domain.events import DomainEvent, EventFactory, EventKind
from auditapp.domain.plan import AuditPlan, AuditType, ChecklistRef

PASSWORD = "capa-password-1"
USERS = {
    "quinn": ("quality_manager", "Quinn Quality"),
    "owen": ("capa_owner", "Owen Owner"),
    "olga": ("capa_owner", "Olga Other"),
    "ana": ("auditor", "Ana Auditor"),
    "vic": ("viewer", "Vic Viewer"),
    "adam": ("admin", "Adam Admin"),
}
ITEM = "iso13485-6.4.1-01"  # a library item, so the store knows its MDSAP process


def plan(site: str = "Plant 2", title: str = "Cleanroom walk") -> AuditPlan:
    """An audit plan at a site."""
    return AuditPlan(
        title=title,
        organisation="Acme Medical",
        site=site,
        audit_type=AuditType.INTERNAL,
        objectives="Verify gowning practice",
        scope="Cleanroom 2",
        criteria=(ChecklistRef("iso13485-2016", "1", "0" * 64),),
        start_date=dt.date(2026, 11, 2),
        end_date=dt.date(2026, 11, 3),
        lead_auditor="Ana Auditor",
    )


@dataclass
class Tablet:
    """A field device enrolled for a user; it stamps events with a clock it controls and pushes them."""

    database: Database
    device_id: str
    wall_ms: int = 1_790_000_000_000
    factory: EventFactory = field(init=False)

    def __post_init__(self) -> None:
        self.factory = EventFactory(self.device_id, HybridClock(self.device_id, wall=lambda: self.wall_ms))

    def make(
        self, audit_id: str, kind: EventKind, payload: dict[str, Any], at_ms: int | None = None
    ) -> DomainEvent:
        """A new event of this device (at wall time at_ms when given)."""
        if at_ms is not None:
            self.wall_ms = at_ms
        return self.factory.make(audit_id, kind, payload)

    def push(self, events: Sequence[DomainEvent]) -> None:
        """Ingest the events as the push endpoint does, in one transaction."""
        with self.database.transaction() as session:
            device = session.get(Device, self.device_id)
            assert device is not None
            ingest(session, device, list(events))

    def plan(self, audit_id: str, site: str = "Plant 2") -> DomainEvent:
        """An AuditPlanned event."""
        return self.make(audit_id, EventKind.AUDIT_PLANNED, {"plan": plan(site).to_dict()})

    def raise_finding(
        self, audit_id: str, clause: str = "6.4.1", grade: str = "minor_nc", statement: str = "", **extra: Any
    ) -> DomainEvent:
        """A FindingRaised event with a fresh finding id."""
        payload = {
            "finding_id": str(uuid.uuid4()),
            "item_id": ITEM,
            "clause": clause,
            "grade": grade,
            "requirement": "Work environment requirements shall be documented",
            "statement": statement or f"Gowning log unsigned ({clause})",
            "evidence_ids": [],
            "n19_grade": None,
            **extra,
        }
        return self.make(audit_id, EventKind.FINDING_RAISED, payload)

    def edit(
        self, base: DomainEvent, name: str, value: Any, based_on: DomainEvent | None = None
    ) -> DomainEvent:
        """A FindingEdited of the finding raised by `base`, having seen `based_on` (default: the raise)."""
        seen: Timestamp = (based_on or base).hlc
        payload = {
            "finding_id": base.payload["finding_id"],
            "field": name,
            "value": value,
            "base": seen.to_text(),
        }
        return self.make(base.audit_id, EventKind.FINDING_EDITED, payload)

    def messages(self, kind: str | None = None) -> list[dict[str, Any]]:
        """What the store has queued for this device, oldest first (optionally one kind)."""
        import json

        with self.database.transaction() as session:
            query = (
                select(DeviceMessage)
                .where(DeviceMessage.device_id == self.device_id)
                .order_by(DeviceMessage.id)
            )
            rows = list(session.scalars(query))
        return [json.loads(r.body) for r in rows if kind is None or r.kind == kind]


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    """The central store's database, migrated, once on SQLite and once on PostgreSQL."""
    db = Database(database_url)
    migrate(db.engine)
    try:
        yield db
    finally:
        db.dispose()


@pytest.fixture
def user_ids(database: Database) -> dict[str, str]:
    """The users of USERS; username -> id."""
    out = {}
    with database.transaction() as session:
        for username, (role, name) in USERS.items():
            out[username] = auth.create_user(session, username, PASSWORD, auth.Role(role), name).id
    return out


@pytest.fixture
def client(
    database: Database, database_url: str, tmp_path: Path, user_ids: dict[str, str]
) -> Iterator[TestClient]:
    """The real API application over the test database, called in-process."""
    config = ServerConfig(database_url=database_url, blob_dir=tmp_path / "blobs")
    with TestClient(create_app(config, database), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def as_user(database: Database, user_ids: dict[str, str]) -> dict[str, dict[str, str]]:
    """Bearer headers of each user; username -> headers."""
    out: dict[str, dict[str, str]] = {}
    with database.transaction() as session:
        for username, user_id in user_ids.items():
            user = session.get(User, user_id)
            assert user is not None
            token, _ = auth.issue_token(session, user, 30)
            out[username] = {"Authorization": f"Bearer {token}"}
    return out


@pytest.fixture
def tablets(database: Database, user_ids: dict[str, str]) -> list[Tablet]:
    """Two enrolled tablets of the auditor ana (a team audit has several)."""
    out = []
    with database.transaction() as session:
        for index in range(2):
            device_id = f"tablet-{index}-{uuid.uuid4().hex[:8]}"
            session.add(
                Device(
                    id=device_id,
                    user_id=user_ids["ana"],
                    name=f"tablet {index}",
                    status="active",
                    created_at=auth.now(),
                )
            )
            out.append(Tablet(database, device_id))
    return out


def trail_of(database: Database, entity: str, entity_id: str) -> list[tuple[str, str, dict[str, Any]]]:
    """The audit trail of one record: (actor, action, new values), oldest first."""
    import json

    from auditapp.central.trail_tables import TrailEntry

    with database.transaction() as session:
        rows = session.scalars(
            select(TrailEntry)
            .where(TrailEntry.entity == entity, TrailEntry.entity_id == entity_id)
            .order_by(TrailEntry.seq)
        )
        return [(r.actor, r.action, json.loads(r.new_values)) for r in rows]


def error_of(reply: Any) -> tuple[int, str, str]:
    """Status, error code and message of a refused request."""
    body = reply.json()
    return reply.status_code, body["error"]["code"], body["error"]["message"]


@dataclass
class OpenedCapa:
    """A CAPA opened by triage from one finding raised on a tablet."""

    capa_id: str
    finding_id: str
    audit_id: str


def open_capa(
    client: TestClient, qm: dict[str, str], tablet: Tablet, site: str = "Plant 2", owner: str = "owen"
) -> OpenedCapa:
    """Raise a finding at a site on the tablet and open a CAPA from it, owned by `owner`."""
    audit = str(uuid.uuid4())
    raised = tablet.raise_finding(audit)
    tablet.push([tablet.plan(audit, site=site), raised])
    finding_id = str(raised.payload["finding_id"])
    body = {
        "decision": "open_capa",
        "capa": {"title": "Gowning log gaps", "problem_statement": "3 of 10 days unsigned", "owner": owner},
    }
    reply = client.post(f"/api/findings/{finding_id}/triage", json=body, headers=qm)
    assert reply.status_code == 200, reply.text
    return OpenedCapa(str(reply.json()["capa_id"]), finding_id, audit)


WORK_STEPS: list[tuple[str, str, dict[str, Any]]] = [
    ("PUT", "containment", {"containment": "Logs of the week reviewed", "correction": "Entries signed"}),
    ("PUT", "root-cause", {"method": "five_whys", "result": "The SOP has no signature step"}),
    (
        "POST",
        "actions",
        {
            "kind": "corrective",
            "description": "Add a signature step to SOP-12",
            "status": "implemented",
            "evidence": "SOP-12 rev C released",
            "document_id": "SOP-12",
            "document_revision": "C",
            "communication_record": "Training record TR-88",
        },
    ),
    (
        "PUT",
        "verification",
        {
            "compliance_unaffected": True,
            "safety_performance_unaffected": True,
            "comment": "No validated step changes",
        },
    ),
]
"""Root cause, an implemented corrective action with document and training, and the 8.5.2 e verification."""


def work_through(client: TestClient, capa_id: str, who: dict[str, str]) -> dict[str, Any]:
    """Record root cause, an implemented corrective action with document and training, and the 8.5.2 e
    verification; returns the CAPA as it then reads (stage effectiveness)."""
    reply = None
    for method, path, body in WORK_STEPS:
        reply = client.request(method, f"/api/capas/{capa_id}/{path}", json=body, headers=who)
        assert reply.status_code in (200, 201), reply.text
    assert reply is not None
    return dict(reply.json())


def pass_desk_check(
    client: TestClient, capa_id: str, qm: dict[str, str], method: str = "record_review"
) -> str:
    """Plan a check whose window is open today and record that it passed; returns its id."""
    today = dt.datetime.now(dt.UTC).date()
    body = {
        "criterion": "No unsigned entries in 30 days of logs",
        "method": method,
        "window_start": (today - dt.timedelta(days=1)).isoformat(),
        "window_end": (today + dt.timedelta(days=30)).isoformat(),
    }
    reply = client.post(f"/api/capas/{capa_id}/effectiveness", json=body, headers=qm)
    assert reply.status_code == 201, reply.text
    check_id = str(reply.json()["effectiveness_checks"][-1]["id"])
    result = {"result": "passed", "comment": "30 days reviewed, all signed", "evidence": ["GL-2027-01"]}
    reply = client.post(f"/api/capas/{capa_id}/effectiveness/{check_id}/result", json=result, headers=qm)
    assert reply.status_code == 200, reply.text
    return check_id


def close_body(password: str = PASSWORD, **extra: Any) -> dict[str, Any]:
    """The body of a closure signature."""
    return {"password": password, "meaning": "approved closure", "signer_timezone": "Europe/Berlin", **extra}
