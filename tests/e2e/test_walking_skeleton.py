"""End to end: an answer given in the field app in Chromium is stored on the device and reaches the store."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from auditapp.demo import DEMO_PASSPHRASE, DEMO_USERS
from tests.e2e.conftest import enter_text, open_flet, screenshot
from tests.support.processes import Running, auditapp_env, free_port, start, wait_http

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[tuple[Running, str]]:
    """`auditapp demo` on free ports; yields the process and the central store's URL."""
    server_port, field_port = free_port(), free_port()
    env = auditapp_env(tmp_path / "home")
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
        env,
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


LOCAL_HOSTS = {"127.0.0.1", "localhost"}


def _on_this_machine(url: str) -> bool:
    """Whether a URL stays on this machine: localhost, or data and blob URLs, which never touch a network."""
    parts = urlsplit(url)
    return parts.scheme in ("data", "blob") or parts.hostname in LOCAL_HOSTS


@dataclass
class Offline:
    """What the pages of one test asked for while the browser was cut off from all but this machine."""

    asked: list[str] = field(default_factory=list)
    """Every URL: requests, service-worker fetches and web sockets, refused ones included."""
    refused: list[str] = field(default_factory=list)
    """The URLs outside this machine, each refused as if there were no internet."""


@pytest.fixture
def without_internet(browser: object) -> Iterator[Offline]:
    """Cut the browser off everything but this machine for one test, and record what its pages ask for."""
    context = browser
    offline = Offline()

    def record(request: object) -> None:
        offline.asked.append(request.url)  # type: ignore[attr-defined]

    def watch(page: object) -> None:
        page.on("websocket", lambda socket: offline.asked.append(socket.url))  # type: ignore[attr-defined]

    def refuse(route: object) -> None:
        offline.refused.append(route.request.url)  # type: ignore[attr-defined]
        route.abort("internetdisconnected")  # type: ignore[attr-defined]

    def leaves_the_machine(url: str) -> bool:
        return not _on_this_machine(url)

    context.on("request", record)  # type: ignore[attr-defined]
    context.on("page", watch)  # type: ignore[attr-defined]
    context.route(leaves_the_machine, refuse)  # type: ignore[attr-defined]
    try:
        yield offline
    finally:  # the browser lives on for the next test
        context.unroute(leaves_the_machine, refuse)  # type: ignore[attr-defined]
        context.remove_listener("page", watch)  # type: ignore[attr-defined]
        context.remove_listener("request", record)  # type: ignore[attr-defined]


def _quality_headers(server_url: str) -> dict[str, str]:
    username, _, _, password = next(u for u in DEMO_USERS if u[1] == "quality_manager")
    reply = requests.post(
        f"{server_url}/api/auth/login", json={"username": username, "password": password}, timeout=10
    )
    reply.raise_for_status()
    return {"Authorization": f"Bearer {reply.json()['token']}"}


def _wait_for_answer(server_url: str, headers: dict[str, str], timeout: float = 60) -> list[dict[str, str]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        audits = requests.get(f"{server_url}/api/audits", headers=headers, timeout=10).json()
        for audit in audits:
            answers = requests.get(
                f"{server_url}/api/audits/{audit['id']}/responses", headers=headers, timeout=10
            ).json()
            if answers:
                return answers
        time.sleep(0.5)
    raise AssertionError("the answer did not reach the central store")


@pytest.mark.req("FND-002")
@pytest.mark.req("FND-003")
@pytest.mark.req("FND-005")
def test_answer_given_in_the_browser_reaches_the_central_store(
    browser: object, demo: tuple[Running, str], without_internet: Offline
) -> None:
    from playwright.sync_api import expect

    running, server_url = demo
    page = open_flet(browser, running.url)

    passphrase = page.get_by_role("textbox", name="Passphrase")  # type: ignore[attr-defined]
    enter_text(passphrase, "wrong passphrase")
    page.get_by_role("button", name="Unlock").click()  # type: ignore[attr-defined]
    expect(page.get_by_text("wrong passphrase", exact=False)).to_be_visible()  # type: ignore[attr-defined]
    screenshot(page, "field-unlock")

    enter_text(passphrase, DEMO_PASSPHRASE)
    page.get_by_role("button", name="Unlock").click()  # type: ignore[attr-defined]
    open_button = page.get_by_role("button", name="Open Internal audit: production and CAPA")  # type: ignore[attr-defined]
    expect(open_button).to_be_visible(timeout=30_000)
    screenshot(page, "field-audits")

    open_button.click()
    first_item = page.locator("[flt-semantics-identifier^='item-']").first  # type: ignore[attr-defined]
    expect(first_item).to_be_visible(timeout=30_000)
    first_item.get_by_role("button", name="Conforming", exact=True).click()
    # A card's texts form the accessible name of its group: the answer shows there once recorded.
    answered = page.get_by_role("group", name=re.compile(r"Answer: Conforming$"))  # type: ignore[attr-defined]
    expect(answered).to_have_count(1, timeout=15_000)
    expect(page.get_by_text(re.compile(r"^1 of \d+ items answered$"))).to_be_visible()  # type: ignore[attr-defined]
    screenshot(page, "field-walkthrough")

    page.get_by_role("button", name="Sync now").click()  # type: ignore[attr-defined]
    answers = _wait_for_answer(server_url, _quality_headers(server_url))
    assert [a["answer"] for a in answers] == ["conforming"]
    assert answers[0]["clause"].startswith("4.")

    # All that worked with the internet cut off, and the page never even tried to reach it (no CDN, fonts).
    asked = without_internet.asked
    assert any(url.startswith(running.url) for url in asked)  # the recording saw the app load
    assert any(url.startswith("ws://127.0.0.1:") for url in asked)  # and its web socket
    outside = [url for url in asked if not _on_this_machine(url)]
    assert outside == []  # not even Flet's client asking a CDN for its animation runtime (ADR 0077)
    assert without_internet.refused == []
