"""Seed a real central store the way the field does it: a real encrypted field workspace captures two
audits with findings and evidence (a real photo, an interview, a document reviewed, a random sample with its
records), enrolls with a code issued over the API, and pushes sealed envelopes and photo blobs."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from auditapp.bootstrap import LibraryChecklists
from auditapp.demo import demo_plan
from auditapp.media.photo import process_photo
from auditapp.services.capture import attach_photo, record_interview, review_document
from auditapp.services.context import capture_context
from auditapp.services.finding_capture import raise_finding
from auditapp.services.followup import EffectivenessTask, follow_up_for, record_effectiveness
from auditapp.services.sample_capture import draw_sample, record_sampled_record
from tests.integration.media.photo_samples import camera_jpeg
from tests.integration.sync_e2e.test_field_agent import Field

GOWNING = "Gowning log unsigned on 3 of 10 days"
GOWNING_AGAIN = "Gowning log not signed on several days (second auditor)"
TRAINING = "Operators on line 2 not trained on SOP-014 rev C"
LABELS = "Labels for lot 4471 printed from an obsolete template"


@dataclass(frozen=True)
class Seeded:
    """What the store now holds: audit ids, finding ids by statement, the photo's SHA-256."""

    audits: tuple[str, str]
    findings: dict[str, str]
    photo_sha256: str


def _code(server_url: str, admin: tuple[str, str], username: str) -> str:
    token = requests.post(
        f"{server_url}/api/auth/login", json={"username": admin[0], "password": admin[1]}, timeout=10
    ).json()["token"]
    reply = requests.post(
        f"{server_url}/api/enrollment-codes",
        json={"username": username},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert reply.status_code == 200, reply.text
    return str(reply.json()["code"])


def seed_two_audits(server_url: str, folder: Path, admin: tuple[str, str], auditor: str) -> Seeded:
    """Capture two audits on a field workspace of `auditor` and sync them to the store."""
    field = Field(folder, server_url)
    try:
        ws = field.ws
        store = ws.store()
        ctx = capture_context(store, store, LibraryChecklists(), store.photos)  # type: ignore[attr-defined]
        first = ws.plan_audit(demo_plan(dt.date(2026, 11, 2)))
        items = ws.walkthrough(first).items
        gown = items[0]
        ws.record_answer(first, gown.item_id, "nonconforming")
        photo = process_photo(camera_jpeg(1600, 1200))
        evidence = [
            attach_photo(ctx, first, photo, caption="Gowning log, week 44", item_id=gown.item_id),
            record_interview(
                ctx,
                first,
                person="Pat Production",
                role="Production manager",
                question="Who signs the gowning log?",
                answer="The shift lead, when there is time at the end of the shift.",
                item_id=gown.item_id,
            ),
            review_document(
                ctx, first, document_id="SOP-007", revision="D", title="Gowning", item_id=gown.item_id
            ),
        ]
        sample = draw_sample(
            ctx,
            first,
            population_description="Gowning log pages, October",
            method="random",
            population_ids=[f"GL-{n:02d}" for n in range(1, 21)],
            sample_size=3,
            seed="4471",
            item_id=gown.item_id,
        )
        for index, identifier in enumerate(sample.selected_ids):
            record_sampled_record(
                ctx,
                first,
                sample.evidence_id,
                identifier=identifier,
                record_type="gowning log page",
                conforms=index != 0,
                record_date="2026-10-14",
                comment="" if index else "no signature of the shift lead",
            )
        evidence.append(sample.evidence_id)
        findings = {
            GOWNING: raise_finding(
                ctx,
                first,
                grade="minor_nc",
                statement=GOWNING,
                requirement="Records shall be signed",
                item_id=gown.item_id,
                evidence_ids=evidence,
            ),
            GOWNING_AGAIN: raise_finding(
                ctx,
                first,
                grade="minor_nc",
                statement=GOWNING_AGAIN,
                requirement="Records shall be signed",
                item_id=gown.item_id,
            ),
        }
        second_plan = dataclasses.replace(
            demo_plan(dt.date(2026, 11, 16)), title="Follow-up audit: line 2 and labelling"
        )
        second = ws.plan_audit(second_plan)
        later = ws.walkthrough(second).items
        train = next(i for i in later if i.clause.startswith("6.2"))
        label = next(i for i in later if i.clause.startswith("7.5"))
        findings[TRAINING] = raise_finding(
            ctx,
            second,
            grade="major_nc",
            statement=TRAINING,
            requirement="Personnel shall be competent",
            item_id=train.item_id,
        )
        findings[LABELS] = raise_finding(
            ctx, second, grade="observation", statement=LABELS, item_id=label.item_id
        )
        field.agent.enroll(_code(server_url, admin, auditor))
        deadline = time.monotonic() + 60
        view = ws.sync_now()
        while (view.waiting_events or view.waiting_bytes or view.last_error) and time.monotonic() < deadline:
            time.sleep(0.2)
            view = ws.sync_now()
        assert (view.waiting_events, view.waiting_bytes, view.last_error) == (0, 0, None), view
        return Seeded((first, second), findings, photo.sha256)
    finally:
        field.ws.close()


def verify_in_field(server_url: str, folder: Path, result: str = "effective", comment: str = "") -> str:
    """The seeded workspace, started again: it pulls the re-verification task, an auditor checks the floor
    in a new walkthrough at the site, photographs what they saw, records the result and syncs it.
    Returns the audit id of the walkthrough."""
    field = Field.reopen(folder, server_url)
    try:
        ws = field.ws
        deadline = time.monotonic() + 60
        store = ws.store()
        ctx = capture_context(store, store, LibraryChecklists(), store.photos)  # type: ignore[attr-defined]
        walk = ws.plan_audit(
            dataclasses.replace(demo_plan(dt.date(2026, 12, 1)), title="Re-verification walk")
        )
        tasks: tuple[EffectivenessTask, ...] = ()
        while not tasks and time.monotonic() < deadline:
            ws.sync_now()
            tasks = follow_up_for(store, ctx.open_for_capture(walk)).tasks
            if not tasks:
                time.sleep(0.3)
        assert tasks, "no re-verification task reached the tablet"
        task = tasks[0]
        item = ws.walkthrough(walk).items[0]
        seen = attach_photo(
            ctx,
            walk,
            process_photo(camera_jpeg(1200, 900)),
            caption="Log signed every day",
            item_id=item.item_id,
        )
        record_effectiveness(
            ctx,
            store,
            walk,
            task.task_id,
            result,
            comment or "All 10 pages signed by the shift lead",
            [seen],
        )
        view = ws.sync_now()
        while (view.waiting_events or view.waiting_bytes or view.last_error) and time.monotonic() < deadline:
            time.sleep(0.2)
            view = ws.sync_now()
        assert (view.waiting_events, view.last_error) == (0, None), view
        return walk
    finally:
        field.ws.close()
