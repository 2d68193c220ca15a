"""Findings and audits at the store are projected per field, as the devices project them."""

from __future__ import annotations

import json
import random
import uuid
from datetime import UTC, datetime

import pytest

from auditapp.central.database import Database
from auditapp.central.registers import process_of
from auditapp.central.tables import Audit, Finding
from auditapp.domain.events import DomainEvent, EventKind
from auditapp.domain.state import project
from tests.integration.capa.conftest import ITEM, Tablet, trail_of


def finding_row(database: Database, finding_id: str) -> Finding:
    with database.transaction() as session:
        row = session.get(Finding, finding_id)
        assert row is not None
        return row


@pytest.mark.req("CAP-001")
@pytest.mark.req("CAP-017")
def test_a_late_older_edit_of_another_field_is_kept(database: Database, tablets: list[Tablet]) -> None:
    a, b = tablets
    audit = str(uuid.uuid4())
    raised = a.raise_finding(audit)
    a.push([a.plan(audit), raised])
    a.wall_ms += 1000
    grade_edit = a.edit(raised, "grade", "major_nc")  # made offline, pushed last
    b.wall_ms = a.wall_ms + 60_000
    statement_edit = b.edit(raised, "statement", "Gowning log unsigned on 3 of 10 days")
    b.push([statement_edit])
    a.push([grade_edit])

    row = finding_row(database, raised.payload["finding_id"])
    assert (row.grade, row.statement) == ("major_nc", "Gowning log unsigned on 3 of 10 days")
    assert row.conflicts == ""
    assert row.grade_rank == 0
    trail = trail_of(database, "finding", row.id)
    assert [(actor, action) for actor, action, _ in trail] == [
        (f"device:{a.device_id}", "raised"),
        (f"device:{b.device_id}", "edited"),
        (f"device:{a.device_id}", "edited"),
    ]
    assert trail[-1][2] == {"grade": "major_nc"}


@pytest.mark.req("CAP-001")
def test_concurrent_edits_of_one_field_are_kept_as_a_conflict_until_resolved(
    database: Database, tablets: list[Tablet]
) -> None:
    a, b = tablets
    audit = str(uuid.uuid4())
    raised = a.raise_finding(audit)
    a.push([raised])
    mine = a.edit(raised, "statement", "Version A")
    b.wall_ms = a.wall_ms + 5
    theirs = b.edit(raised, "statement", "Version B")
    b.push([theirs])
    a.push([mine])
    row = finding_row(database, raised.payload["finding_id"])
    assert (row.statement, row.conflicts) == ("Version B", "statement")

    a.wall_ms = b.wall_ms + 10
    settled = a.edit(raised, "statement", "Version C", based_on=theirs)
    a.push([settled])
    row = finding_row(database, raised.payload["finding_id"])
    assert (row.statement, row.conflicts) == ("Version C", "")


@pytest.mark.req("CAP-002")
def test_a_finding_carries_site_process_times_and_arrives_new(
    database: Database, tablets: list[Tablet]
) -> None:
    a = tablets[0]
    audit = str(uuid.uuid4())
    raised = a.raise_finding(audit)
    a.push([raised, a.plan(audit, site="Plant 7")])  # the plan may arrive after the finding
    row = finding_row(database, raised.payload["finding_id"])
    assert row.site == "Plant 7"
    assert row.process == process_of(ITEM) != ""
    assert row.status == "new"
    assert row.raised_at is not None
    raised_at = row.raised_at if row.raised_at.tzinfo else row.raised_at.replace(tzinfo=UTC)
    assert raised_at == datetime.fromtimestamp(raised.hlc.wall_ms / 1000, UTC)
    assert row.created_at is not None

    renamed = a.make(audit, EventKind.AUDIT_PLAN_EDITED, {"field": "site", "value": "Plant 8", "base": None})
    a.push([renamed])
    assert finding_row(database, raised.payload["finding_id"]).site == "Plant 8"


def _scenario(a: Tablet, b: Tablet, audit: str) -> list[DomainEvent]:
    """Two auditors on one audit: raises, edits of different and of the same fields, evidence links."""
    events = [a.plan(audit)]
    first = a.raise_finding(audit, evidence_ids=["ev-1"])
    second = b.raise_finding(audit, clause="7.5.1", grade="observation")
    events += [first, second]
    b.wall_ms += 7
    events.append(b.edit(first, "grade", "major_nc"))
    a.wall_ms += 11
    events.append(a.edit(first, "statement", "Three of ten days unsigned"))
    events.append(a.edit(second, "statement", "A's wording"))
    b.wall_ms = a.wall_ms + 3
    events.append(b.edit(second, "statement", "B's wording"))
    events.append(
        a.make(
            audit,
            EventKind.EVIDENCE_LINKED,
            {"finding_id": first.payload["finding_id"], "evidence_id": "ev-2"},
        )
    )
    events.append(
        b.make(
            audit,
            EventKind.AUDIT_PLAN_EDITED,
            {"field": "site", "value": "Plant 9", "base": events[0].hlc.to_text()},
        )
    )
    return events


@pytest.mark.req("CAP-001")
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_store_agrees_with_the_domain_projection_for_any_arrival_order(
    database: Database, tablets: list[Tablet], seed: int
) -> None:
    a, b = tablets
    audit = str(uuid.uuid4())
    events = _scenario(a, b, audit)
    rnd = random.Random(seed)
    shuffled = events[:]
    rnd.shuffle(shuffled)
    while shuffled:
        take = rnd.randint(1, 3)
        chunk, shuffled = shuffled[:take], shuffled[take:]
        for tablet in (a, b):
            mine = [e for e in chunk if e.device_id == tablet.device_id]
            if mine:
                tablet.push(mine)

    state = project(events, audit)
    with database.transaction() as session:
        assert session.get(Audit, audit).site == "Plant 9"  # type: ignore[union-attr]
        for finding_id, expected in state.findings.items():
            row = session.get(Finding, finding_id)
            assert row is not None
            assert (row.clause, row.grade, row.statement, row.requirement, row.site) == (
                expected.clause,
                expected.grade.value,
                expected.statement,
                expected.requirement,
                "Plant 9",
            )
            assert set(json.loads(row.evidence_ids)) == set(expected.evidence_ids)
            conflicted = {c.key[2] for c in state.conflicts if c.key[:2] == ("finding", finding_id)}
            assert set(filter(None, row.conflicts.split(","))) == conflicted
    assert any(c.key[0] == "finding" for c in state.conflicts)  # the scenario does contain a conflict
