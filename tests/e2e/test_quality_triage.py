"""Triage in Chromium over a store seeded by a real field workspace: inbox, evidence, decisions."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import requests

from tests.e2e.conftest import enter_text, expect_holds
from tests.e2e.quality_browser import PASSWORD, central_store, choose, nav, quality_app, shows, sign_in, snap
from tests.integration.quality_client.seed import (
    GOWNING,
    GOWNING_AGAIN,
    LABELS,
    TRAINING,
    Seeded,
    seed_two_audits,
)
from tests.support.processes import Running

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Running, Running, Seeded]]:
    """A store with findings from two synced audits, and the quality app."""
    folder = tmp_path_factory.mktemp("triage")
    with central_store(folder) as server, quality_app(server, folder) as app:
        yield server, app, seed_two_audits(server.url, folder / "field", ("ada", PASSWORD), "avery")


def _finding(server: Running, finding_id: str) -> dict[str, object]:
    token = requests.post(
        f"{server.url}/api/auth/login", json={"username": "vera", "password": PASSWORD}, timeout=10
    ).json()["token"]
    reply = requests.get(
        f"{server.url}/api/findings/{finding_id}", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    return dict(reply.json())


@pytest.mark.req("QAP-002")
@pytest.mark.req("QAP-020")
@pytest.mark.req("QAP-021")
def test_a_viewer_reads_the_inbox_and_all_evidence_but_gets_no_triage_controls(
    browser: object, seeded: tuple[Running, Running, Seeded]
) -> None:
    from playwright.sync_api import expect

    _, app, _ = seeded
    page = sign_in(browser, app, "vera")
    for statement in (GOWNING, GOWNING_AGAIN, TRAINING, LABELS):
        expect(page.get_by_role("button", name=statement)).to_be_visible(timeout=20_000)  # type: ignore[attr-defined]
    expect(page.get_by_role("img", name="photo")).to_have_count(1, timeout=20_000)  # type: ignore[attr-defined]
    expect(page.get_by_role("checkbox")).to_have_count(1)  # type: ignore[attr-defined]  # "Repeats only" only
    rows = "[flt-semantics-identifier^='finding-'][aria-label*='Clause 4.1.1 · Management · Plant 1']"
    expect(page.locator(rows)).to_have_count(2)  # type: ignore[attr-defined]

    choose(page, "filter-sort", "Grade")
    choose(page, "filter-grade", "Major nonconformity")
    page.get_by_role("button", name="Apply filters").click()  # type: ignore[attr-defined]
    expect(page.get_by_role("button", name=GOWNING)).to_have_count(0, timeout=15_000)  # type: ignore[attr-defined]
    expect(page.get_by_role("button", name=TRAINING)).to_be_visible()  # type: ignore[attr-defined]

    enter_text(page.get_by_role("textbox", name="Older than (days)"), "soon")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Apply filters").click()  # type: ignore[attr-defined]
    expect(page.get_by_text("Older than (days): enter a whole number of days")).to_be_visible()  # type: ignore[attr-defined]
    expect_holds(page.get_by_role("textbox", name="Older than (days)"), "soon")  # type: ignore[attr-defined]
    page.close()  # type: ignore[attr-defined]

    page = sign_in(browser, app, "vera")
    page.get_by_role("button", name=GOWNING).click()  # type: ignore[attr-defined]
    expect(page.get_by_text("Finding on clause 4.1.1")).to_be_visible(timeout=15_000)  # type: ignore[attr-defined]
    shows(
        page,
        "Answered: The shift lead, when there is time at the end of the shift.",
        "SOP-007 rev. D · Gowning",
        "Method: Random (seed 4471) · 3 of 20 records",
        "no signature of the shift lead",
        "Gowning log, week 44",
        "Waiting for a quality manager's triage.",
    )
    expect(page.get_by_role("img", name="Gowning log, week 44")).to_be_visible(timeout=20_000)  # type: ignore[attr-defined]
    expect(page.get_by_role("button", name="Open a CAPA")).to_have_count(0)  # type: ignore[attr-defined]
    snap(page, "quality-finding")


@pytest.mark.req("QAP-022")
@pytest.mark.req("QAP-060")
def test_a_quality_manager_opens_a_capa_and_marks_a_duplicate_with_the_fields_each_decision_needs(
    browser: object, seeded: tuple[Running, Running, Seeded]
) -> None:
    from playwright.sync_api import expect

    server, app, seed = seeded
    page = sign_in(browser, app, "quinn")
    expect(page.get_by_role("button", name=GOWNING)).to_be_visible(timeout=20_000)  # type: ignore[attr-defined]
    expect(page.get_by_role("img", name="photo")).to_have_count(1, timeout=20_000)  # type: ignore[attr-defined]
    snap(page, "quality-inbox")

    page.get_by_role("button", name=LABELS).click()  # type: ignore[attr-defined]
    page.get_by_role("button", name="No action").click()  # type: ignore[attr-defined]
    enter_text(page.get_by_role("textbox", name="Justification"), "fine")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Record decision").click()  # type: ignore[attr-defined]
    expect(page.get_by_text("Justification: give at least 10 characters")).to_be_visible(timeout=15_000)  # type: ignore[attr-defined]
    enter_text(
        page.get_by_role("textbox", name="Justification"),  # type: ignore[attr-defined]
        "Template was withdrawn the same day; observation only, no product affected.",
    )
    page.get_by_role("button", name="Record decision").click()  # type: ignore[attr-defined]
    shows(page, "Decided by: Quinn Quality (quinn)")
    assert _finding(server, seed.findings[LABELS])["status"] == "no_action"

    page.get_by_role("button", name="Back to the inbox").click()  # type: ignore[attr-defined]
    page.get_by_role("button", name=GOWNING_AGAIN).click()  # type: ignore[attr-defined]
    page.get_by_role("button", name="Duplicate").click()  # type: ignore[attr-defined]
    page.get_by_role("button", name="Record decision").click()  # type: ignore[attr-defined]
    expect(page.get_by_text("Original finding: this decision needs it")).to_be_visible(timeout=15_000)  # type: ignore[attr-defined]
    page.get_by_role("radio", name=re.compile(GOWNING)).click()  # type: ignore[attr-defined]
    page.get_by_role("button", name="Record decision").click()  # type: ignore[attr-defined]
    expect(page.get_by_text("Duplicate of:", exact=False)).to_be_visible(timeout=15_000)  # type: ignore[attr-defined]
    duplicate = _finding(server, seed.findings[GOWNING_AGAIN])
    assert (duplicate["status"], duplicate["duplicate_of"]) == ("duplicate", seed.findings[GOWNING])

    page.get_by_role("button", name="Back to the inbox").click()  # type: ignore[attr-defined]
    page.get_by_role("button", name=GOWNING).click()  # type: ignore[attr-defined]
    page.get_by_role("button", name="Open a CAPA").click()  # type: ignore[attr-defined]
    enter_text(page.get_by_role("textbox", name="CAPA title"), "Gowning records not signed")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Record decision").click()  # type: ignore[attr-defined]
    expect(page.get_by_text("Problem statement: this decision needs it")).to_be_visible(timeout=15_000)  # type: ignore[attr-defined]
    expect_holds(page.get_by_role("textbox", name="CAPA title"), "Gowning records not signed")  # type: ignore[attr-defined]
    enter_text(
        page.get_by_role("textbox", name="Problem statement"),  # type: ignore[attr-defined]
        "Gowning log pages are left unsigned when shifts run late.",
    )
    page.get_by_role("button", name="Record decision").click()  # type: ignore[attr-defined]
    shows(page, "Recorded: Open a CAPA.")
    opened = _finding(server, seed.findings[GOWNING])
    assert opened["status"] == "capa"
    assert opened["capa_id"]
    nav(page, "Triage inbox")
    expect(page.get_by_role("button", name=TRAINING)).to_be_visible(timeout=15_000)  # type: ignore[attr-defined]
    expect(page.get_by_role("button", name=GOWNING)).to_have_count(0)  # type: ignore[attr-defined]
