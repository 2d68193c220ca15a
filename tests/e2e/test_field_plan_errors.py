"""The plan of an existing audit in Chromium: a refused date says what is wrong next to its field, and the
fields are as wide as the form, so a long title or site is shown whole.

Runs on a portrait (800x1280) and a landscape (1280x800) tablet.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from auditapp.demo import demo_plan
from tests.e2e.conftest import enter_text, expect_holds, field_app_with, open_flet, screenshot, tap
from tests.support.processes import Running

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSPHRASE = "acme passphrase 1"
AUDIT = "Internal audit: production and CAPA at the cleanroom"
SITE = "Plant 1, Cleanroom and Warehouse, Building 7 (north entrance)"
START = dt.date(2026, 11, 2)  # the demo plan ends a day later
VIEWPORTS = {
    "portrait": {"width": 800, "height": 1280},
    "landscape": {"width": 1280, "height": 800},
}


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request: pytest.FixtureRequest) -> str:
    """The tablet orientation the test runs in."""
    return str(request.param)


@pytest.fixture
def acme(tmp_path: Path) -> Iterator[Running]:
    """The field app over a locked workspace holding one audit with a long title and site."""
    with field_app_with(
        tmp_path / "home",
        tmp_path / "field.log",
        PASSPHRASE,
        dataclasses.replace(demo_plan(START), title=AUDIT, site=SITE),
    ) as app:
        yield app


def _textbox(page: Any, label: str) -> Any:
    """The text field of that label (its accessible name is the label, then the hint when it has one)."""
    return page.get_by_role("textbox", name=re.compile(rf"^{re.escape(label)}(\s|$)"))


def _open_plan(page: Any) -> None:
    from playwright.sync_api import expect

    expect(page.get_by_text("Unlock Acme Orthopaedics")).to_be_visible(timeout=30_000)
    enter_text(page.get_by_role("textbox", name="Passphrase", exact=True), PASSPHRASE)
    tap(page.get_by_role("button", name="Unlock"))
    opened = page.get_by_role("button", name=f"Open {AUDIT}")
    expect(opened).to_be_visible(timeout=30_000)
    tap(opened, settle_ms=400)
    plan = page.get_by_role("button", name="Plan and meetings")
    expect(plan).to_be_visible(timeout=30_000)
    tap(plan, settle_ms=400)
    expect(page.get_by_text("Audit plan and meetings")).to_be_visible(timeout=30_000)


def _width(locator: Any) -> float:
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    assert box is not None
    return float(box["width"])


@pytest.mark.req("FLD-101")
@pytest.mark.req("FLD-009")
def test_an_end_date_before_the_start_says_so_next_to_it_and_long_values_are_shown_whole(
    browser: object, acme: Running, viewport: str
) -> None:
    from playwright.sync_api import expect

    page: Any = open_flet(browser, acme.url)
    page.set_viewport_size(VIEWPORTS[viewport])
    _open_plan(page)

    # Every plan field takes the form's width, as the meeting notes (and the New audit form's fields) do.
    form_width = _width(_textbox(page, "Opening meeting notes"))
    for label in ("Audit title", "Site", "End date"):
        width = _width(_textbox(page, label))
        assert width >= form_width - 2, f"'{label}' is {width:.0f} px wide in a form {form_width:.0f} px wide"
    expect_holds(_textbox(page, "Site"), SITE)

    # An end date before the start: the field's own problem stands right under it, not a summary.
    end = _textbox(page, "End date")
    enter_text(end, (START - dt.timedelta(days=1)).isoformat())
    message = page.get_by_text("The audit cannot end before it starts", exact=True)
    expect(message).to_be_visible(timeout=15_000)
    expect(page.get_by_text(re.compile("not complete"))).to_have_count(0)
    field, shown = end.bounding_box(), message.bounding_box()
    assert field is not None
    assert shown is not None
    below = shown["y"] - (field["y"] + field["height"])
    assert -2 <= below <= 40, f"the message is {below:.0f} px below its field"
    assert abs(shown["x"] - field["x"]) <= 24
    screenshot(page, "field-plan-end-before-start" + ("" if viewport == "portrait" else "-landscape"))
