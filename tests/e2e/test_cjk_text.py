"""Chinese, Japanese, Korean, Hebrew and Arabic text in the field app in Chromium, with no network: drawn with
the fonts the app ships, never looked up on the internet (Flutter's own fallback would ask Google Fonts)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from auditapp.demo import demo_plan
from auditapp.reports.font_files import CJK_FILE
from tests.e2e.conftest import enter_text, field_app_with, open_flet, screenshot, tap
from tests.support.processes import Running

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSPHRASE = "cjk passphrase 1"
AUDIT = "内部監査 製造工程 / 내부 심사 / 内部审核 / ביקורת פנימית / تدقيق داخلي"  # ja, ko, zh, he, ar


@pytest.fixture
def tokyo(tmp_path: Path) -> Iterator[Running]:
    """The field app over a locked workspace holding one audit titled in five scripts."""
    with field_app_with(
        tmp_path / "home",
        tmp_path / "field.log",
        PASSPHRASE,
        dataclasses.replace(demo_plan(dt.date(2026, 11, 2)), title=AUDIT),
    ) as app:
        yield app


def _fallback_lookups(urls: list[str]) -> list[str]:
    """Requests Flutter makes for its own fallback fonts: Noto, from Google Fonts or, with Flet's `no_cdn`,
    from `assets/fonts/` where nothing is (Roboto and the icon font are Flet's own, always asked for)."""
    return [u for u in urls if "gstatic" in u or "noto" in u.lower()]


@pytest.mark.req("PLT-027")
def test_an_audit_titled_in_five_scripts_is_drawn_with_the_shipped_fonts(
    tokyo: Running, browser: Any
) -> None:
    from playwright.sync_api import expect

    asked: list[str] = []
    served: dict[str, int] = {}

    def ask(request: Any) -> None:
        asked.append(request.url)

    def record(response: Any) -> None:
        served[response.url] = response.status

    browser.on("request", ask)
    browser.on("response", record)
    try:
        page: Any = open_flet(browser, tokyo.url)
        expect(page.get_by_text("Unlock Acme Orthopaedics")).to_be_visible(timeout=30_000)
        enter_text(page.get_by_role("textbox", name="Passphrase", exact=True), PASSPHRASE)
        tap(page.get_by_role("button", name="Unlock"))
        expect(page.get_by_role("button", name=f"Open {AUDIT}")).to_be_visible(timeout=30_000)
        fonts = [f"{tokyo.url.rstrip('/')}/fonts/{name}" for name in (CJK_FILE.name, "DejaVuSans.ttf")]
        deadline = time.monotonic() + 30
        while any(served.get(font) is None for font in fonts) and time.monotonic() < deadline:
            page.wait_for_timeout(200)
        page.wait_for_timeout(1_000)  # the page is laid out again with the font
        screenshot(page, "field-audit-list-cjk")
    finally:
        browser.remove_listener("request", ask)
        browser.remove_listener("response", record)
    assert [served.get(font) for font in fonts] == [200, 200], sorted(served)
    assert _fallback_lookups(asked) == []  # every character found in the shipped font
