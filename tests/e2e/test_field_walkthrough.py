"""End to end in Chromium: plan an audit, capture evidence, reload, sync, see the findings centrally."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from PIL import Image

from auditapp.demo import DEMO_PASSPHRASE, DEMO_USERS
from tests.e2e.conftest import enter_text, expect_holds, open_flet, reload_app, screenshot, tap
from tests.support.processes import Running, auditapp_env, free_port, start, wait_http

pytestmark = [pytest.mark.browser, pytest.mark.slow]

AUDIT = "Stage 2 rehearsal: sterile packaging"
SEALING = "iso13485-7.5.6-01"
ITEMS = ("iso13485-4.2.4-01", SEALING, "iso13485-8.5.2-01")  # three clauses: 4.2.4, 7.5.6, 8.5.2


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[tuple[Running, str]]:
    """`auditapp demo` (central store, enrolled field app) on free ports; yields it and the store's URL."""
    server_port, field_port = free_port(), free_port()
    running = start(
        [
            "demo",
            "--home",
            str(tmp_path / "demo"),
            "--server-port",
            str(server_port),
            "--field-port",
            str(field_port),
        ],
        auditapp_env(tmp_path / "home"),
        f"http://127.0.0.1:{field_port}/",
        tmp_path / "demo.log",
        timeout=120,
    )
    server_url = f"http://127.0.0.1:{server_port}"
    try:
        wait_http(f"{server_url}/api/health", 30)
        yield running, server_url
    finally:
        running.stop()


def _jpeg(path: Path) -> Path:
    image = Image.new("RGB", (1200, 900), (40, 120, 180))
    for x in range(0, 1200, 60):
        image.paste((230, 230, 230), (x, 400, x + 30, 500))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    path.write_bytes(buffer.getvalue())
    return path


def _type(page: Any, name: str, text: str) -> None:
    """Type into the text field of that name, scrolled into view first (the canvas scrolls under it)."""
    # The name is the label, followed by the hint when the field has one.
    field = page.get_by_role("textbox", name=re.compile(rf"^{re.escape(name)}(\s|$)"))
    field.scroll_into_view_if_needed()
    page.wait_for_timeout(400)
    enter_text(field, text)


def _has_value(page: Any, name: str, text: str) -> None:
    """The field of that name holds text."""
    field = page.get_by_role("textbox", name=re.compile(rf"^{re.escape(name)}(\s|$)"))
    field.scroll_into_view_if_needed()
    expect_holds(field, text)


def _click(target: Any) -> None:
    """Click a control after scrolling it into view and letting the frame be drawn."""
    tap(target, settle_ms=400)


def _card(page: Any, item_id: str) -> Any:
    return page.locator(f"[flt-semantics-identifier='item-{item_id}']")


def _find(page: Any, item_id: str) -> Any:
    from playwright.sync_api import expect

    _type(page, "Search items", item_id)
    card = _card(page, item_id)
    expect(card).to_be_visible(timeout=15_000)
    return card


def _answer(page: Any, item_id: str, label: str) -> None:
    from playwright.sync_api import expect

    _click(_find(page, item_id).get_by_role("button", name=label, exact=True))
    expect(page.get_by_role("group", name=re.compile(f"Answer: {label}$"))).to_have_count(1, timeout=15_000)


def _plan_audit(page: Any) -> None:
    from playwright.sync_api import expect

    _click(page.get_by_role("button", name="New audit"))
    _type(page, "Audit title", AUDIT)
    _type(page, "Organisation", "Demo Medical Devices Ltd")
    _click(page.get_by_role("radio", name="Stage 2 mock"))
    enter_text(
        page.get_by_role("textbox", name="Objectives"), "Rehearse the certification audit of packaging"
    )
    _type(page, "Scope", "Sealing and sterile barrier packaging")
    _click(page.get_by_role("checkbox", name=re.compile("^ISO 13485:2016")))
    _type(page, "Lead auditor", "Ana Auditor")
    _type(page, "Auditees", "Pat Production, Production manager")
    _click(page.get_by_role("button", name="Create audit"))
    # The site is missing: the message stands next to the field and nothing typed is lost.
    expect(page.get_by_text("Enter the site")).to_be_visible(timeout=15_000)
    _has_value(page, "Audit title", AUDIT)
    screenshot(page, "field-plan-form")
    _type(page, "Site", "Plant 1, Cleanroom and Warehouse")
    _click(page.get_by_role("button", name="Create audit"))
    expect(page.get_by_text("0 of 167 items answered")).to_be_visible(timeout=30_000)


def _capture_on_sealing_item(page: Any, tmp_path: Path) -> str:
    """Interview, photo (after a refused file), document, random sample of 5 from 200, one bad record."""
    from playwright.sync_api import expect

    _type(page, "Role", "Sealer operator")
    _type(page, "Question asked", "When was the sealer last revalidated?")
    _type(page, "Answer given", "After the jaw change in February")
    _click(page.get_by_role("button", name="Add interview"))
    expect(page.get_by_text(re.compile("^Sam Sealer \\(Sealer operator\\): asked"))).to_be_visible(
        timeout=15_000
    )

    bad = tmp_path / "notes.txt"
    bad.write_text("not a photo")
    _type(page, "Photo caption", "Sealer jaw, no validation label")
    with page.expect_file_chooser() as chooser:
        _click(page.get_by_role("button", name="Attach photo"))
    chooser.value.set_files(str(bad))
    expect(page.get_by_text(re.compile("notes.txt cannot be used"))).to_be_visible(timeout=15_000)
    _has_value(page, "Photo caption", "Sealer jaw, no validation label")
    with page.expect_file_chooser() as chooser:
        _click(page.get_by_role("button", name="Attach photo"))
    chooser.value.set_files(str(_jpeg(tmp_path / "sealer.jpg")))
    expect(page.get_by_text("Sealer jaw, no validation label", exact=True)).to_be_visible(timeout=30_000)

    _type(page, "Document id", "SOP-VAL-003")
    _type(page, "Revision", "C")
    _click(page.get_by_role("button", name="Add document"))
    expect(page.get_by_text("SOP-VAL-003 rev C")).to_be_visible(timeout=15_000)

    _type(page, "Population", "batch records")
    _type(page, "Record ids", "BR-001..BR-200")
    _type(page, "Sample size", "5")
    _click(page.get_by_role("button", name="Draw sample"))
    expect(page.get_by_text(re.compile(r"^Random, seed [0-9a-f]+: 5 of 200 batch records$"))).to_be_visible(
        timeout=15_000
    )
    failing = page.get_by_role("button", name=re.compile(r"^BR-\d{3} does not conform$")).first
    record = (failing.get_attribute("aria-label") or failing.inner_text()).split(" ")[0]
    _type(page, f"Comment on {record}", "Seal strength test missing")
    _click(failing)
    expect(page.get_by_text(f"{record} does not conform: Seal strength test missing")).to_be_visible(
        timeout=15_000
    )
    return record


def _raise(page: Any, grade: str, statement: str) -> None:
    from playwright.sync_api import expect

    _click(page.get_by_role("radio", name=grade))
    _type(page, "Finding statement", statement)
    _click(page.get_by_role("button", name="Raise finding"))
    expect(page.get_by_text(f"{grade} · 7.5.6: {statement}")).to_be_visible(timeout=15_000)


def _central_findings(server_url: str, timeout: float = 90) -> list[dict[str, str]]:
    username, _, _, password = next(u for u in DEMO_USERS if u[1] == "quality_manager")
    token = requests.post(
        f"{server_url}/api/auth/login", json={"username": username, "password": password}, timeout=10
    ).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    deadline = time.monotonic() + timeout
    findings: list[dict[str, str]] = []
    while time.monotonic() < deadline:
        body = requests.get(f"{server_url}/api/findings", headers=headers, timeout=10).json()
        findings = body["items"] if isinstance(body, dict) else body  # a page of the list, or the list
        if len(findings) >= 2:
            return findings
        time.sleep(0.5)
    raise AssertionError(f"the findings did not reach the central store: {findings}")


@pytest.mark.req("FLD-109")
@pytest.mark.req("FLD-101")
@pytest.mark.req("FLD-106")
def test_a_full_walkthrough_survives_a_reload_and_its_findings_reach_the_central_store(
    browser: object, demo: tuple[Running, str], tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    running, server_url = demo
    page = open_flet(browser, running.url)
    _type(page, "Passphrase", DEMO_PASSPHRASE)  # type: ignore[attr-defined]
    _click(page.get_by_role("button", name="Unlock"))  # type: ignore[attr-defined]
    expect(page.get_by_role("button", name="New audit")).to_be_visible(timeout=30_000)  # type: ignore[attr-defined]
    screenshot(page, "field-audit-list")

    _plan_audit(page)
    for item_id, label in zip(ITEMS, ("Conforming", "Nonconforming", "Observation"), strict=True):
        _answer(page, item_id, label)
    expect(page.get_by_text("3 of 167 items answered")).to_be_visible()  # type: ignore[attr-defined]
    _type(page, "Search items", "")  # type: ignore[attr-defined]
    expect(_card(page, "iso13485-4.1.1-01")).to_be_visible(timeout=15_000)
    screenshot(page, "field-audit-walkthrough")

    _click(_find(page, SEALING).get_by_role("button", name="Open item"))
    expect(page.get_by_role("button", name="Add interview")).to_be_visible(timeout=15_000)  # type: ignore[attr-defined]
    _click(page.get_by_role("button", name="Show guidance"))  # type: ignore[attr-defined]
    expect(page.get_by_text(re.compile("^Records worth sampling"))).to_be_visible()  # type: ignore[attr-defined]
    person = page.get_by_role("textbox", name="Person interviewed")  # type: ignore[attr-defined]
    enter_text(person, "Sam Sealer")
    _click(page.get_by_role("textbox", name="Role"))  # type: ignore[attr-defined]  # leaving the field saves it

    expect(page.get_by_text("Sam Sealer")).to_have_count(0)  # type: ignore[attr-defined]  # not an interview yet

    # In the middle of the interview the page is reloaded; then the item screen is built anew from the
    # workspace (back to the walkthrough and in again): the typed name and the answers are kept.
    reload_app(page)
    expect(page.get_by_role("textbox", name="Person interviewed")).to_be_visible(timeout=30_000)  # type: ignore[attr-defined]
    _click(page.get_by_role("button", name="Back to the walkthrough"))  # type: ignore[attr-defined]
    expect(page.get_by_text("3 of 167 items answered")).to_be_visible(timeout=15_000)  # type: ignore[attr-defined]
    _click(_find(page, SEALING).get_by_role("button", name="Open item"))
    expect(page.get_by_role("textbox", name="Person interviewed")).to_be_visible(timeout=30_000)  # type: ignore[attr-defined]
    _has_value(page, "Person interviewed", "Sam Sealer")
    expect(page.get_by_text("Answer: Nonconforming", exact=True)).to_be_visible()

    record = _capture_on_sealing_item(page, tmp_path)
    _raise(page, "Major nonconformity", "Sealer not revalidated after the jaw change")
    _raise(page, "Minor nonconformity", "Batch record without seal strength result")
    screenshot(page, "field-item")

    reload_app(page)
    expect(page.get_by_text(f"{record} does not conform: Seal strength test missing")).to_be_visible(
        timeout=30_000
    )  # type: ignore[attr-defined]
    expect(
        page.get_by_text("Major nonconformity · 7.5.6: Sealer not revalidated after the jaw change")
    ).to_be_visible()  # type: ignore[attr-defined]

    _click(page.get_by_role("button", name="Back to the walkthrough"))  # type: ignore[attr-defined]
    _click(page.get_by_role("button", name="Paper vs practice"))  # type: ignore[attr-defined]
    expect(page.get_by_text("Gap: practice contradicts the paper").first).to_be_visible(timeout=15_000)  # type: ignore[attr-defined]
    screenshot(page, "field-paper-practice")

    _click(page.get_by_role("button", name="Sync now"))  # type: ignore[attr-defined]
    findings = _central_findings(server_url)
    ours = sorted((f["grade"], f["clause"], f["statement"]) for f in findings if f["item_id"] == SEALING)
    assert ours == [
        ("major_nc", "7.5.6", "Sealer not revalidated after the jaw change"),
        ("minor_nc", "7.5.6", "Batch record without seal strength result"),
    ]
