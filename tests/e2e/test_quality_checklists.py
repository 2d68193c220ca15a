"""Publishing a checklist from the quality app in Chromium: a broken file is refused by line, a good one
is listed, and a viewer sees the list without the publish button."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests

from tests.e2e.quality_browser import PASSWORD, nav, shows, sign_in, snap
from tests.support.processes import Running

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHECKLISTS = Path(__file__).resolve().parents[1] / "fixtures" / "checklists"


def _choose_file(page: object, path: Path) -> None:
    button = page.get_by_role("button", name="Choose a file and publish")  # type: ignore[attr-defined]
    with page.expect_file_chooser() as chooser:  # type: ignore[attr-defined]
        button.click()
    chooser.value.set_files(str(path))


@pytest.mark.req("QAP-070")
def test_a_quality_manager_publishes_a_checklist_file_and_a_viewer_sees_it_listed(
    browser: object, running: tuple[Running, Running]
) -> None:
    from playwright.sync_api import expect

    server, app = running
    page = sign_in(browser, app, "quinn")
    nav(page, "Checklists")
    expect(page.get_by_text(re.compile("^Nothing has been published yet"))).to_be_visible(timeout=15_000)  # type: ignore[attr-defined]

    _choose_file(page, CHECKLISTS / "broken.yaml")
    shows(page, "broken.yaml:7:5: unknown key 'colour' in section 7", timeout=20)
    expect(page.get_by_text(re.compile("^Nothing has been published yet"))).to_be_visible()  # type: ignore[attr-defined]

    _choose_file(page, CHECKLISTS / "small.yaml")
    shows(
        page,
        "Supplier and production walk version 2.1 is published: every field device receives it",
        "Supplier and production walk (supplier-walk)",
        timeout=20,
    )
    snap(page, "quality-checklists")
    published = requests.post(
        f"{server.url}/api/auth/login", json={"username": "quinn", "password": PASSWORD}, timeout=10
    ).json()["token"]
    listing = requests.get(
        f"{server.url}/api/checklists/published", headers={"Authorization": f"Bearer {published}"}, timeout=10
    ).json()
    assert [(p["checklist_id"], p["version"], p["published_by"]) for p in listing] == [
        ("supplier-walk", "2.1", "quinn")
    ]

    viewer = sign_in(browser, app, "vera")
    nav(viewer, "Checklists")
    shows(viewer, "Supplier and production walk (supplier-walk)", "small.yaml", timeout=20)
    expect(viewer.get_by_role("button", name="Choose a file and publish")).to_have_count(0)  # type: ignore[attr-defined]
