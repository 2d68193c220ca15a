"""The quality app in Chromium signs in to a real central store, remembers it, and signs out."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import enter_text, expect_holds, open_flet
from tests.e2e.quality_browser import snap
from tests.support.processes import Running, auditapp_env, free_port, run_cli, start

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PASSWORD = "quality-pass-1"


@pytest.fixture
def central_store(tmp_path: Path) -> Iterator[tuple[Running, dict[str, str]]]:
    """A central store on SQLite with one quality manager; yields it and the environment of its users."""
    env = auditapp_env(
        tmp_path / "home", AUDITAPP_PASSWORD=PASSWORD, AUDITAPP_CONFIG_DIR=str(tmp_path / "config")
    )
    made = run_cli(
        ["admin", "create-user", "quinn", "--role", "quality_manager", "--name", "Quinn Quality"], env
    )
    assert made.returncode == 0, made.stderr
    port = free_port()
    server = start(
        ["server", "--port", str(port)], env, f"http://127.0.0.1:{port}/api/health", tmp_path / "server.log"
    )
    try:
        yield server, env
    finally:
        server.stop()


def _start_app(env: dict[str, str], log: Path) -> Running:
    port = free_port()
    return start(["quality", "--port", str(port)], env, f"http://127.0.0.1:{port}/", log)


@pytest.mark.req("FND-004")
@pytest.mark.req("QAP-001")
@pytest.mark.req("QAP-003")
def test_sign_in_is_explained_remembered_between_runs_and_signed_out(
    browser: object, central_store: tuple[Running, dict[str, str]], tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    server, env = central_store
    app = _start_app(env, tmp_path / "quality-1.log")
    try:
        page = open_flet(browser, app.url)
        url = page.get_by_role("textbox", name="Central store URL")  # type: ignore[attr-defined]
        expect_holds(url, "http://127.0.0.1:8765")
        enter_text(url, server.url)
        username = page.get_by_role("textbox", name="Username")  # type: ignore[attr-defined]
        enter_text(username, "quinn")
        password = page.get_by_role("textbox", name="Password")  # type: ignore[attr-defined]
        enter_text(password, "not the password")
        page.get_by_role("button", name="Sign in").click()  # type: ignore[attr-defined]
        expect(page.get_by_text("username or password is wrong")).to_be_visible(timeout=15_000)  # type: ignore[attr-defined]
        expect_holds(username, "quinn")
        expect_holds(url, server.url)

        enter_text(password, PASSWORD)
        page.get_by_role("button", name="Sign in").click()  # type: ignore[attr-defined]
        expect(page.get_by_text("Signed in as Quinn Quality (quality manager)")).to_be_visible(timeout=15_000)  # type: ignore[attr-defined]
        expect(page.get_by_text("No findings have been synced yet.")).to_be_visible()  # type: ignore[attr-defined]

        page.get_by_role("button", name="Sign out").click()  # type: ignore[attr-defined]
        expect(page.get_by_text("You are signed out.")).to_be_visible(timeout=15_000)  # type: ignore[attr-defined]
        page.close()  # type: ignore[attr-defined]
    finally:
        app.stop()

    saved = json.loads((Path(env["AUDITAPP_CONFIG_DIR"]) / "quality-app.json").read_text())
    assert saved == {"server_url": server.url, "username": "quinn"}

    again = _start_app(env, tmp_path / "quality-2.log")
    try:
        page = open_flet(browser, again.url)
        for name, value in (("Central store URL", server.url), ("Username", "quinn")):
            field = page.get_by_role("textbox", name=name)  # type: ignore[attr-defined]
            expect_holds(field, value)
        snap(page, "quality-sign-in")
        page.close()  # type: ignore[attr-defined]
    finally:
        again.stop()
