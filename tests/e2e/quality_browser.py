"""Browser helpers of the quality app tests: a central store with users, the app, signing in."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.e2e.conftest import enter_text, open_flet, screenshot
from tests.support.processes import Running, auditapp_env, free_port, run_cli, start

PASSWORD = "quality-pass-1"
DESKTOP = {"width": 1440, "height": 1000}
USERS = (
    ("ada", "admin", "Ada Admin"),
    ("quinn", "quality_manager", "Quinn Quality"),
    ("owen", "capa_owner", "Owen Owner"),
    ("vera", "viewer", "Vera Viewer"),
    ("avery", "auditor", "Avery Auditor"),
)


@contextmanager
def central_store(folder: Path, **extra_env: str) -> Iterator[Running]:
    """A central store on SQLite with one user per role (password PASSWORD); `.env` holds its environment."""
    env = auditapp_env(
        folder / "home", AUDITAPP_PASSWORD=PASSWORD, AUDITAPP_CONFIG_DIR=str(folder / "config"), **extra_env
    )
    for username, role, name in USERS:
        made = run_cli(["admin", "create-user", username, "--role", role, "--name", name], env)
        assert made.returncode == 0, made.stderr
    port = free_port()
    server = start(
        ["server", "--port", str(port)], env, f"http://127.0.0.1:{port}/api/health", folder / "server.log"
    )
    server.env = env  # type: ignore[attr-defined]
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def quality_app(server: Running, folder: Path) -> Iterator[Running]:
    """The quality app pointed at the store."""
    port = free_port()
    app = start(
        ["quality", "--server-url", server.url, "--port", str(port)],
        server.env,  # type: ignore[attr-defined]
        f"http://127.0.0.1:{port}/",
        folder / f"quality-{port}.log",
    )
    try:
        yield app
    finally:
        app.stop()


def sign_in(browser: object, app: Running, username: str, password: str = PASSWORD) -> object:
    """A new desktop-sized page signed in as the user."""
    from playwright.sync_api import expect

    page = open_flet(browser, app.url)
    page.set_viewport_size(DESKTOP)  # type: ignore[attr-defined]
    enter_text(page.get_by_role("textbox", name="Username"), username)  # type: ignore[attr-defined]
    enter_text(page.get_by_role("textbox", name="Password"), password)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Sign in").click()  # type: ignore[attr-defined]
    expect(page.get_by_text("Signed in as", exact=False)).to_be_visible(timeout=20_000)  # type: ignore[attr-defined]
    return page


def nav(page: object, label: str) -> None:
    """Open a screen from the navigation."""
    page.get_by_role("button", name=label, exact=True).click()  # type: ignore[attr-defined]


def choose(page: object, identifier: str, option: str) -> None:
    """Pick an option of the dropdown named `identifier`."""
    from playwright.sync_api import expect

    page.locator(f"[flt-semantics-identifier='{identifier}']").click()  # type: ignore[attr-defined]
    choice = page.get_by_role("button", name=option, exact=True).last  # type: ignore[attr-defined]
    expect(choice).to_be_visible(timeout=10_000)
    choice.click()
    expect(page.locator(f"[flt-semantics-identifier='{identifier}']")).to_have_attribute(  # type: ignore[attr-defined]
        "aria-expanded", "false"
    )


def shows(page: object, *texts: str, timeout: float = 15.0) -> None:
    """Wait until each text is in what the page reads out (its accessibility tree).

    Flutter merges the texts of a card or row into one node, so the words of one line can sit in a larger
    node with line breaks between them; comparing with whitespace collapsed finds them all the same.
    """
    wanted = [" ".join(t.split()) for t in texts]
    deadline = time.monotonic() + timeout
    while True:
        spoken = " ".join(page.locator("body").aria_snapshot().replace("''", "'").split())  # type: ignore[attr-defined]
        missing = [t for t in wanted if t not in spoken]
        if not missing:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"not on screen: {missing}\n--- screen reads:\n{spoken}")
        time.sleep(0.25)


def reach(page: object, target: object) -> object:
    """Scroll the app (Flutter scrolls on its canvas, not the page) until the target is on screen.

    A target near the end of a screen may never reach the upper part of the window: it is on screen once
    scrolling stops moving it and its top is inside the window.
    """
    height = page.viewport_size["height"]  # type: ignore[attr-defined]
    previous: float | None = None
    for _ in range(80):
        box = target.bounding_box()  # type: ignore[attr-defined]
        if box is not None:
            if box["y"] >= 90 and box["y"] + min(box["height"], 200) <= height - 20:
                return target
            if previous is not None and abs(box["y"] - previous) < 1 and 90 <= box["y"] <= height - 60:
                return target
            previous = box["y"]
        page.mouse.move(900, height / 2)  # type: ignore[attr-defined]
        delta = 500.0 if box is None else box["y"] - height / 3
        page.mouse.wheel(0, max(-700.0, min(700.0, delta)))  # type: ignore[attr-defined]
        page.wait_for_timeout(120)  # type: ignore[attr-defined]
    raise AssertionError(f"could not scroll {target} into view (last seen at {previous})")


def click(page: object, target: object) -> None:
    """Scroll to the target and click it."""
    reach(page, target).click()  # type: ignore[attr-defined]


def type_into(page: object, target: object, text: str) -> None:
    """Scroll to a text field and replace its content."""
    from tests.e2e.conftest import enter_text

    enter_text(reach(page, target), text)


def snap(page: object, name: str, section: str | None = None) -> None:
    """A screenshot of what the app shows now (optionally scrolled to a section), drawn in full.

    Flutter paints on animation frames, which Chromium holds back for a page in the background: the page
    is brought to the front and two frames are awaited first.
    """
    page.bring_to_front()  # type: ignore[attr-defined]
    if section is not None:
        with contextlib.suppress(AssertionError):  # a picture of the screen as it is beats no picture
            reach(page, page.locator(f"[flt-semantics-identifier='{section}']"))  # type: ignore[attr-defined]
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")  # type: ignore[attr-defined]
    screenshot(page, name)


def click_until(page: object, target: object, *texts: str, tries: int = 3) -> None:
    """Click, and click again if the screen did not change: a click that lands while Flutter replaces the
    screen's semantics is lost (the next frame has the same button)."""
    for attempt in range(tries):
        reach(page, target).click()  # type: ignore[attr-defined]
        try:
            shows(page, *texts, timeout=8.0)
            return
        except AssertionError:
            if attempt == tries - 1:
                raise
