"""The quality app in Chromium signs in to a real central store and shows the triage inbox."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import enter_text, open_flet, screenshot
from tests.support.processes import Running, auditapp_env, free_port, run_cli, start

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PASSWORD = "quality-pass-1"


@pytest.fixture
def quality_app(tmp_path: Path) -> Iterator[Running]:
    """A central store on SQLite with one quality manager, and the quality app pointed at it."""
    env = auditapp_env(tmp_path / "home", AUDITAPP_PASSWORD=PASSWORD)
    made = run_cli(
        ["admin", "create-user", "quinn", "--role", "quality_manager", "--name", "Quinn Quality"], env
    )
    assert made.returncode == 0, made.stderr
    server_port, app_port = free_port(), free_port()
    server = start(
        ["server", "--port", str(server_port)],
        env,
        f"http://127.0.0.1:{server_port}/api/health",
        tmp_path / "server.log",
    )
    try:
        app = start(
            ["quality", "--server-url", f"http://127.0.0.1:{server_port}", "--port", str(app_port)],
            env,
            f"http://127.0.0.1:{app_port}/",
            tmp_path / "quality.log",
        )
        try:
            yield app
        finally:
            app.stop()
    finally:
        server.stop()


@pytest.mark.req("FND-004")
def test_wrong_password_is_explained_then_the_inbox_opens(browser: object, quality_app: Running) -> None:
    from playwright.sync_api import expect

    page = open_flet(browser, quality_app.url)
    username = page.get_by_role("textbox", name="Username")  # type: ignore[attr-defined]
    enter_text(username, "quinn")
    password = page.get_by_role("textbox", name="Password")  # type: ignore[attr-defined]
    enter_text(password, "not the password")
    page.get_by_role("button", name="Sign in").click()  # type: ignore[attr-defined]
    expect(page.get_by_text("username or password is wrong")).to_be_visible(timeout=15_000)  # type: ignore[attr-defined]
    expect(username).to_have_value("quinn")

    enter_text(password, PASSWORD)
    page.get_by_role("button", name="Sign in").click()  # type: ignore[attr-defined]
    expect(page.get_by_text("Triage inbox · signed in as Quinn Quality")).to_be_visible(timeout=15_000)  # type: ignore[attr-defined]
    expect(page.get_by_text("No findings have been synced yet.")).to_be_visible()  # type: ignore[attr-defined]
    screenshot(page, "quality-inbox")
