"""A finding's photo full size in Chromium (a dialog that fits the window, with its caption, closed again),
and the triage record naming who decided by their printed name, over a store seeded by a real tablet."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from tests.e2e.quality_browser import PASSWORD, central_store, choose, quality_app, shows, sign_in, snap
from tests.integration.quality_client.seed import GOWNING, LABELS, Seeded, seed_two_audits
from tests.support.processes import Running

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LAPTOP = {"width": 1280, "height": 800}
CAPTION = "Gowning log, week 44"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Running, Running, Seeded]]:
    """A store with findings (one with a 1600 x 1200 photo) from two synced audits, and the quality app."""
    folder = tmp_path_factory.mktemp("finding-photo")
    with central_store(folder) as server, quality_app(server, folder) as app:
        yield server, app, seed_two_audits(server.url, folder / "field", ("ada", PASSWORD), "avery")


def _dialog(page: object) -> object:
    return page.locator("[flt-semantics-identifier='photo-full-size']")  # type: ignore[attr-defined]


@pytest.mark.req("QAP-021")
def test_a_photo_opens_full_size_in_a_dialog_that_fits_the_window(
    browser: object, seeded: tuple[Running, Running, Seeded]
) -> None:
    from playwright.sync_api import expect

    _, app, _ = seeded
    page = sign_in(browser, app, "vera")
    page.set_viewport_size(LAPTOP)  # type: ignore[attr-defined]
    page.get_by_role("button", name=GOWNING).click()  # type: ignore[attr-defined]
    on_page = page.get_by_role("img", name=CAPTION, exact=True)  # type: ignore[attr-defined]
    expect(on_page).to_be_visible(timeout=20_000)
    small = on_page.bounding_box()
    assert small is not None

    # Clicking the photo opens it as large as the window allows, with its caption and how it is shown.
    on_page.click()
    expect(_dialog(page)).to_have_count(1, timeout=15_000)
    full = page.get_by_role("img", name=f"{CAPTION} (full size)")  # type: ignore[attr-defined]
    expect(full).to_be_visible()
    box = full.bounding_box()
    assert box is not None
    assert box["width"] > small["width"], (box, small)
    assert box["x"] >= 0, box
    assert box["x"] + box["width"] <= LAPTOP["width"], box
    assert box["y"] >= 0, box
    assert box["y"] + box["height"] <= LAPTOP["height"], box
    shows(page, CAPTION, "1600 × 1200 px · shown at", "% of actual size")
    page.bring_to_front()  # type: ignore[attr-defined]
    page.wait_for_timeout(500)  # type: ignore[attr-defined]  # the dialog fades in on frames of a page in front
    snap(page, "quality-finding-photo-full-size")
    page.get_by_role("button", name="Close").click()  # type: ignore[attr-defined]
    expect(_dialog(page)).to_have_count(0, timeout=15_000)

    # The button under the photo opens it too; Escape closes it.
    page.get_by_role("button", name="Open full size").click()  # type: ignore[attr-defined]
    expect(full).to_be_visible(timeout=15_000)
    page.keyboard.press("Escape")  # type: ignore[attr-defined]
    expect(_dialog(page)).to_have_count(0, timeout=15_000)
    expect(on_page).to_be_visible()


@pytest.mark.req("QAP-038")
def test_the_triage_record_names_who_decided_by_printed_name(
    browser: object, seeded: tuple[Running, Running, Seeded]
) -> None:
    server, app, seed = seeded
    token = requests.post(
        f"{server.url}/api/auth/login", json={"username": "quinn", "password": PASSWORD}, timeout=10
    ).json()["token"]
    decided = requests.post(
        f"{server.url}/api/findings/{seed.findings[LABELS]}/triage",
        json={"decision": "no_action", "justification": "Template withdrawn the same day; no lot affected."},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert decided.status_code == 200, decided.text
    page = sign_in(browser, app, "vera")
    choose(page, "filter-status", "Any status")
    page.get_by_role("button", name="Apply filters").click()  # type: ignore[attr-defined]
    page.get_by_role("button", name=LABELS).click()  # type: ignore[attr-defined]
    shows(page, "Decided by: Quinn Quality (quinn) on", timeout=20)
