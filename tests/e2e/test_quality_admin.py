"""Administrators in Chromium: enroll a tablet with the code shown on screen, revoke it, add users."""

from __future__ import annotations

import re
import uuid

import pytest
import requests

from sync.keys import DeviceKeys
from tests.e2e.conftest import enter_text, expect_holds
from tests.e2e.quality_browser import PASSWORD, nav, sign_in, snap
from tests.support.processes import Running

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _token(server: Running, username: str, password: str = PASSWORD) -> dict[str, str]:
    reply = requests.post(
        f"{server.url}/api/auth/login", json={"username": username, "password": password}, timeout=10
    )
    assert reply.status_code == 200, reply.text
    return {"Authorization": f"Bearer {reply.json()['token']}"}


@pytest.mark.req("QAP-010")
@pytest.mark.req("QAP-011")
def test_admin_enrolls_a_tablet_with_the_code_on_screen_then_revokes_it_and_creates_a_user(
    browser: object, running: tuple[Running, Running]
) -> None:
    from playwright.sync_api import expect

    server, app = running
    page = sign_in(browser, app, "ada")
    nav(page, "Devices")
    expect(page.get_by_text("No device has been enrolled yet.")).to_be_visible(timeout=15_000)  # type: ignore[attr-defined]
    enter_text(page.get_by_role("textbox", name="Username of the device's user"), "avery")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Issue code").click()  # type: ignore[attr-defined]
    code_pattern = re.compile(r"Code for avery\s+([0-9A-Z]{5}-[0-9A-Z]{5})\s+Valid until")
    shown = page.locator("[flt-semantics-identifier='enrollment-code']")  # type: ignore[attr-defined]
    expect(shown).to_have_attribute("aria-label", code_pattern, timeout=15_000)
    match = code_pattern.search(shown.get_attribute("aria-label") or "")
    assert match is not None
    expect(page.get_by_role("img", name="QR code")).to_be_visible()  # type: ignore[attr-defined]
    snap(page, "quality-devices")

    # The code on screen enrolls a real device.
    keys = DeviceKeys.generate()
    enrolled = requests.post(
        f"{server.url}/api/enroll",
        json={
            "code": match.group(1),
            "device_id": str(uuid.uuid4()),
            "signing_public": keys.signing_public_b64,
            "receiving_public": keys.receiving_public_b64,
            "name": "Cleanroom tablet",
        },
        timeout=10,
    )
    assert enrolled.status_code == 200, enrolled.text

    nav(page, "Users")
    nav(page, "Devices")
    revoke = page.get_by_role("button", name="Revoke Cleanroom tablet")  # type: ignore[attr-defined]
    expect(revoke).to_be_visible(timeout=15_000)
    revoke.click()
    expect(page.get_by_text("The tablet of avery will no longer", exact=False)).to_be_visible()  # type: ignore[attr-defined]
    page.get_by_role("button", name="Keep it").click()  # type: ignore[attr-defined]
    listed = requests.get(f"{server.url}/api/devices", headers=_token(server, "ada"), timeout=10).json()
    assert [d["status"] for d in listed["items"]] == ["active"]

    revoke.click()
    page.get_by_role("button", name="Revoke", exact=True).click()  # type: ignore[attr-defined]
    expect(page.get_by_text(re.compile(r"^revoked "))).to_be_visible(timeout=15_000)  # type: ignore[attr-defined]
    listed = requests.get(f"{server.url}/api/devices", headers=_token(server, "ada"), timeout=10).json()
    assert [d["status"] for d in listed["items"]] == ["revoked"]

    nav(page, "Users")
    enter_text(page.get_by_role("textbox", name="Username"), "cara")  # type: ignore[attr-defined]
    enter_text(page.get_by_role("textbox", name="Printed name"), "Cara Capa")  # type: ignore[attr-defined]
    enter_text(page.get_by_role("textbox", name="Initial password"), "short")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Create user").click()  # type: ignore[attr-defined]
    expect(page.get_by_text("Initial password: use at least 10 characters")).to_be_visible(timeout=15_000)  # type: ignore[attr-defined]
    expect_holds(page.get_by_role("textbox", name="Printed name"), "Cara Capa")  # type: ignore[attr-defined]
    enter_text(page.get_by_role("textbox", name="Initial password"), "cara-password-1")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Create user").click()  # type: ignore[attr-defined]
    expect(page.get_by_role("button", name="Deactivate cara")).to_be_visible(timeout=15_000)  # type: ignore[attr-defined]
    snap(page, "quality-users")
    assert _token(server, "cara", "cara-password-1")  # the new user can sign in


@pytest.mark.req("QAP-002")
@pytest.mark.req("QAP-010")
def test_a_quality_manager_issues_codes_but_sees_no_device_list_and_a_viewer_sees_neither(
    browser: object, running: tuple[Running, Running]
) -> None:
    from playwright.sync_api import expect

    server, app = running
    page = sign_in(browser, app, "quinn")
    nav(page, "Devices")
    expect(page.get_by_role("button", name="Issue code")).to_be_visible(timeout=15_000)  # type: ignore[attr-defined]
    expect(page.get_by_text("Enrolled devices")).to_have_count(0)  # type: ignore[attr-defined]
    expect(page.get_by_role("button", name="Users", exact=True)).to_have_count(0)  # type: ignore[attr-defined]
    page.close()  # type: ignore[attr-defined]

    viewer = sign_in(browser, app, "vera")
    expect(viewer.get_by_text("Read only: your role may view but not change records.")).to_be_visible()  # type: ignore[attr-defined]
    for label in ("Devices", "Users"):
        expect(viewer.get_by_role("button", name=label, exact=True)).to_have_count(0)  # type: ignore[attr-defined]
    refused = requests.post(
        f"{server.url}/api/enrollment-codes",
        json={"username": "avery"},
        headers=_token(server, "vera"),
        timeout=10,
    )
    assert refused.status_code == 403
