"""A CAPA with a planned effectiveness check in Chromium: the check reads at a normal height with its
criterion, window and result form, "Sign closure…" sits just below it, and the CAPA's audit trail lists
the changes to its actions and checks; the Checklists screen opens with no developer error on it."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator

import pytest
import requests

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
from tests.support.processes import Running

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TITLE = "Labels printed from an obsolete template"
CRITERION = "No label of the next 30 lots is printed from a template older than the released revision"
ACTION = "Lock the label printer to the released template"
FAR = 5_000.0
"""How far below the top of the checks "Sign closure…" may be: the check, its result form and the form
that plans another take about a thousand pixels; Flutter's error box took about 45,000."""


@pytest.fixture(scope="module")
def store_and_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Running, Running]]:
    """A central store with a user per role, and the quality app pointed at it."""
    folder = tmp_path_factory.mktemp("capa-layout")
    with central_store(folder) as server, quality_app(server, folder) as app:
        yield server, app


def _api(server: Running, username: str = "quinn") -> dict[str, str]:
    token = requests.post(
        f"{server.url}/api/auth/login", json={"username": username, "password": PASSWORD}, timeout=10
    ).json()["token"]
    return {"Authorization": f"Bearer {token}"}


def _capa_with_a_planned_check(server: Running) -> str:
    """A CAPA opened on its own, with a record-review check planned from today for 30 days."""
    headers = _api(server)
    opened = requests.post(
        f"{server.url}/api/capas",
        json={
            "title": TITLE,
            "problem_statement": "Lot 4471 was labelled from template rev. B after rev. C was released.",
            "owner": "quinn",
        },
        headers=headers,
        timeout=10,
    )
    assert opened.status_code == 201, opened.text
    capa_id = str(opened.json()["id"])
    today = dt.date.today()
    planned = requests.post(
        f"{server.url}/api/capas/{capa_id}/effectiveness",
        json={
            "criterion": CRITERION,
            "method": "record_review",
            "window_start": today.isoformat(),
            "window_end": (today + dt.timedelta(days=30)).isoformat(),
        },
        headers=headers,
        timeout=10,
    )
    assert planned.status_code == 201, planned.text
    return capa_id


def _holds_text(target: object, *texts: str, timeout: float = 15.0) -> None:
    """Wait until each text is in what the target reads out (whitespace collapsed, as `shows` does)."""
    deadline = time.monotonic() + timeout
    while True:
        spoken = " ".join(target.aria_snapshot().replace("''", "'").split())  # type: ignore[attr-defined]
        missing = [t for t in texts if " ".join(t.split()) not in spoken]
        if not missing:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"not in {target}: {missing}\n--- it reads:\n{spoken}")
        time.sleep(0.25)


def _distance_below(page: object, target: object, limit: float) -> float:
    """How far below the top of the window the target is, scrolling down to it (Flutter scrolls on its
    canvas and may leave what is far off screen out of the page) no further than `limit` pixels."""
    height = page.viewport_size["height"]  # type: ignore[attr-defined]
    scrolled = 0.0
    page.mouse.move(900, height / 2)  # type: ignore[attr-defined]
    while True:
        box = target.bounding_box()  # type: ignore[attr-defined]
        if box is not None and box["y"] <= height - 40:
            return scrolled + box["y"]
        if scrolled > limit:
            seen = "not in the page" if box is None else f"still {box['y']:.0f} px down"
            raise AssertionError(f"{target} is more than {limit:.0f} px below ({seen})")
        page.mouse.wheel(0, 500)  # type: ignore[attr-defined]
        page.wait_for_timeout(150)  # type: ignore[attr-defined]
        scrolled += 500


@pytest.mark.req("QAP-031")
@pytest.mark.req("QAP-032")
@pytest.mark.req("QAP-034")
def test_a_planned_check_shows_its_criterion_and_the_trail_lists_actions_and_checks(
    browser: object, store_and_app: tuple[Running, Running]
) -> None:
    from playwright.sync_api import expect

    server, app = store_and_app
    _capa_with_a_planned_check(server)
    page = sign_in(browser, app, "quinn")
    nav(page, "CAPA board")
    click_until(page, page.get_by_role("button", name=TITLE), "Back to the board")  # type: ignore[attr-defined]

    # The check reads as text at a normal height: criterion, window, and the form for the review's result.
    # (The closure checklist quotes the criterion too: the check's own node must hold it.)
    today = dt.date.today()
    check = page.locator("[flt-semantics-identifier^='check-']")  # type: ignore[attr-defined]
    expect(check).to_have_count(1, timeout=20_000)
    reach(page, check)
    _holds_text(
        check,
        "Pending",
        "Record review",
        CRITERION,
        f"Window {today} – {today + dt.timedelta(days=30)} · open",
    )
    result = page.locator("[flt-semantics-identifier^='form-result-']")  # type: ignore[attr-defined]
    expect(reach(page, result.get_by_role("textbox", name="What the review showed"))).to_be_visible()
    reach(page, page.locator("[flt-semantics-identifier='checks']"))  # type: ignore[attr-defined]
    sign = page.get_by_role("button", name="Sign closure…")  # type: ignore[attr-defined]
    assert _distance_below(page, sign, FAR) < FAR
    expect(sign).to_be_visible()
    snap(page, "quality-capa-check-planned", "checks")

    # The trail names the check by its criterion, and lists an action as soon as it is added.
    shows(page, f"Check “{CRITERION[:59]}…”: planned", timeout=20)
    new = page.locator("[flt-semantics-identifier='form-new-action']")  # type: ignore[attr-defined]
    type_into(page, new.get_by_role("textbox", name="What will be done"), ACTION)  # type: ignore[attr-defined]
    type_into(page, new.get_by_role("textbox", name="Action owner (username)"), "quinn")  # type: ignore[attr-defined]
    due = (today + dt.timedelta(days=14)).isoformat()
    type_into(page, new.get_by_role("textbox", name="Due date"), due)  # type: ignore[attr-defined]
    click(page, new.get_by_role("button", name="Add action"))  # type: ignore[attr-defined]
    shows(page, f"Owner Quinn Quality (quinn) · due {due}")
    shows(page, f"Action “{ACTION}”: added", timeout=20)
    snap(page, "quality-capa-trail", "trail")


@pytest.mark.req("QAP-070")
def test_the_checklists_screen_opens_with_no_developer_error(
    browser: object, store_and_app: tuple[Running, Running]
) -> None:
    from playwright.sync_api import expect

    _, app = store_and_app
    page = sign_in(browser, app, "quinn")
    nav(page, "Checklists")
    expect(page.get_by_role("button", name="Choose a file and publish")).to_be_visible(timeout=15_000)  # type: ignore[attr-defined]
    shows(page, "Published versions")
    page.wait_for_timeout(1_000)  # type: ignore[attr-defined]  # let every control of the screen be drawn
    spoken = page.locator("body").aria_snapshot()  # type: ignore[attr-defined]
    assert "Semantics.content" not in spoken, spoken
    expect(page.get_by_text("Semantics.content", exact=False)).to_have_count(0)  # type: ignore[attr-defined]
