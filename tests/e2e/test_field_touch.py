"""The field app's choices in Chromium, as a thumb and a screen reader meet them.

Each radio choice (the walkthrough's view and filter, the sample's selection method, the finding's grade) is
a target at least 48 px high with its label as its name, stacked choices do not overlap; the walkthrough's
clause dropdown is named by its label; a refused sample size is shown whole under its half-width field.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from auditapp.demo import demo_plan
from tests.e2e.conftest import enter_text, field_app_with, open_flet, screenshot, tap
from tests.support.processes import Running

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSPHRASE = "acme passphrase 1"
AUDIT = "Acme cleanroom audit"
ITEM = "iso13485-4.1.1-01"  # the first item of the walkthrough
CHOICE = 48  # logical pixels: the least height of a choice a thumb has to hit
TOUCH = 56  # the house minimum for a button or field (FLD-009)
GRADES = (
    "Major nonconformity",
    "Minor nonconformity",
    "Observation",
    "Opportunity for improvement",
    "Good practice",
)
METHODS = ("Random", "Systematic", "Judgmental")
VIEWS = ("Clause tree", "Process")
FILTERS = (r"All items", r"Unanswered \(\d+\)", r"With findings \(\d+\)", r"Follow-up \(\d+\)")
ERROR_LINE = 16  # px: the height of one line of a field's error (Material's small body text: 12 px Roboto,
# 0.4 px between letters)
MEASURE = """async text => {
    const face = new FontFace("FieldErrorFont", "url(/assets/fonts/roboto.woff2)");
    document.fonts.add(await face.load());
    const context = document.createElement("canvas").getContext("2d");
    context.font = "12px FieldErrorFont";
    context.letterSpacing = "0.4px";
    return context.measureText(text).width;
}"""
"""The width a field's error needs on one line: measured in the font the app draws it with (Flutter's
Roboto, served by the app), since the page's accessibility tree keeps the whole text even when the
canvas shows it cut off."""


@pytest.fixture
def field_app(tmp_path: Path) -> Iterator[Running]:
    """The field app over a workspace holding one audit planned on the ISO 13485 checklist (locked)."""
    with field_app_with(
        tmp_path / "home",
        tmp_path / "field.log",
        PASSPHRASE,
        dataclasses.replace(demo_plan(dt.date(2026, 11, 2)), title=AUDIT),
    ) as app:
        yield app


def _walkthrough(browser: object, app: Running) -> Any:
    """Unlock and open the audit's walkthrough."""
    from playwright.sync_api import expect

    page: Any = open_flet(browser, app.url)
    passphrase = page.get_by_role("textbox", name="Passphrase", exact=True)
    expect(passphrase).to_be_visible(timeout=30_000)
    enter_text(passphrase, PASSPHRASE)
    tap(page.get_by_role("button", name="Unlock"))
    opening = page.get_by_role("button", name=f"Open {AUDIT}")
    expect(opening).to_be_visible(timeout=30_000)
    tap(opening)
    expect(page.get_by_text("0 of 167 items answered")).to_be_visible(timeout=30_000)
    return page


def _open_item(page: Any) -> None:
    from playwright.sync_api import expect

    card = page.locator(f"[flt-semantics-identifier='item-{ITEM}']")
    expect(card).to_be_visible(timeout=15_000)
    tap(card.get_by_role("button", name="Open item"), settle_ms=400)
    expect(page.get_by_role("button", name="Raise finding")).to_be_attached(timeout=30_000)


def _box(page: Any, target: Any, least: float) -> dict[str, float]:
    """The target's box once it is scrolled to the middle of the view (a node at the edge of a scrolled view
    is clipped to the part that shows, and counts as in view)."""
    box = None
    for _ in range(5):
        target.evaluate("e => e.scrollIntoView({block: 'center'})")
        page.wait_for_timeout(400)
        box = target.bounding_box()
        if box is not None and box["height"] >= least:
            break
    assert box is not None, f"{target} has no box"
    return dict(box)


def _check_choices(page: Any, names: Sequence[str]) -> None:
    """Each named radio is at least CHOICE high, carries its label as its name, and overlaps no other."""
    boxes = []
    for name in names:
        radio = page.get_by_role("radio", name=re.compile(f"^{name}$"))
        assert radio.count() == 1, f"no single radio named {name!r}"
        assert re.fullmatch(name, radio.get_attribute("aria-label") or ""), name
        box = _box(page, radio, CHOICE)
        assert box["height"] >= CHOICE, f"the choice {name!r} is {box['height']} px high"
        boxes.append((name, radio, box))
    # Measured together, in view at once (they are next to each other): no choice lies over another.
    boxes[0][1].evaluate("e => e.scrollIntoView({block: 'center'})")
    page.wait_for_timeout(400)
    placed = [(name, radio.bounding_box()) for name, radio, _ in boxes]
    for (a, one), (b, other) in itertools.pairwise(placed):
        apart = (
            other["y"] >= one["y"] + one["height"] - 1
            or other["x"] >= one["x"] + one["width"] - 1
            or one["y"] >= other["y"] + other["height"] - 1
        )
        assert apart, f"the choices {a!r} and {b!r} overlap: {one} {other}"


def _every_radio_named(page: Any) -> None:
    radios = page.get_by_role("radio")
    assert radios.count() > 0
    for n in range(radios.count()):
        name = (radios.nth(n).get_attribute("aria-label") or "").strip()
        assert name, f"a radio without a name: {radios.nth(n).evaluate('e => e.outerHTML')}"


def _type(page: Any, name: str, text: str) -> None:
    field = page.get_by_role("textbox", name=re.compile(rf"^{re.escape(name)}(\s|$)"))
    field.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    enter_text(field, text)


def _shown_whole(page: Any, message: re.Pattern[str]) -> None:
    """The refusal is on the page, and its box has room for all of its text (not cut off after a line)."""
    from playwright.sync_api import expect

    error = page.get_by_text(message).last
    expect(error).to_be_visible(timeout=15_000)
    text = error.inner_text().strip()
    box, before = _box(page, error, 1), None
    for _ in range(10):  # the message slides in: measure it once it has come to rest
        if box == before:
            break
        page.wait_for_timeout(300)
        before, box = box, error.bounding_box()
    lines = max(1, round(box["height"] / ERROR_LINE))
    needed = page.evaluate(MEASURE, text)
    assert box["width"] * lines >= needed, (
        f"{text!r} ({needed:.0f} px on one line) is cut off: {lines} line(s) of {box['width']:.0f} px"
    )


@pytest.mark.req("FLD-009")
@pytest.mark.req("FLD-102")
def test_the_walkthrough_choices_are_thumb_sized_and_the_clause_dropdown_is_named(
    browser: object, field_app: Running
) -> None:
    from playwright.sync_api import expect

    page = _walkthrough(browser, field_app)
    _check_choices(page, VIEWS)
    _check_choices(page, FILTERS)
    _every_radio_named(page)

    clause = page.get_by_role("button", name="Clause", exact=True)
    expect(clause).to_have_count(1, timeout=15_000)
    box = _box(page, clause, TOUCH - 1)
    assert box["height"] >= TOUCH - 1, f"the clause dropdown is {box['height']} px high"
    screenshot(page, "field-touch-walkthrough")

    # By process, the dropdown is named for what it now lists.
    tap(page.get_by_role("radio", name="Process", exact=True))
    expect(page.get_by_role("radio", name="Process", exact=True)).to_be_checked(timeout=15_000)
    expect(page.get_by_role("button", name="Process", exact=True)).to_have_count(1, timeout=15_000)
    expect(page.get_by_role("button", name="Clause", exact=True)).to_have_count(0)


@pytest.mark.req("FLD-110")
@pytest.mark.parametrize("size", [(1024, 600), (1280, 800)], ids=["small-landscape", "landscape"])
def test_held_landscape_the_walkthrough_shows_items_on_its_first_screen(
    browser: object, field_app: Running, size: tuple[int, int]
) -> None:
    from playwright.sync_api import expect

    page = _walkthrough(browser, field_app)
    width, height = size
    page.set_viewport_size({"width": width, "height": height})
    card = page.locator(f"[flt-semantics-identifier='item-{ITEM}']")
    expect(card).to_be_visible(timeout=15_000)
    page.wait_for_timeout(600)  # the new size is laid out
    box = card.bounding_box()
    assert box is not None, "the first item is not on the screen"
    # The header (title, site, progress, search, clause, view and filter) leaves the lower third for items.
    assert box["y"] < height * 2 / 3, f"the first item starts at {box['y']:.0f} px of a {height} px screen"
    expect(page.get_by_text("0 of 167 items answered")).to_be_visible()
    screenshot(page, f"field-walkthrough-{width}x{height}")


@pytest.mark.req("FLD-009")
@pytest.mark.req("FLD-104")
@pytest.mark.req("FLD-105")
def test_the_finding_grades_and_the_sample_methods_are_thumb_sized_and_named(
    browser: object, field_app: Running
) -> None:
    from playwright.sync_api import expect

    page = _walkthrough(browser, field_app)
    _open_item(page)
    _check_choices(page, METHODS)
    _check_choices(page, GRADES)
    _every_radio_named(page)

    # A grade is chosen by its name, and only that one is chosen.
    minor = page.get_by_role("radio", name="Minor nonconformity", exact=True)
    tap(minor, settle_ms=300)
    expect(minor).to_be_checked(timeout=15_000)
    for grade in GRADES:
        if grade != "Minor nonconformity":
            expect(page.get_by_role("radio", name=grade, exact=True)).not_to_be_checked()
    screenshot(page, "field-touch-finding-grades")


@pytest.mark.req("FLD-104")
@pytest.mark.req("FLD-009")
def test_a_refused_sample_is_explained_in_full_under_its_field(browser: object, field_app: Running) -> None:
    page = _walkthrough(browser, field_app)
    _open_item(page)

    draw = page.get_by_role("button", name="Draw sample")
    tap(draw, settle_ms=300)
    _shown_whole(page, re.compile(r"population's record identifiers or its size"))

    _type(page, "Or population size", "10")
    _type(page, "Sample size", "20")
    tap(draw, settle_ms=300)
    _shown_whole(page, re.compile(r"between 1 and the population size \(10\)"))
    screenshot(page, "field-touch-sample-too-big")
