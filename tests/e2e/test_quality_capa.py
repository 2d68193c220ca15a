"""End to end in Chromium: findings from two synced audits are triaged into a CAPA that is worked through
every section, verified in the field by a real tablet, offered for closure only once nothing is missing,
signed closed, and counted on the dashboard; the sign-in expires half-way through a form without losing it.
A CAPA changed by another user shows the change when it is reloaded or opened again, and an action due in
the past is saved only once its date is confirmed."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.e2e.conftest import enter_text, expect_holds, reload_app
from tests.e2e.quality_browser import (
    PASSWORD,
    central_store,
    click,
    click_until,
    nav,
    quality_app,
    reach,
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


def _card_shows_owner(page: object, title: str, owner_named: str, timeout: float = 15.0) -> None:
    """Wait for the board's card of the CAPA to name its owner as `owner_named`."""
    from playwright.sync_api import expect

    expect(page.get_by_role("button", name=title)).to_be_visible(timeout=timeout * 1000)  # type: ignore[attr-defined]
    owner = re.compile(rf"Owner: {re.escape(owner_named)}")
    deadline = time.monotonic() + timeout
    while not owner.search(spoken := " ".join(page.locator("body").aria_snapshot().split())):  # type: ignore[attr-defined]
        if time.monotonic() > deadline:
            raise AssertionError(f"no owner {owner_named} on the board\n--- screen reads:\n{spoken}")
        time.sleep(0.25)


def _form(page: object, name: str) -> object:
    return page.locator(f"[flt-semantics-identifier='form-{name}']")  # type: ignore[attr-defined]


# Steps that wait on what the user sees. A click that lands while Flutter replaces the screen's semantics is
# lost without a trace, and every save here redraws the CAPA twice (the record, then its audit trail); so a
# step first lets the screen settle, and a step that is harmless to repeat checks its effect and repeats.
def _settled(page: object, timeout: float = 10.0) -> None:
    """Wait until what the page reads out stays the same for a moment (a screen that keeps changing is
    used anyway once `timeout` has passed)."""
    deadline = time.monotonic() + timeout
    before = page.locator("body").aria_snapshot()  # type: ignore[attr-defined]
    while time.monotonic() < deadline:
        page.wait_for_timeout(300)  # type: ignore[attr-defined]
        now = page.locator("body").aria_snapshot()  # type: ignore[attr-defined]
        if now == before:
            return
        before = now


def _tick(page: object, target: object, tries: int = 3) -> None:
    """Choose a radio button or tick a check box, again if the click was lost (a lost click on an answer
    shows up only much later, as a gate that stays missing)."""
    from playwright.sync_api import expect

    expect(target).to_be_visible(timeout=15_000)
    for attempt in range(tries):
        _settled(page)
        click(page, target)
        try:
            expect(target).to_be_checked(timeout=5_000)
            return
        except AssertionError:
            if attempt == tries - 1:
                raise


def _open(page: object, target: object, shown: object, tries: int = 3) -> None:
    """Press a button that opens something (a screen, a dialog, a form) until `shown` is visible."""
    from playwright.sync_api import Error, expect

    for attempt in range(tries):
        _settled(page)
        if attempt and shown.is_visible():  # type: ignore[attr-defined]
            return
        with contextlib.suppress(Error):
            reach(page, target).click(timeout=5_000)  # type: ignore[attr-defined]
        try:
            expect(shown).to_be_visible(timeout=10_000)
            return
        except AssertionError:
            if attempt == tries - 1:
                raise


def _go(page: object, label: str, *texts: str, tries: int = 3) -> None:
    """Open a screen from the navigation and wait for what it shows (opening it again if the click was
    lost: the screen then simply loads once more)."""
    for attempt in range(tries):
        _settled(page)
        nav(page, label)  # the navigation is always in view: no scrolling to it
        try:
            shows(page, *texts, timeout=15.0)
            return
        except AssertionError:
            if attempt == tries - 1:
                raise


def _save(page: object, button: object, *texts: str, timeout: float = 20.0) -> None:
    """Press a button that sends something to the store (once: a second press could save twice) and wait
    for its outcome."""
    _settled(page)
    click(page, button)
    shows(page, *texts, timeout=timeout)


@pytest.mark.req("QAP-004")
@pytest.mark.req("QAP-022")
@pytest.mark.req("QAP-030")
@pytest.mark.req("QAP-031")
@pytest.mark.req("QAP-032")
@pytest.mark.req("QAP-033")
@pytest.mark.req("QAP-034")
@pytest.mark.req("QAP-035")
@pytest.mark.req("QAP-038")
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
    _go(
        page,
        "Dashboard",
        "Open CAPAs 0",
        "Effectiveness pass rate no result yet",
        "Internal audit: production and CAPA: Minor nonconformity 2",
        "Follow-up audit: line 2 and labelling: Major nonconformity 1, Observation 1",
    )
    _go(page, "Triage inbox", GOWNING_AGAIN)

    # Triage: the second gowning finding is a duplicate of the first (bulk), the first opens a CAPA.
    def row(statement: str) -> object:
        return page.locator(f"[flt-semantics-identifier='finding-{seed.findings[statement]}']")  # type: ignore[attr-defined]

    _tick(page, row(GOWNING_AGAIN).get_by_role("checkbox"))  # type: ignore[attr-defined]
    _tick(page, row(GOWNING).get_by_role("checkbox"))  # type: ignore[attr-defined]
    original = page.get_by_role("radio", name=re.compile(re.escape(GOWNING) + "$"))  # type: ignore[attr-defined]
    _open(page, page.get_by_role("button", name="Mark as duplicates…"), original)  # type: ignore[attr-defined]
    _tick(page, original)
    _save(page, page.get_by_role("button", name="Mark duplicates"), "1 finding marked as duplicates.")  # type: ignore[attr-defined]
    expect(page.get_by_role("button", name=GOWNING_AGAIN)).to_have_count(0, timeout=15_000)  # type: ignore[attr-defined]

    open_capa = page.get_by_role("button", name="Open a CAPA")  # type: ignore[attr-defined]
    _open(page, page.get_by_role("button", name=GOWNING), open_capa)  # type: ignore[attr-defined]
    _open(page, open_capa, page.get_by_role("textbox", name="CAPA title"))  # type: ignore[attr-defined]
    enter_text(page.get_by_role("textbox", name="CAPA title"), "Gowning records not signed")  # type: ignore[attr-defined]
    enter_text(
        page.get_by_role("textbox", name="Problem statement"),  # type: ignore[attr-defined]
        "Gowning log pages are left unsigned when shifts run late.",
    )
    enter_text(page.get_by_role("textbox", name="Owner (username)"), "quinn")  # type: ignore[attr-defined]
    _save(
        page,
        page.get_by_role("button", name="Record decision"),  # type: ignore[attr-defined]
        "Gowning records not signed",
        "Source findings",
        GOWNING,
    )
    _go(page, "Dashboard", "Open CAPAs 1", "Open CAPAs by stage: Open 1")
    snap(page, "quality-dashboard")
    _go(page, "CAPA board", "Show closed CAPAs")
    _card_shows_owner(page, "Gowning records not signed", "Quinn Quality (quinn)")
    snap(page, "quality-board")
    click_until(page, page.get_by_role("button", name="Gowning records not signed"), "Back to the board")  # type: ignore[attr-defined]

    # Closing cannot even be started yet: the button is disabled and says what is missing.
    shows(page, "Closure: what is still missing", "missing: plan an effectiveness check")
    expect(page.get_by_role("button", name="Sign closure…")).to_be_disabled()  # type: ignore[attr-defined]
    shows(
        page,
        "Not ready to close: root cause not analysed, no corrective or preventive action planned, "
        "document change not recorded or justified, training or communication not recorded or justified, "
        "8.5.2 e verification not recorded, no effectiveness check planned",
    )
    snap(page, "quality-capa-missing", "closure")

    # Root cause.
    root = _form(page, "root-cause")
    _tick(page, root.get_by_role("radio", name="5 whys"))  # type: ignore[attr-defined]
    type_into(
        page,
        root.get_by_role("textbox", name="Root cause"),
        "Sign-off sits at shift end; late shifts skip it.",
    )  # type: ignore[attr-defined]
    _save(page, root.get_by_role("button", name="Save root cause"), "Method: 5 whys")  # type: ignore[attr-defined]

    # An action, then its evidence: the changed SOP and the training record.
    new = _form(page, "new-action")
    type_into(
        page, new.get_by_role("textbox", name="What will be done"), "Move the gowning sign-off to the airlock"
    )  # type: ignore[attr-defined]
    type_into(page, new.get_by_role("textbox", name="Action owner (username)"), "quinn")  # type: ignore[attr-defined]
    type_into(page, new.get_by_role("textbox", name="Due date"), "next week")  # type: ignore[attr-defined]
    _save(page, new.get_by_role("button", name="Add action"), "Due date: 'next week' is not a date")  # type: ignore[attr-defined]
    expect_holds(
        new.get_by_role("textbox", name="What will be done"), "Move the gowning sign-off to the airlock"
    )  # type: ignore[attr-defined]
    due = (dt.date.today() + dt.timedelta(days=14)).isoformat()
    type_into(page, new.get_by_role("textbox", name="Due date"), due)  # type: ignore[attr-defined]
    _save(page, new.get_by_role("button", name="Add action"), f"Owner Quinn Quality (quinn) · due {due}")  # type: ignore[attr-defined]
    progress = page.locator("[flt-semantics-identifier^='form-progress-']")  # type: ignore[attr-defined]
    _tick(page, progress.get_by_role("radio", name="Implemented"))
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
    _save(page, progress.get_by_role("button", name="Save progress"), "Changed document: SOP-007 rev. E")

    # A viewer reads the same CAPA with no edit control, and the store refuses their writes.
    viewer = sign_in(browser, app, "vera")
    _go(viewer, "CAPA board", "Show closed CAPAs")
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
    _tick(page, verification.get_by_role("radio", name="Regulatory compliance is not adversely affected"))  # type: ignore[attr-defined]
    _tick(
        page,
        verification.get_by_role("radio", name="Device safety and performance are not adversely affected"),  # type: ignore[attr-defined]
    )
    type_into(
        page,
        verification.get_by_role("textbox", name="How this was verified"),  # type: ignore[attr-defined]
        "Regulatory review RA-88: no change to the DHF or to labelling.",
    )
    _expire_sign_ins(server)
    _settled(page)
    click(page, verification.get_by_role("button", name="Save verification"))  # type: ignore[attr-defined]
    relogin = page.locator("[flt-semantics-identifier='relogin']")  # type: ignore[attr-defined]
    expect(relogin).to_be_visible(timeout=15_000)
    snap(page, "quality-relogin")
    type_into(page, relogin.get_by_role("textbox", name="Password"), PASSWORD)
    _save(
        page,
        page.get_by_role("button", name="Sign in and continue"),  # type: ignore[attr-defined]
        "How verified: Regulatory review RA-88: no change to the DHF or to labelling.",
        "Verified by: Quinn Quality (quinn)",
    )

    # A field re-verification check, answered by the auditor's tablet at the site.
    check = _form(page, "new-check")
    type_into(
        page, check.get_by_role("textbox", name="Criterion"), "Every gowning log page of the week is signed"
    )  # type: ignore[attr-defined]
    _save(
        page,
        check.get_by_role("button", name="Plan check"),  # type: ignore[attr-defined]
        "The result comes from the auditors' tablets at the site.",
    )
    shows(page, "Not ready to close: an effectiveness check has no result, effectiveness check not passed")
    expect(page.get_by_role("button", name="Sign closure…")).to_be_disabled()  # type: ignore[attr-defined]
    verify_in_field(server.url, field)
    _go(page, "CAPA board", "Show closed CAPAs")
    click_until(page, page.get_by_role("button", name="Gowning records not signed"), "Back to the board")  # type: ignore[attr-defined]
    shows(
        page,
        "Field task at Plant 1, Cleanroom and Warehouse: Effective",
        "Closure: ready to sign",
        timeout=30,
    )
    snap(page, "quality-capa", "checks")
    _go(
        page,
        "Effectiveness",
        "Passed: 1",
        "Field re-verification",
        "Field task at Plant 1, Cleanroom and Warehouse: Effective",
    )
    snap(page, "quality-effectiveness")
    _go(page, "CAPA board", "Show closed CAPAs")
    click_until(page, page.get_by_role("button", name="Gowning records not signed"), "Closure: ready to sign")  # type: ignore[attr-defined]

    sign = page.get_by_role("button", name="Sign closure…")  # type: ignore[attr-defined]
    expect(sign).to_be_enabled(timeout=15_000)
    expect(page.get_by_text("Not ready to close", exact=False)).to_have_count(0)  # type: ignore[attr-defined]
    password = page.get_by_role("textbox", name="Password")  # type: ignore[attr-defined]
    _open(page, sign, password)
    shows(page, "Printed name: Quinn Quality", "Meaning: approved closure")
    snap(page, "quality-sign")
    enter_text(password, "not my password")
    signature = page.get_by_role("button", name="Sign closure", exact=True)  # type: ignore[attr-defined]
    _save(page, signature, "password: not your password; the CAPA was not closed")
    enter_text(password, PASSWORD)  # after the refusal the CAPA was read and drawn again behind the dialog
    _save(
        page,
        signature,
        "Closure: closed and signed",
        "Signed by: Quinn Quality (quinn)",
        "Meaning: approved closure",
    )
    shows(page, "Record: unchanged since signing", "recorded root-cause")
    expect(page.get_by_role("button", name="Save root cause")).to_have_count(0)  # type: ignore[attr-defined]
    snap(page, "quality-capa-closed", "closure")

    _go(
        page,
        "Dashboard",
        "Open CAPAs 0",
        "Passed 1, failed 0; pass rate 100 %",
        "Effectiveness pass rate 100 %",
    )
    snap(page, "quality-dashboard-after")

    capa = requests.get(
        f"{server.url}/api/capas", headers=_api(server, "vera"), params={"open_only": "false"}, timeout=10
    )
    assert [c["stage"] for c in capa.json()["items"]] == ["closed"]


STATEMENT = "Lot 4471 was labelled from template rev. B after rev. C was released."
CHANGED = "Lots 4471 and 4472 were labelled from template rev. B after rev. C was released."


@pytest.mark.req("QAP-036")
@pytest.mark.req("QAP-037")
@pytest.mark.req("QAP-035")
def test_a_capa_shows_what_the_store_holds_now_and_asks_before_a_past_due_date(
    browser: object, running: tuple[Running, Running]
) -> None:
    from playwright.sync_api import expect

    server, app = running
    title = "Labels printed from an obsolete template"
    opened = requests.post(
        f"{server.url}/api/capas",
        json={"title": title, "problem_statement": STATEMENT, "owner": "owen"},
        headers=_api(server, "quinn"),
        timeout=10,
    )
    assert opened.status_code == 201, opened.text
    capa = f"{server.url}/api/capas/{opened.json()['id']}"
    as_owen = _api(server, "owen")
    page = sign_in(browser, app, "quinn")
    _go(page, "CAPA board", "Show closed CAPAs")
    click_until(page, page.get_by_role("button", name=title), f"Problem statement: {STATEMENT}")  # type: ignore[attr-defined]
    expect(page.get_by_role("button", name="Sign closure…")).to_be_disabled()  # type: ignore[attr-defined]
    snap(page, "quality-capa-not-ready", "not-ready")

    # Owen changes the problem statement while Quinn has the CAPA open and is typing the containment.
    containment = page.get_by_role("textbox", name="Containment")  # type: ignore[attr-defined]
    type_into(page, containment, "Lots 4471-4472 quarantined")
    changed = requests.put(
        f"{capa}/problem", json={"title": title, "problem_statement": CHANGED}, headers=as_owen, timeout=10
    )
    assert changed.status_code == 200, changed.text

    # A browser reload shows the store's statement, in the line and in its form; the typing is kept.
    reload_app(page)
    shows(page, f"Problem statement: {CHANGED}", timeout=20)
    problem = _form(page, "problem")
    expect_holds(reach(page, problem.get_by_role("textbox", name="Problem statement")), CHANGED)  # type: ignore[attr-defined]
    expect_holds(reach(page, containment), "Lots 4471-4472 quarantined")

    # Opened again from the board after another change, it shows that change too.
    changed = requests.put(
        f"{capa}/root-cause",
        json={"method": "fishbone", "result": "Templates are copied to the printers by hand"},
        headers=as_owen,
        timeout=10,
    )
    assert changed.status_code == 200, changed.text
    _go(page, "CAPA board", "Show closed CAPAs")
    click_until(
        page,
        page.get_by_role("button", name=title),  # type: ignore[attr-defined]
        "Method: Fishbone",
        "Root cause: Templates are copied to the printers by hand",
    )

    # An action due three days ago is not saved until that date is confirmed; nothing typed is lost.
    past = (dt.date.today() - dt.timedelta(days=3)).isoformat()
    new = _form(page, "new-action")
    type_into(page, new.get_by_role("textbox", name="What will be done"), "Lock the printer template")  # type: ignore[attr-defined]
    type_into(page, new.get_by_role("textbox", name="Action owner (username)"), "owen")  # type: ignore[attr-defined]
    type_into(page, new.get_by_role("textbox", name="Due date"), past)  # type: ignore[attr-defined]
    _save(
        page,
        new.get_by_role("button", name="Add action"),  # type: ignore[attr-defined]
        f"The due date {past} is already past; save anyway?",
        "No action planned yet.",
    )
    snap(page, "quality-capa-past-due", "confirm-past-due")
    expect_holds(new.get_by_role("textbox", name="What will be done"), "Lock the printer template")  # type: ignore[attr-defined]
    assert requests.get(capa, headers=as_owen, timeout=10).json()["actions"] == []
    _save(
        page,
        page.get_by_role("button", name=f"Save with due date {past}"),  # type: ignore[attr-defined]
        f"Owner Owen Owner (owen) · due {past}",
        "Overdue action",
    )
    [action] = requests.get(capa, headers=as_owen, timeout=10).json()["actions"]
    assert (action["description"], action["due_date"]) == ("Lock the printer template", past)
