"""The field app's follow-up screen in Chromium: a CAPA's re-verification task, pulled from a real central
store, is answered 'not effective' with the photo the auditor took, and the CAPA reopens centrally."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from auditapp.bootstrap import LibraryChecklists
from auditapp.demo import demo_plan
from auditapp.media.photo import process_photo
from auditapp.services.capture import attach_photo
from auditapp.services.context import capture_context
from tests.e2e.conftest import expect_holds, open_flet, reload_app
from tests.e2e.quality_browser import PASSWORD, central_store, click, click_until, shows, snap, type_into
from tests.integration.media.photo_samples import camera_jpeg
from tests.integration.quality_client.seed import GOWNING, Seeded, seed_two_audits
from tests.integration.sync_e2e.test_field_agent import PASSPHRASE, Field
from tests.support.processes import Running, free_port, start

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WALK = "Re-verification walk: gowning"
CAPA = "Gowning records not signed"
CRITERION = "Every gowning log page of the week is signed"
CAPTION = "Gowning log, week 48"
SAW = "Two pages of week 48 unsigned again"


def _headers(server: Running, username: str) -> dict[str, str]:
    token = requests.post(
        f"{server.url}/api/auth/login", json={"username": username, "password": PASSWORD}, timeout=10
    ).json()["token"]
    return {"Authorization": f"Bearer {token}"}


def _capa_with_field_check(server: Running, finding_id: str) -> str:
    """The quality manager opens a CAPA on the finding and plans a field re-verification open today."""
    headers = _headers(server, "quinn")
    opened = requests.post(
        f"{server.url}/api/findings/{finding_id}/triage",
        json={"decision": "open_capa", "capa": {"title": CAPA, "problem_statement": "Unsigned pages"}},
        headers=headers,
        timeout=30,
    )
    assert opened.status_code == 200, opened.text
    capa_id = str(opened.json()["capa_id"])
    today = dt.datetime.now(dt.UTC).date()
    planned = requests.post(
        f"{server.url}/api/capas/{capa_id}/effectiveness",
        json={
            "criterion": CRITERION,
            "method": "field_reverification",
            "window_start": today.isoformat(),
            "window_end": (today + dt.timedelta(days=30)).isoformat(),
        },
        headers=headers,
        timeout=30,
    )
    assert planned.status_code == 201, planned.text
    return capa_id


def _plan_walk_with_photo(folder: Path, server_url: str) -> None:
    """On the tablet, before the app starts: a new walkthrough at the site, with a photo on the item of
    the finding's clause (nothing synced yet: the app pulls the task itself)."""
    field = Field.reopen(folder, server_url)
    try:
        ws = field.ws
        store = ws.store()
        ctx = capture_context(store, store, LibraryChecklists(), store.photos)  # type: ignore[attr-defined]
        walk = ws.plan_audit(dataclasses.replace(demo_plan(dt.date(2026, 12, 1)), title=WALK))
        item = ws.walkthrough(walk).items[0]  # the clause of the seeded gowning finding
        attach_photo(ctx, walk, process_photo(camera_jpeg(1200, 900)), caption=CAPTION, item_id=item.item_id)
    finally:
        field.ws.close()


@pytest.fixture
def tablet(tmp_path: Path) -> Iterator[tuple[Running, Running, Seeded, str]]:
    """A store with two synced audits and a CAPA whose field check is planned, and the field app on the
    auditor's workspace (locked); yields the store, the app, what was seeded and the CAPA id."""
    with central_store(tmp_path) as server:
        folder = tmp_path / "field"
        seeded = seed_two_audits(server.url, folder, ("ada", PASSWORD), "avery")
        capa_id = _capa_with_field_check(server, seeded.findings[GOWNING])
        _plan_walk_with_photo(folder, server.url)
        port = free_port()
        app = start(
            [
                "field",
                "--workspace",
                str(folder),
                "--server-url",
                server.url,
                "--sync-interval",
                "3600",
                "--port",
                str(port),
            ],
            server.env,  # type: ignore[attr-defined]
            f"http://127.0.0.1:{port}/",
            tmp_path / "field.log",
            timeout=90,
        )
        try:
            yield server, app, seeded, capa_id
        finally:
            app.stop()


def _reopened(server: Running, capa_id: str, timeout: float = 60) -> dict[str, object]:
    """The CAPA once the store has reopened it (the tablet's answer has arrived)."""
    headers = _headers(server, "vera")
    deadline = time.monotonic() + timeout
    capa: dict[str, object] = {}
    while time.monotonic() < deadline:
        capa = requests.get(f"{server.url}/api/capas/{capa_id}", headers=headers, timeout=10).json()
        if capa.get("stage") == "reopened":
            return capa
        time.sleep(0.5)
    raise AssertionError(f"the field result did not reopen the CAPA: {capa}")


@pytest.mark.req("FLD-108")
@pytest.mark.req("CAP-014")
def test_a_pulled_re_verification_is_answered_not_effective_with_a_photo_and_reopens_the_capa(
    browser: object, tablet: tuple[Running, Running, Seeded, str]
) -> None:
    from playwright.sync_api import expect

    server, app, seeded, capa_id = tablet
    page = open_flet(browser, app.url)
    passphrase = page.get_by_role("textbox", name="Passphrase", exact=True)  # type: ignore[attr-defined]
    expect(passphrase).to_be_visible(timeout=90_000)  # the app is still being assembled on a busy machine
    type_into(page, passphrase, PASSPHRASE)
    click_until(page, page.get_by_role("button", name="Unlock"), f"Open {WALK}")  # type: ignore[attr-defined]
    click(page, page.get_by_role("button", name="Sync now"))  # type: ignore[attr-defined]
    shows(page, "Nothing waiting to be sent", "Last sync today", timeout=60)

    click_until(page, page.get_by_role("button", name=f"Open {WALK}"), "Follow-up work (")  # type: ignore[attr-defined]
    follow = page.get_by_role("button", name=re.compile(r"^Follow-up work \(\d+ items?\)$"))  # type: ignore[attr-defined]
    click_until(page, follow, f"Re-verify: {CAPA}")
    task = page.locator("[flt-semantics-identifier^='task-']")  # type: ignore[attr-defined]
    shows(
        page,
        f"Criterion: {CRITERION}",
        f"Minor nonconformity, 4.1.1): {GOWNING}",
        "Photo: Gowning log, week 44",  # the original finding's photo and evidence travel with the task
        "Interview: Pat Production (Production manager)",
        "Findings of earlier audits at this site",
        f"{GOWNING} (In a CAPA, CAPA stage Open)",
        f"Open CAPAs at this site {CAPA} · clauses 4.1.1 · Open",
    )

    # Recording without a result is refused by name; what was typed stays.
    type_into(page, task.get_by_role("textbox", name="What you saw"), SAW)
    click(page, task.get_by_role("button", name="Record result"))
    shows(page, "Choose effective or not effective")
    expect_holds(task.get_by_role("textbox", name="What you saw"), SAW)
    snap(page, "field-follow-up")

    # Half-way, the page is reloaded and the screen left: the comment, the result and the ticked photo
    # are all still there.
    click(page, task.get_by_role("checkbox", name=re.compile(re.escape(CAPTION))))
    click(page, task.get_by_role("radio", name="Not effective"))
    expect(task.get_by_role("checkbox", name=re.compile(re.escape(CAPTION)))).to_be_checked()
    reload_app(page)
    # The screen is then built anew from the workspace (back to the walkthrough and in again).
    page.get_by_role("button", name="Back to the walkthrough").click()  # type: ignore[attr-defined]
    shows(page, "Follow-up work (")
    click_until(page, follow, f"Re-verify: {CAPA}")
    expect(task.get_by_role("radio", name="Not effective")).to_be_checked(timeout=15_000)
    expect(task.get_by_role("checkbox", name=re.compile(re.escape(CAPTION)))).to_be_checked()
    expect_holds(task.get_by_role("textbox", name="What you saw"), SAW)

    click(page, task.get_by_role("button", name="Record result"))
    shows(page, f"Recorded: not effective - {SAW}")
    expect(page.get_by_role("button", name="Record result")).to_have_count(0)  # type: ignore[attr-defined]

    # The item of the finding's clause carries the same follow-up work.
    click_until(page, page.get_by_role("button", name="Go to clause 4.1.1"), "Follow-up work here")  # type: ignore[attr-defined]
    shows(
        page,
        f"Re-verify CAPA {CAPA} (recorded: not effective)",
        f"Original finding (Minor nonconformity): {GOWNING}",
        f"Earlier finding · Minor nonconformity · 4.1.1: {GOWNING} (In a CAPA, CAPA stage Open)",
        f"Open CAPA: {CAPA} (Open, due ",
    )

    click(page, page.get_by_role("button", name="Sync now"))  # type: ignore[attr-defined]
    capa = _reopened(server, capa_id)
    [reopening] = capa["reopenings"]  # type: ignore[misc]
    assert (reopening["reason"], reopening["finding_id"]) == ("not_effective", seeded.findings[GOWNING])
    [task_row] = capa["effectiveness_checks"][0]["tasks"]  # type: ignore[index]
    assert (task_row["result"], task_row["result_comment"]) == ("not_effective", SAW)
    assert len(task_row["result_evidence_ids"]) == 1, task_row  # the photo ticked on the tablet
    assert reopening["evidence_ids"] == task_row["result_evidence_ids"]
