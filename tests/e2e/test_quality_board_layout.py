"""The CAPA board in Chromium at 1280 x 800: every stage column in the window with no sideways scrolling,
card text wrapped inside its column, and owners named by their printed name with the username beside it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from tests.e2e.quality_browser import PASSWORD, central_store, nav, quality_app, shows, sign_in, snap
from tests.support.processes import Running

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LAPTOP = {"width": 1280, "height": 800}
LONG = "Cleanroom gowning log pages left unsigned when the late shift runs over its handover time"


@pytest.fixture(scope="module")
def store_and_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Running, Running]]:
    """A central store with a user per role and CAPAs in three stages, and the quality app."""
    folder = tmp_path_factory.mktemp("board")
    with central_store(folder) as server, quality_app(server, folder) as app:
        _capas(server)
        yield server, app


def _capas(server: Running) -> None:
    """An open CAPA owned by Owen, one under investigation (containment done) and one at the action stage
    (root cause recorded), each with a title long enough to wrap in a narrow column."""
    token = requests.post(
        f"{server.url}/api/auth/login", json={"username": "quinn", "password": PASSWORD}, timeout=10
    ).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    sections = {
        "Open": [],
        "Investigation": [("containment", {"containment": "Pages checked daily by the shift lead"})],
        "Action": [("root-cause", {"method": "five_whys", "result": "The SOP has no signature step"})],
    }
    for number, (stage, steps) in enumerate(sections.items()):
        opened = requests.post(
            f"{server.url}/api/capas",
            json={
                "title": f"{stage}: {LONG}",
                "problem_statement": "Gowning log pages unsigned on 3 of 10 days.",
                "owner": "owen" if number == 0 else "quinn",
            },
            headers=headers,
            timeout=10,
        )
        assert opened.status_code == 201, opened.text
        for section, body in steps:
            put = requests.put(
                f"{server.url}/api/capas/{opened.json()['id']}/{section}",
                json=body,
                headers=headers,
                timeout=10,
            )
            assert put.status_code == 200, put.text


def _inside(page: object, identifier: str) -> dict[str, float]:
    """The bounding box of a named control, asserted to lie inside the window's width."""
    box = page.locator(f"[flt-semantics-identifier='{identifier}']").bounding_box()  # type: ignore[attr-defined]
    assert box is not None, f"{identifier} is not in the page"
    width = LAPTOP["width"]
    assert box["x"] >= 0, f"{identifier} at {box}"
    assert box["x"] + box["width"] <= width, f"{identifier} at {box}, past the window's {width} px"
    return dict(box)


@pytest.mark.req("QAP-038")
@pytest.mark.req("QAP-039")
def test_every_stage_column_fits_a_1280_px_window_and_owners_have_printed_names(
    browser: object, store_and_app: tuple[Running, Running]
) -> None:
    from playwright.sync_api import expect

    _, app = store_and_app
    page = sign_in(browser, app, "quinn")
    page.set_viewport_size(LAPTOP)  # type: ignore[attr-defined]
    nav(page, "CAPA board")
    shows(page, "Owner: Owen Owner (owen)", "Owner: Quinn Quality (quinn)", f"Action: {LONG}", timeout=20)

    stages = ("open", "investigation", "action", "verification", "effectiveness", "reopened")
    boxes = [_inside(page, f"stage-{stage}") for stage in stages]
    assert [b["x"] for b in boxes] == sorted(b["x"] for b in boxes), "columns side by side in stage order"
    # The page itself never scrolls sideways (Flutter draws in a canvas the size of the window).
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")  # type: ignore[attr-defined]
    # A long title wraps inside its column instead of widening it.
    title = page.get_by_role("button", name=f"Open: {LONG}")  # type: ignore[attr-defined]
    expect(title).to_be_visible()
    card = title.bounding_box()
    assert card is not None
    assert card["height"] > 40, f"the title did not wrap: {card}"
    assert card["x"] + card["width"] <= boxes[0]["x"] + boxes[0]["width"] + 1
    snap(page, "quality-board-1280")

    page.get_by_role("checkbox", name="Show closed CAPAs").click()  # type: ignore[attr-defined]
    expect(page.locator("[flt-semantics-identifier='stage-closed']")).to_have_count(1, timeout=15_000)  # type: ignore[attr-defined]
    shows(page, "Closed (0)")
    for stage in (*stages, "closed"):
        _inside(page, f"stage-{stage}")
    snap(page, "quality-board-1280-with-closed")
