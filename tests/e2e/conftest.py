"""The real app in a real Chromium: Playwright drives Debian's chromium, never a downloaded browser."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from auditapp.bootstrap import field_workspaces
from auditapp.config import FieldConfig
from auditapp.domain.plan import AuditPlan
from tests.support.processes import Running, auditapp_env, free_port, start

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TABLET_PORTRAIT = {"width": 800, "height": 1280}


BROWSER_RERUNS = int(os.environ.get("AUDITAPP_BROWSER_RERUNS", "1"))
"""A browser test that fails is run once more before it counts as failed (ADR 0110); 0 to see each
failure while working on a test."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Give every browser test one more run: a click or keystroke can land on a frame Flutter is replacing
    when the machine is loaded. A test that fails twice fails, and `-ra` lists every rerun."""
    for item in items:
        if BROWSER_RERUNS and item.get_closest_marker("browser") is not None:
            item.add_marker(pytest.mark.flaky(reruns=BROWSER_RERUNS, reruns_delay=2))


@pytest.fixture(scope="session")
def browser(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A headless Chromium with a fresh profile."""
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=chromium,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport=TABLET_PORTRAIT,
        )
        try:
            yield context
        finally:
            context.close()


@pytest.fixture(autouse=True)
def _close_pages(request: pytest.FixtureRequest) -> Iterator[None]:
    """Close the pages a test opened once it is over.

    A Flet page whose server has stopped keeps trying to reconnect; left open, the pages of earlier tests
    compete with the next test for the processor. The context's first page (the persistent profile's
    own) stays, so the browser lives on for the next test.
    """
    yield
    if "browser" not in request.fixturenames:
        return
    context = request.getfixturevalue("browser")
    for page in context.pages[1:]:  # type: ignore[attr-defined]
        with contextlib.suppress(Exception):  # a page that is gone already is what we want
            page.close()


@pytest.fixture
def running(tmp_path: Path) -> Iterator[tuple[object, object]]:
    """A central store on SQLite with a user per role, and the quality app pointed at it."""
    from tests.e2e.quality_browser import central_store, quality_app

    with central_store(tmp_path) as server, quality_app(server, tmp_path) as app:
        yield server, app


def open_flet(context: object, url: str) -> object:
    """Open a Flet page, wait for its first frame and switch on its accessibility tree."""
    page = context.new_page()  # type: ignore[attr-defined]
    page.add_init_script(
        "window.addEventListener('flutter-first-frame', () => { window.__firstFrame = true; });"
    )
    page.goto(url)
    page.wait_for_function("window.__firstFrame === true", timeout=60_000)
    page.locator("flt-semantics-placeholder").dispatch_event("click")
    return page


def reload_app(page: object) -> None:
    """Reload a Flet page as a user would, then wait for its first frame and its accessibility tree."""
    page.evaluate("window.__firstFrame = false")  # type: ignore[attr-defined]
    page.reload()  # type: ignore[attr-defined]
    page.wait_for_function("window.__firstFrame === true", timeout=60_000)  # type: ignore[attr-defined]
    page.locator("flt-semantics-placeholder").dispatch_event("click")  # type: ignore[attr-defined]


def screenshot(page: object, name: str) -> None:
    """Save a screenshot under test-artifacts/ (and docs/screenshots/ when AUDITAPP_SCREENSHOTS is set)."""
    folders = [ROOT / "test-artifacts"]
    if os.environ.get("AUDITAPP_SCREENSHOTS"):
        folders.append(ROOT / os.environ["AUDITAPP_SCREENSHOTS"])
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"{name}.png"))  # type: ignore[attr-defined]


def enter_text(field: object, text: str, *, attempts: int = 3) -> None:
    """Replace a Flet text field's content (focus it, select what is there, type over it) until the app
    holds the text.

    On a loaded machine the keystrokes can reach the page before Flutter has tied its text editing to the
    field: the page then shows the text while the app never got it. So the field is left (Tab) and focused
    again, which makes Flutter put the app's copy of the value into the element it edits with (the field's
    own node, or a hidden input of its own when it focused the field before the accessibility tree was on),
    and the text is typed again when that is not it.
    """
    for attempt in range(attempts):
        _focus(field)
        field.press("Control+a")  # type: ignore[attr-defined]
        field.press("Delete")  # type: ignore[attr-defined]
        field.fill(text)  # type: ignore[attr-defined]
        field.press("Tab")  # type: ignore[attr-defined]
        if _holds(field, text, wait_ms=3_000 * 2**attempt):  # a busier machine gets longer each time
            return
    raise AssertionError(f"{field} does not hold {text!r} after typing it {attempts} times")


def expect_holds(field: object, text: str, timeout: float = 15.0) -> None:
    """Assert that the app's text field holds `text` (what the user typed was kept, say).

    The field's node shows the app's value reliably only while it is being edited, so the field is focused
    and the element Flutter edits it with is read.
    """
    deadline = time.monotonic() + timeout
    while not _holds(field, text):
        if time.monotonic() > deadline:
            held = field.page.evaluate("() => document.activeElement && document.activeElement.value")  # type: ignore[attr-defined]
            raise AssertionError(f"{field} holds {held!r}, not {text!r}")


def _holds(field: object, text: str, wait_ms: int = 3_000) -> bool:
    from playwright.sync_api import Error

    _focus(field)
    try:
        field.page.wait_for_function(_EDITED_VALUE, arg=text, timeout=wait_ms)  # type: ignore[attr-defined]
    except Error:
        return False
    return True


def _focus(field: object) -> None:
    """Tap a text field; when the tap focused something else, focus the field's node itself.

    After a scroll, Flutter can leave the nodes of its accessibility tree where the fields were: a tap aimed
    at one then lands on whatever the canvas shows there now (the field below, say), while focusing the
    node directly still reaches the field it stands for."""
    tap(field)
    if not field.evaluate("e => e === document.activeElement"):  # type: ignore[attr-defined]
        field.focus()  # type: ignore[attr-defined]


_EDITED_VALUE = "text => { const e = document.activeElement; return !!e && e.value === text; }"
"""Whether the element being edited (Flutter's, after focusing a field) holds the text."""


def tap(target: object, *, settle_ms: int = 0) -> None:
    """Click a control, scrolled into view first (after `settle_ms` for the frame to be drawn).

    On a loaded machine a redraw can detach the control's node or move it from under the pointer; the
    control is then looked up again, and at last its node in the accessibility tree gets the click, which
    taps it just the same.
    """
    from playwright.sync_api import Error

    for _ in range(3):
        try:
            target.scroll_into_view_if_needed(timeout=10_000)  # type: ignore[attr-defined]
            if settle_ms:
                target.page.wait_for_timeout(settle_ms)  # type: ignore[attr-defined]
            target.click(timeout=5_000)  # type: ignore[attr-defined]
        except Error:  # playwright's TimeoutError, or a node detached by a redraw
            continue
        return
    target.dispatch_event("click")  # type: ignore[attr-defined]


@contextlib.contextmanager
def field_app_with(home: Path, log: Path, passphrase: str, plan: AuditPlan) -> Iterator[Running]:
    """The real `auditapp field` over a locked workspace 'Acme Orthopaedics' holding one audit of `plan`,
    set up through the services as the app would."""
    workspaces = field_workspaces(FieldConfig(workspace=home / "field" / "default", reopen_last=True))
    try:
        workspaces.set_up_current("Acme Orthopaedics", "", passphrase, passphrase).plan_audit(plan)
    finally:
        workspaces.close()
    port = free_port()
    app = start(
        ["field", "--port", str(port)], auditapp_env(home), f"http://127.0.0.1:{port}/", log, timeout=90
    )
    try:
        yield app
    finally:
        app.stop()
