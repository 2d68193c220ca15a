"""The dashboard's counters agree with the tables after any mix of real operations (ADR 0075).

A seeded random walk drives the store the way its users do: tablets push plans and findings (some before
their audit's plan, some edited later), quality managers triage (every decision, including refused ones),
CAPAs get actions that come due or are done, effectiveness checks pass or fail and reopen, repeat findings
arrive inside a window, CAPAs close and reopen. After every step the figures served from the counters
must equal the same figures computed from the tables by GROUP BY.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from fastapi.testclient import TestClient
from sqlalchemy import update

from auditapp.central import metric_counts, metrics, metrics_live
from auditapp.central.auth import now
from auditapp.central.database import MIGRATIONS, Database
from auditapp.central.metric_counts import MetricCount
from auditapp.domain.events import DomainEvent
from tests.integration.capa.conftest import (  # noqa: F401 - fixtures
    WORK_STEPS,
    Tablet,
    as_user,
    client,
    close_body,
    database,
    pass_desk_check,
    tablets,
    user_ids,
)
from tests.support.processes import auditapp_env, run_cli

SITES = ("Plant 1", "Plant 2")
CLAUSES = ("6.4.1", "7.5.6", "8.2.4")
GRADES = ("major_nc", "minor_nc", "minor_nc", "observation", "ofi", "good_practice")
OK = (200, 201)
REFUSED = (404, 409, 422)


def agree(db: Database, where: str) -> None:
    """The served figures equal the reference figures, and every stored counter its recount."""
    at = now()
    with db.transaction() as s:
        fast = dataclasses.asdict(metrics.compute(s, at))
        live = dataclasses.asdict(metrics_live.compute_live(s, at))
        stored = metric_counts.stored_counts(s)
        recount = {(k, key): n for k, key, n in metric_counts.live_counts(s) if n}
    assert fast == live, where
    assert stored == recount, where


@dataclass
class World:
    """What the walk has made so far, and the clients that make more."""

    client: TestClient
    users: dict[str, dict[str, str]]
    tablet: Tablet
    rnd: random.Random
    raised: list[DomainEvent] = field(default_factory=list)
    site_of: dict[str, str] = field(default_factory=dict)
    unplanned: list[str] = field(default_factory=list)
    capas: dict[str, tuple[str, str]] = field(default_factory=dict)
    """CAPA id -> (site, clause) of its first source finding."""

    def call(self, method: str, path: str, body: dict[str, Any] | None = None, who: str = "quinn") -> Any:
        reply = self.client.request(method, path, json=body, headers=self.users[who])
        assert reply.status_code in OK + REFUSED, f"{method} {path}: {reply.status_code} {reply.text}"
        return reply

    def clock(self) -> None:
        # Raised now, so findings fall inside the effectiveness windows the walk plans around today.
        self.tablet.wall_ms = max(self.tablet.wall_ms + 1, int(time.time() * 1000))

    # ------------------------------------------------------------------ the field
    def raise_findings(
        self, audit: str | None = None, site: str | None = None, clause: str | None = None
    ) -> None:
        self.clock()
        audit = audit or str(uuid.uuid4())
        events = []
        if audit not in self.site_of:
            self.site_of[audit] = site or self.rnd.choice(SITES)
            if self.rnd.random() < 0.3:
                self.unplanned.append(audit)  # its plan arrives later, from another sync
            else:
                events.append(self.tablet.plan(audit, site=self.site_of[audit]))
        for _ in range(self.rnd.randint(1, 3)):
            grade = self.rnd.choice(GRADES) if clause is None else "minor_nc"
            events.append(self.tablet.raise_finding(audit, clause or self.rnd.choice(CLAUSES), grade))
        self.tablet.push(events)
        self.raised += [e for e in events if "finding_id" in e.payload]

    def late_plan(self) -> None:
        if self.unplanned:
            audit = self.unplanned.pop(0)
            self.tablet.push([self.tablet.plan(audit, site=self.site_of[audit])])

    def more_in_audit(self) -> None:
        if self.raised:
            self.raise_findings(audit=self.rnd.choice(self.raised).audit_id)

    def edit(self) -> None:
        if self.raised:
            self.clock()
            base = self.rnd.choice(self.raised)
            name, value = self.rnd.choice(
                [("grade", self.rnd.choice(GRADES)), ("clause", self.rnd.choice(CLAUSES))]
            )
            self.tablet.push([self.tablet.edit(base, name, value)])

    # ------------------------------------------------------------------ triage
    def triage(self) -> None:
        if not self.raised:
            return
        finding = str(self.rnd.choice(self.raised).payload["finding_id"])
        decision = self.rnd.choice(
            ["no_action", "rejected", "duplicate", "correction_only", "open_capa", "open_capa", "link_capa"]
        )
        body: dict[str, Any] = {
            "decision": decision,
            "justification": "Seen and judged",
            "correction": "Fixed",
        }
        if decision == "duplicate":
            body["duplicate_of"] = str(self.rnd.choice(self.raised).payload["finding_id"])
        if decision == "open_capa":
            body["capa"] = {"title": "Gap", "problem_statement": "Seen twice", "owner": "owen"}
        if decision == "link_capa":
            if not self.capas:
                return
            body["capa_id"] = self.rnd.choice(sorted(self.capas))
        reply = self.call("POST", f"/api/findings/{finding}/triage", body)
        if reply.status_code == 200 and decision == "open_capa":
            detail = self.call("GET", f"/api/findings/{finding}").json()
            self.capas[str(reply.json()["capa_id"])] = (detail["site"], detail["clause"])

    # ------------------------------------------------------------------ CAPA work
    def _capa(self) -> str | None:
        return self.rnd.choice(sorted(self.capas)) if self.capas else None

    def add_action(self) -> None:
        if capa := self._capa():
            due = dt.date.today() + dt.timedelta(days=self.rnd.randint(-20, 20))
            status = self.rnd.choice(["planned", "in_progress"])
            body = {
                "kind": "corrective",
                "description": "Fix it",
                "due_date": due.isoformat(),
                "status": status,
            }
            self.call("POST", f"/api/capas/{capa}/actions", body, who="owen")

    def update_action(self) -> None:
        if not (capa := self._capa()):
            return
        actions = self.call("GET", f"/api/capas/{capa}").json().get("actions", [])
        if not actions:
            return
        action = self.rnd.choice(actions)["id"]
        body = self.rnd.choice(
            [
                {"due_date": (dt.date.today() + dt.timedelta(days=self.rnd.randint(-9, 9))).isoformat()},
                {"status": "in_progress"},
                {"status": "implemented", "evidence": "Done, record R-1"},
                {"status": "implemented"},  # refused without evidence: rolls back
                {"status": "cancelled", "cancel_reason": "Superseded by another action"},
                {"status": "planned", "due_date": (dt.date.today() - dt.timedelta(days=3)).isoformat()},
            ]
        )
        self.call("PATCH", f"/api/capas/{capa}/actions/{action}", body, who="owen")

    def work(self) -> None:
        if capa := self._capa():
            for method, path, body in WORK_STEPS:
                self.call(method, f"/api/capas/{capa}/{path}", body, who="owen")

    def _plan_check(self, capa: str) -> Any:
        today = dt.date.today()
        body = {
            "criterion": "No repeat in 30 days",
            "method": "record_review",
            "window_start": (today - dt.timedelta(days=1)).isoformat(),
            "window_end": (today + dt.timedelta(days=30)).isoformat(),
        }
        return self.call("POST", f"/api/capas/{capa}/effectiveness", body)

    def check(self) -> None:
        if not (capa := self._capa()):
            return
        reply = self._plan_check(capa)
        if reply.status_code != 201:
            return
        check = reply.json()["effectiveness_checks"][-1]["id"]
        result = {"result": self.rnd.choice(["passed", "failed"]), "comment": "Reviewed", "evidence": ["R-2"]}
        self.call("POST", f"/api/capas/{capa}/effectiveness/{check}/result", result)

    def repeat(self) -> None:
        """A new finding on a CAPA's clause at its site inside a pending check's window: a repeat."""
        placed = [c for c, (site, clause) in sorted(self.capas.items()) if site and clause]
        if placed:
            capa = self.rnd.choice(placed)
            self._plan_check(capa)
            site, clause = self.capas[capa]
            self.raise_findings(site=site, clause=clause)

    def close(self) -> None:
        if capa := self._capa():
            self.work()
            self.call("PUT", f"/api/capas/{capa}/document-update", {"justification": "No document changes"})
            self.call("PUT", f"/api/capas/{capa}/communication", {"justification": "Told at shift handover"})
            reply = self.call("GET", f"/api/capas/{capa}")
            if reply.json().get("stage") == "effectiveness":
                pass_desk_check(self.client, capa, self.users["quinn"])
            self.call("POST", f"/api/capas/{capa}/close", close_body())

    def reopen(self) -> None:
        if capa := self._capa():
            self.call("POST", f"/api/capas/{capa}/reopen", {"reason": "Seen again on the floor"})


@pytest.mark.req("PLT-011")
@pytest.mark.req("PLT-016")
@pytest.mark.parametrize("seed", [75, 2026])
def test_counters_agree_with_the_tables_after_every_operation(
    seed: int,
    client: TestClient,  # noqa: F811
    as_user: dict[str, dict[str, str]],  # noqa: F811
    tablets: list[Tablet],  # noqa: F811
    database: Database,  # noqa: F811
) -> None:
    world = World(client, as_user, tablets[0], random.Random(seed))
    steps = [
        (world.raise_findings, 5),
        (world.more_in_audit, 2),
        (world.late_plan, 2),
        (world.edit, 2),
        (world.triage, 6),
        (world.add_action, 3),
        (world.update_action, 3),
        (world.work, 1),
        (world.check, 2),
        (world.repeat, 2),
        (world.close, 1),
        (world.reopen, 1),
    ]
    kinds = [step for step, weight in steps for _ in range(weight)]
    walk = [world.raise_findings, *world.rnd.sample(kinds, len(kinds))]  # every kind at least once
    walk += [world.rnd.choice(kinds) for _ in range(60)]
    for number, step in enumerate(walk):
        step()
        agree(database, f"step {number}: {step.__name__}")
    with database.transaction() as s:
        figures = metrics.compute(s, now())
    # The walk reached the figures it is meant to test, not just zeros.
    assert figures.open_capas
    assert figures.findings_by_grade
    assert figures.audits_with_findings
    assert figures.repeat_findings_by_clause
    assert figures.effectiveness_passed + figures.effectiveness_failed


@pytest.mark.req("PLT-016")
def test_admin_rebuild_metrics_repairs_counters_written_around(
    client: TestClient,  # noqa: F811
    as_user: dict[str, dict[str, str]],  # noqa: F811
    tablets: list[Tablet],  # noqa: F811
    database: Database,  # noqa: F811
    database_url: str,
    tmp_path: Path,
) -> None:
    world = World(client, as_user, tablets[0], random.Random(6))
    for _ in range(4):
        world.raise_findings()
        world.triage()
    with database.transaction() as s:  # a change made around the application
        s.execute(update(MetricCount).where(MetricCount.kind == "grade").values(n=MetricCount.n + 5))
    env = auditapp_env(tmp_path / "home", AUDITAPP_DATABASE_URL=database_url)
    repaired = run_cli(["admin", "rebuild-metrics"], env)
    assert repaired.returncode == 0, repaired.stderr
    assert "repaired" in repaired.stdout
    agree(database, "after rebuild-metrics")
    again = run_cli(["admin", "rebuild-metrics"], env)
    assert again.stdout.strip() == "dashboard counters were right"


@pytest.mark.req("PLT-016")
def test_the_migration_counts_what_the_store_already_holds(
    client: TestClient,  # noqa: F811
    as_user: dict[str, dict[str, str]],  # noqa: F811
    tablets: list[Tablet],  # noqa: F811
    database: Database,  # noqa: F811
) -> None:
    world = World(client, as_user, tablets[0], random.Random(13))
    for step in (world.raise_findings, world.triage, world.add_action, world.check, world.raise_findings):
        for _ in range(3):
            step()
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0008p-1")  # a store from before the counters
        command.upgrade(config, "heads")
    agree(database, "after the migration")
