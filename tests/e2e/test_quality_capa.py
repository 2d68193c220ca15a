"""End to end in Chromium: findings from two synced audits are triaged into a CAPA that is worked through
every section, verified in the field by a real tablet, refused closure while items are missing, signed
closed, and counted on the dashboard; the sign-in expires half-way through a form without losing it."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.e2e.conftest import enter_text, expect_holds
from tests.e2e.quality_browser import (
    PASSWORD,
    central_store,
    click,
    click_until,
    nav,
    quality_app,
    shows,
    sign_in,
    snap,
    type_into,
)
from tests.integration.quality_client.seed import (
    GOWNING,
    GOWNING_AGAIN,
    Seeded,
    seed_two_audits,
    verify_in_field,
)
from tests.support.processes import Running

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def seeded(tmp_path: Path) -> Iterator[tuple[Running, Running, Seeded, Path]]:
    """A store with findings from two synced audits, the quality app, and the field workspace folder."""
    with (
        central_store(tmp_path, AUDITAPP_METRICS_CACHE_SECONDS="0") as server,
        quality_app(server, tmp_path) as app,
    ):
        field = tmp_path / "field"
        yield server, app, seed_two_audits(server.url, field, ("ada", PASSWORD), "avery"), field


def _api(server: Running, username: str) -> dict[str, str]:
    token = requests.post(
        f"{server.url}/api/auth/login", json={"username": username, "password": PASSWORD}, timeout=10
    ).json()["token"]
    return {"Authorization": f"Bearer {token}"}


def _expire_sign_ins(server: Running) -> None:
    """Let every sign-in of the store run out, as time would."""
    database = Path(server.env["AUDITAPP_HOME"]) / "central" / "central.db"  # type: ignore[attr-defined]
    with sqlite3.connect(database) as db:
        db.execute("UPDATE api_tokens SET expires_at = '2000-01-01 00:00:00.000000'")


def _form(page: object, name: str) -> object:
    return page.locator(f"[flt-semantics-identifier='form-{name}']")  # type: ignore[attr-defined]


@pytest.mark.req("QAP-004")
@pytest.mark.req("QAP-022")
@pytest.mark.req("QAP-030")
@pytest.mark.req("QAP-031")
@pytest.mark.req("QAP-032")
@pytest.mark.req("QAP-033")
@pytest.mark.req("QAP-034")
@pytest.mark.req("QAP-040")
@pytest.mark.req("QAP-050")
@pytest.mark.req("QAP-002")
@pytest.mark.req("QAP-060")
def test_a_finding_becomes_a_capa_that_closes_only_once_verified_in_the_field(
    browser: object, seeded: tuple[Running, Running, Seeded, Path]
) -> None:
    from playwright.sync_api import expect

    server, app, seed, field = seeded
    page = sign_in(browser, app, "quinn")
    nav(page, "Dashboard")
    shows(
        page,
        "Open CAPAs 0",
        "Effectiveness pass rate no result yet",
        "Internal audit: production and CAPA: Minor nonconformity 2",
        "Follow-up audit: line 2 and labelling: Major nonconformity 1, Observation 1",
        timeout=20,
    )
    nav(page, "Triage inbox")

    # Triage: the second gowning finding is a duplicate of the first (bulk), the first opens a CAPA.
    page.locator("[flt-semantics-identifier='finding-" + seed.findings[GOWNING_AGAIN] + "']").get_by_role(  # type: ignore[attr-defined]
        "checkbox"
    ).click()
    page.locator("[flt-semantics-identifier='finding-" + seed.findings[GOWNING] + "']").get_by_role(  # type: ignore[attr-defined]
        "checkbox"
    ).click()
    page.get_by_role("button", name="Mark as duplicates…").click()  # type: ignore[attr-defined]
    page.get_by_role("radio", name=re.compile(re.escape(GOWNING) + "$")).click()  # type: ignore[attr-defined]
    page.get_by_role("button", name="Mark duplicates").click()  # type: ignore[attr-defined]
    shows(page, "1 finding marked as duplicates.")
    expect(page.get_by_role("button", name=GOWNING_AGAIN)).to_have_count(0, timeout=15_000)  # type: ignore[attr-defined]

    page.get_by_role("button", name=GOWNING).click()  # type: ignore[attr-defined]
    page.get_by_role("button", name="Open a CAPA").click()  # type: ignore[attr-defined]
    enter_text(page.get_by_role("textbox", name="CAPA title"), "Gowning records not signed")  # type: ignore[attr-defined]
    enter_text(
        page.get_by_role("textbox", name="Problem statement"),  # type: ignore[attr-defined]
        "Gowning log pages are left unsigned when shifts run late.",
    )
    enter_text(page.get_by_role("textbox", name="Owner (username)"), "quinn")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Record decision").click()  # type: ignore[attr-defined]
    shows(page, "Gowning records not signed", "Source findings", GOWNING, timeout=20)
    nav(page, "Dashboard")
    shows(page, "Open CAPAs 1", "Open CAPAs by stage: Open 1")
    snap(page, "quality-dashboard")
    nav(page, "CAPA board")
    shows(page, "Owner: quinn")
    snap(page, "quality-board")
    click_until(page, page.get_by_role("button", name="Gowning records not signed"), "Back to the board")  # type: ignore[attr-defined]

    # Closing now is refused, with the missing items listed.
    page.get_by_role("button", name="Sign closure…").click()  # type: ignore[attr-defined]
    enter_text(page.get_by_role("textbox", name="Password"), PASSWORD)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Sign closure", exact=True).click()  # type: ignore[attr-defined]
    shows(page, "Closing is refused. Still missing: record the root cause analysis")
    page.get_by_role("button", name="Cancel").click()  # type: ignore[attr-defined]
    shows(page, "Closure: what is still missing", "missing: plan an effectiveness check")
    snap(page, "quality-capa-missing", "closure")

    # Root cause.
    root = _form(page, "root-cause")
    click(page, root.get_by_role("radio", name="5 whys"))  # type: ignore[attr-defined]
    type_into(
        page,
        root.get_by_role("textbox", name="Root cause"),
        "Sign-off sits at shift end; late shifts skip it.",
    )  # type: ignore[attr-defined]
    click(page, root.get_by_role("button", name="Save root cause"))  # type: ignore[attr-defined]
    shows(page, "Method: 5 whys")

    # An action, then its evidence: the changed SOP and the training record.
    new = _form(page, "new-action")
    type_into(
        page, new.get_by_role("textbox", name="What will be done"), "Move the gowning sign-off to the airlock"
    )  # type: ignore[attr-defined]
    type_into(page, new.get_by_role("textbox", name="Action owner (username)"), "quinn")  # type: ignore[attr-defined]
    type_into(page, new.get_by_role("textbox", name="Due date"), "next week")  # type: ignore[attr-defined]
    click(page, new.get_by_role("button", name="Add action"))  # type: ignore[attr-defined]
    shows(page, "Due date: 'next week' is not a date")
    expect_holds(
        new.get_by_role("textbox", name="What will be done"), "Move the gowning sign-off to the airlock"
    )  # type: ignore[attr-defined]
    due = (dt.date.today() + dt.timedelta(days=14)).isoformat()
    type_into(page, new.get_by_role("textbox", name="Due date"), due)  # type: ignore[attr-defined]
    click(page, new.get_by_role("button", name="Add action"))  # type: ignore[attr-defined]
    shows(page, f"Owner quinn · due {due}")
    progress = page.locator("[flt-semantics-identifier^='form-progress-']")  # type: ignore[attr-defined]
    click(page, progress.get_by_role("radio", name="Implemented"))
    type_into(
        page,
        progress.get_by_role("textbox", name="Evidence of implementation"),
        "Airlock checklist in use since 1 Dec",
    )
    type_into(page, progress.get_by_role("textbox", name="Changed document"), "SOP-007")
    type_into(page, progress.get_by_role("textbox", name="New revision"), "E")
    type_into(
        page,
        progress.get_by_role("textbox", name="Training or communication record"),
        "Training record TR-2291 (all shifts)",
    )
    click(page, progress.get_by_role("button", name="Save progress"))
    shows(page, "Changed document: SOP-007 rev. E")

    # A viewer reads the same CAPA with no edit control, and the store refuses their writes.
    viewer = sign_in(browser, app, "vera")
    nav(viewer, "CAPA board")
    click_until(viewer, viewer.get_by_role("button", name="Gowning records not signed"), "Back to the board")  # type: ignore[attr-defined]
    shows(viewer, "Changed document: SOP-007 rev. E", "Method: 5 whys")
    for label in (
        "Save root cause",
        "Add action",
        "Save progress",
        "Save verification",
        "Sign closure…",
        "Assign",
    ):
        expect(viewer.get_by_role("button", name=label)).to_have_count(0)  # type: ignore[attr-defined]
    expect(viewer.get_by_role("textbox")).to_have_count(0)  # type: ignore[attr-defined]
    viewer.close()  # type: ignore[attr-defined]
    as_viewer = _api(server, "vera")
    [listed] = requests.get(f"{server.url}/api/capas", headers=as_viewer, timeout=10).json()["items"]
    refused = requests.put(
        f"{server.url}/api/capas/{listed['id']}/root-cause",
        json={"method": "other", "result": "A viewer tries to change the cause"},
        headers=as_viewer,
        timeout=10,
    )
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "forbidden")

    # The sign-in runs out while the verification is being written: nothing typed is lost.
    verification = _form(page, "verification")
    click(page, verification.get_by_role("radio", name="Regulatory compliance is not adversely affected"))  # type: ignore[attr-defined]
    click(
        page,
        verification.get_by_role("radio", name="Device safety and performance are not adversely affected"),
    )  # type: ignore[attr-defined]
    type_into(
        page,
        verification.get_by_role("textbox", name="How this was verified"),  # type: ignore[attr-defined]
        "Regulatory review RA-88: no change to the DHF or to labelling.",
    )
    _expire_sign_ins(server)
    click(page, verification.get_by_role("button", name="Save verification"))  # type: ignore[attr-defined]
    relogin = page.locator("[flt-semantics-identifier='relogin']")  # type: ignore[attr-defined]
    expect(relogin).to_be_visible(timeout=15_000)
    snap(page, "quality-relogin")
    type_into(page, relogin.get_by_role("textbox", name="Password"), PASSWORD)
    click(page, page.get_by_role("button", name="Sign in and continue"))  # type: ignore[attr-defined]
    shows(
        page,
        "How verified: Regulatory review RA-88: no change to the DHF or to labelling.",
        "Verified by: quinn",
    )

    # A field re-verification check, answered by the auditor's tablet at the site.
    check = _form(page, "new-check")
    type_into(
        page, check.get_by_role("textbox", name="Criterion"), "Every gowning log page of the week is signed"
    )  # type: ignore[attr-defined]
    click(page, check.get_by_role("button", name="Plan check"))  # type: ignore[attr-defined]
    shows(page, "The result comes from the auditors' tablets at the site.")
    verify_in_field(server.url, field)
    nav(page, "CAPA board")
    click_until(page, page.get_by_role("button", name="Gowning records not signed"), "Back to the board")  # type: ignore[attr-defined]
    shows(
        page,
        "Field task at Plant 1, Cleanroom and Warehouse: Effective",
        "Closure: ready to sign",
        timeout=30,
    )
    snap(page, "quality-capa", "checks")
    nav(page, "Effectiveness")
    shows(
        page,
        "Passed: 1",
        "Field re-verification",
        "Field task at Plant 1, Cleanroom and Warehouse: Effective",
    )
    snap(page, "quality-effectiveness")
    nav(page, "CAPA board")
    click_until(page, page.get_by_role("button", name="Gowning records not signed"), "Closure: ready to sign")  # type: ignore[attr-defined]

    page.get_by_role("button", name="Sign closure…").click()  # type: ignore[attr-defined]
    shows(page, "Printed name: Quinn Quality", "Meaning: approved closure")
    snap(page, "quality-sign")
    enter_text(page.get_by_role("textbox", name="Password"), "not my password")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Sign closure", exact=True).click()  # type: ignore[attr-defined]
    shows(page, "password: not your password; the CAPA was not closed")
    enter_text(page.get_by_role("textbox", name="Password"), PASSWORD)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Sign closure", exact=True).click()  # type: ignore[attr-defined]
    shows(page, "Closure: closed and signed", "Signed by: Quinn Quality (quinn)", "Meaning: approved closure")
    shows(page, "Record: unchanged since signing", "recorded root-cause")
    expect(page.get_by_role("button", name="Save root cause")).to_have_count(0)  # type: ignore[attr-defined]
    snap(page, "quality-capa-closed", "closure")

    nav(page, "Dashboard")
    shows(page, "Open CAPAs 0", "Passed 1, failed 0; pass rate 100 %", "Effectiveness pass rate 100 %")
    snap(page, "quality-dashboard-after")

    capa = requests.get(
        f"{server.url}/api/capas", headers=_api(server, "vera"), params={"open_only": "false"}, timeout=10
    )
    assert [c["stage"] for c in capa.json()["items"]] == ["closed"]
