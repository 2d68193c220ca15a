"""The field app's shell in Chromium: first run, unlock, workspaces, enrollment, device status, sync panel.

Each flow runs on a portrait (800x1280) and a landscape (1280x800) tablet; controls are found by role and
accessible name, as a screen reader would.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from auditapp.bootstrap import field_workspaces
from auditapp.config import FieldConfig
from auditapp.demo import demo_plan
from auditapp.store import FieldStore
from tests.e2e.conftest import enter_text, expect_holds, open_flet, screenshot
from tests.support.processes import Running, auditapp_env, free_port, run_cli, start

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASS_A = "acme passphrase 1"
PASS_B = "beta passphrase 2"
ACME_AUDIT = "Acme cleanroom audit"
VIEWPORTS = {
    "portrait": {"width": 800, "height": 1280},
    "landscape": {"width": 1280, "height": 800},
}
SERVER_PASSWORD = "admin-password-1"
RECOVERY_KEY = re.compile(r"[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5}){4}")
TOUCH = 56  # logical pixels: the smallest control a thumb should have to hit


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request: pytest.FixtureRequest) -> str:
    """The tablet orientation a flow runs in."""
    return str(request.param)


def _start_field(home: Path, log: Path) -> Running:
    port = free_port()
    return start(
        ["field", "--port", str(port)], auditapp_env(home), f"http://127.0.0.1:{port}/", log, timeout=90
    )


def _seed_acme(home: Path) -> None:
    """A workspace 'Acme Orthopaedics' with one audit, made through the services as the app would."""
    workspaces = field_workspaces(FieldConfig(workspace=home / "field" / "default", reopen_last=True))
    try:
        workspace = workspaces.set_up_current("Acme Orthopaedics", "", PASS_A, PASS_A)
        workspace.plan_audit(dataclasses.replace(demo_plan(dt.date(2026, 11, 2)), title=ACME_AUDIT))
    finally:
        workspaces.close()


def _open(browser: object, app: Running, viewport: str) -> object:
    page = open_flet(browser, app.url)
    page.set_viewport_size(VIEWPORTS[viewport])  # type: ignore[attr-defined]
    return page


def _shot(page: object, name: str, viewport: str) -> None:
    """Save the screen, after checking that each of its controls can be hit by a thumb and has a name."""
    _check_controls(page)
    screenshot(page, name if viewport == "portrait" else f"{name}-landscape")


def _check_controls(page: object) -> None:
    # Flutter's own editing input (.flt-text-editing) sits over a field it focused before the accessibility
    # tree was on; it is the engine's text sink, not a control, and the field's node carries the name.
    controls = page.locator(  # type: ignore[attr-defined]
        "[role='button'], input:not([disabled]):not(.flt-text-editing), "
        "textarea:not([disabled]):not(.flt-text-editing)"
    )
    assert controls.count() > 0
    for n in range(controls.count()):
        control = controls.nth(n)
        box = control.bounding_box()
        name = (control.get_attribute("aria-label") or control.inner_text() or "").strip()
        assert name, f"a control without an accessible name: {control.evaluate('e => e.outerHTML')}"
        assert box is not None
        # Semantics boxes land on fractional positions in landscape; allow the pixel that rounding takes.
        assert box["height"] >= TOUCH - 1, f"'{name}' is {box['height']} px high"


@pytest.fixture
def acme(tmp_path: Path) -> Iterator[Running]:
    """The field app over a home holding the Acme workspace (locked)."""
    _seed_acme(tmp_path / "home")
    app = _start_field(tmp_path / "home", tmp_path / "field.log")
    try:
        yield app
    finally:
        app.stop()


@pytest.mark.req("FLD-003")
@pytest.mark.req("FLD-009")
def test_first_run_sets_up_the_workspace_and_explains_the_passphrase_rules(
    browser: object, tmp_path: Path, viewport: str
) -> None:
    from playwright.sync_api import expect

    app = _start_field(tmp_path / "home", tmp_path / "field.log")
    try:
        page = _open(browser, app, viewport)
        expect(page.get_by_text("Set up this device")).to_be_visible(timeout=30_000)  # type: ignore[attr-defined]
        expect(page.get_by_text(re.compile("Use at least 8 characters"))).to_be_visible()  # type: ignore[attr-defined]
        name = page.get_by_role("textbox", name="Workspace name")  # type: ignore[attr-defined]
        enter_text(name, "Acme Orthopaedics")
        enter_text(page.get_by_role("textbox", name="New passphrase"), PASS_A)  # type: ignore[attr-defined]
        repeat = page.get_by_role("textbox", name="Repeat passphrase")  # type: ignore[attr-defined]
        enter_text(repeat, PASS_A + " typo")
        page.get_by_role("button", name="Set up").click()  # type: ignore[attr-defined]
        expect(page.get_by_text(re.compile("the two passphrases differ"))).to_be_visible(timeout=15_000)  # type: ignore[attr-defined]
        expect_holds(name, "Acme Orthopaedics")  # nothing typed is lost
        _shot(page, "field-setup", viewport)

        enter_text(repeat, PASS_A)
        page.get_by_role("button", name="Set up").click()  # type: ignore[attr-defined]
        # The recovery key is made and shown once, right after setup.
        shown = page.locator("[flt-semantics-identifier='recovery-key']")  # type: ignore[attr-defined]
        expect(shown).to_have_text(RECOVERY_KEY, timeout=30_000)
        key = RECOVERY_KEY.search(shown.inner_text()).group(0)  # type: ignore[union-attr]
        _shot(page, "field-recovery-key", viewport)
        page.get_by_role("button", name="I have written it down").click()  # type: ignore[attr-defined]
        expect(page.get_by_role("button", name="Lock")).to_be_visible(timeout=30_000)  # type: ignore[attr-defined]
        expect(page.get_by_text("Acme Orthopaedics")).to_be_visible()  # type: ignore[attr-defined]
        expect(page.get_by_text(re.compile("^Offline only"))).to_be_visible()  # type: ignore[attr-defined]

        # A new recovery key needs the passphrase: whoever finds the tablet unlocked cannot plant one.
        page.get_by_role("button", name="Device").click()  # type: ignore[attr-defined]
        status = page.locator("[flt-semantics-identifier='recovery-status']")  # type: ignore[attr-defined]
        expect(status).to_have_text(re.compile(r"Recovery key: made on \d{4}-"), timeout=15_000)
        page.get_by_role("button", name="Make a new recovery key").click()  # type: ignore[attr-defined]
        asked = page.get_by_role("textbox", name="Passphrase", exact=True)  # type: ignore[attr-defined]
        expect(asked).to_be_visible(timeout=15_000)
        enter_text(asked, "not the passphrase")
        page.get_by_role("button", name="Make a new recovery key").click()  # type: ignore[attr-defined]
        expect(page.get_by_text(re.compile("wrong passphrase", re.I))).to_be_visible(timeout=15_000)  # type: ignore[attr-defined]
        enter_text(asked, PASS_A)
        page.get_by_role("button", name="Make a new recovery key").click()  # type: ignore[attr-defined]
        expect(shown).to_have_text(RECOVERY_KEY, timeout=30_000)
        assert RECOVERY_KEY.search(shown.inner_text()).group(0) != key  # type: ignore[union-attr]
        page.close()  # type: ignore[attr-defined]
    finally:
        app.stop()
    assert (tmp_path / "home" / "field" / "default" / "key.json").exists()
    key_file = (tmp_path / "home" / "field" / "default" / "key.json").read_text()
    assert key not in key_file
    assert key.replace("-", "") not in key_file


@pytest.mark.req("STO-013")
@pytest.mark.req("FLD-003")
def test_a_forgotten_passphrase_is_replaced_with_the_recovery_key(
    browser: object, tmp_path: Path, viewport: str
) -> None:
    from playwright.sync_api import expect

    _seed_acme(tmp_path / "home")
    folder = tmp_path / "home" / "field" / "default"
    with FieldStore.open(folder, PASS_A) as store:
        key = store.new_recovery_key(PASS_A)  # as made at setup and written down
    app = _start_field(tmp_path / "home", tmp_path / "field.log")
    try:
        page = _open(browser, app, viewport)
        expect(page.get_by_text("Unlock Acme Orthopaedics")).to_be_visible(timeout=30_000)  # type: ignore[attr-defined]
        page.get_by_role("button", name="Forgot the passphrase?").click()  # type: ignore[attr-defined]
        recovery = page.get_by_role("textbox", name="Recovery key")  # type: ignore[attr-defined]
        expect(recovery).to_be_visible(timeout=15_000)
        wrong = ("1" if key[0] != "1" else "2") + key[1:]
        enter_text(recovery, wrong)
        enter_text(page.get_by_role("textbox", name="New passphrase"), PASS_B)  # type: ignore[attr-defined]
        enter_text(page.get_by_role("textbox", name="Repeat passphrase"), PASS_B)  # type: ignore[attr-defined]
        page.get_by_role("button", name="Set the new passphrase").click()  # type: ignore[attr-defined]
        expect(
            page.get_by_text(re.compile("this recovery key does not open .* nothing was changed", re.I))
        ).to_be_visible(timeout=30_000)  # type: ignore[attr-defined]
        expect_holds(recovery, wrong)  # nothing typed is lost
        _shot(page, "field-recover", viewport)

        enter_text(recovery, key.lower().replace("-", " "))  # as read off the paper
        page.get_by_role("button", name="Set the new passphrase").click()  # type: ignore[attr-defined]
        expect(page.get_by_text(ACME_AUDIT).first).to_be_visible(timeout=30_000)  # type: ignore[attr-defined]
        page.close()  # type: ignore[attr-defined]
    finally:
        app.stop()
    with FieldStore.open(folder, PASS_B) as store:  # the new passphrase opens it; the audit is there
        assert len(store.audit_ids()) == 1


@pytest.mark.req("FLD-001")
@pytest.mark.req("FLD-006")
@pytest.mark.req("FLD-010")
@pytest.mark.req("FLD-011")
def test_wrong_then_right_passphrase_then_a_second_workspace_sees_nothing_of_the_first(
    browser: object, acme: Running, viewport: str
) -> None:
    from playwright.sync_api import expect

    page = _open(browser, acme, viewport)
    expect(page.get_by_text("Unlock Acme Orthopaedics")).to_be_visible(timeout=30_000)  # type: ignore[attr-defined]
    passphrase = page.get_by_role("textbox", name="Passphrase", exact=True)  # type: ignore[attr-defined]
    enter_text(passphrase, "not the passphrase")
    page.get_by_role("button", name="Unlock").click()  # type: ignore[attr-defined]
    expect(
        page.get_by_text(re.compile("wrong passphrase; nothing was changed", re.IGNORECASE))
    ).to_be_visible(timeout=15_000)  # type: ignore[attr-defined]
    # The screen names the workspace; the device's folders are for the command line and the log.
    said = page.locator("[flt-semantics-identifier='unlock-error']").inner_text()  # type: ignore[attr-defined]
    assert "/" not in said, said
    expect_holds(passphrase, "not the passphrase")
    _shot(page, "field-unlock-wrong-passphrase", viewport)

    enter_text(passphrase, PASS_A)
    page.get_by_role("button", name="Unlock").click()  # type: ignore[attr-defined]
    expect(page.get_by_text(ACME_AUDIT).first).to_be_visible(timeout=30_000)  # type: ignore[attr-defined]

    # A second workspace: its own passphrase; the first one's audit is not there.
    page.get_by_role("button", name="Workspaces").click()  # type: ignore[attr-defined]
    expect(page.get_by_role("button", name="New workspace")).to_be_visible(timeout=15_000)  # type: ignore[attr-defined]
    page.get_by_role("button", name="New workspace").click()  # type: ignore[attr-defined]
    name = page.get_by_role("textbox", name="Workspace name")  # type: ignore[attr-defined]
    expect(name).to_be_visible(timeout=15_000)
    enter_text(name, "Beta Implants")
    enter_text(page.get_by_role("textbox", name="New passphrase"), PASS_B)  # type: ignore[attr-defined]
    enter_text(page.get_by_role("textbox", name="Repeat passphrase"), PASS_B)  # type: ignore[attr-defined]
    _shot(page, "field-new-workspace", viewport)
    page.get_by_role("button", name="Create workspace").click()  # type: ignore[attr-defined]
    shown = page.locator("[flt-semantics-identifier='recovery-key']")  # type: ignore[attr-defined]
    expect(shown).to_have_text(RECOVERY_KEY, timeout=30_000)
    page.get_by_role("button", name="I have written it down").click()  # type: ignore[attr-defined]
    expect(page.get_by_role("button", name="Lock")).to_be_visible(timeout=30_000)  # type: ignore[attr-defined]
    expect(page.get_by_text("Beta Implants").first).to_be_visible()  # type: ignore[attr-defined]
    expect(page.get_by_text(ACME_AUDIT)).to_have_count(0)  # type: ignore[attr-defined]

    # The workspace list; renaming saves as typed and survives a reload.
    page.get_by_role("button", name="Workspaces").click()  # type: ignore[attr-defined]
    rename = page.get_by_role("textbox", name="Name of this workspace")  # type: ignore[attr-defined]
    expect(rename).to_be_visible(timeout=15_000)
    expect(page.get_by_role("button", name="Switch to Acme Orthopaedics")).to_be_visible()  # type: ignore[attr-defined]
    _shot(page, "field-workspaces", viewport)
    enter_text(rename, "Beta Implants GmbH")
    top_bar_name = page.locator("[flt-semantics-identifier='workspace-name']")  # type: ignore[attr-defined]
    expect(top_bar_name).to_have_text("Beta Implants GmbH", timeout=15_000)
    page.reload()  # type: ignore[attr-defined]
    page.wait_for_function("window.__firstFrame === true", timeout=60_000)  # type: ignore[attr-defined]
    page.locator("flt-semantics-placeholder").dispatch_event("click")  # type: ignore[attr-defined]
    expect(top_bar_name).to_have_text("Beta Implants GmbH", timeout=30_000)
    expect_holds(rename, "Beta Implants GmbH")

    # Switching back locks Beta and asks for Acme's own passphrase.
    page.get_by_role("button", name="Switch to Acme Orthopaedics").click()  # type: ignore[attr-defined]
    expect(page.get_by_text("Unlock Acme Orthopaedics")).to_be_visible(timeout=15_000)  # type: ignore[attr-defined]
    enter_text(page.get_by_role("textbox", name="Passphrase", exact=True), PASS_B)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Unlock").click()  # type: ignore[attr-defined]
    expect(page.get_by_text(re.compile("wrong passphrase", re.IGNORECASE))).to_be_visible(timeout=15_000)  # type: ignore[attr-defined]
    enter_text(page.get_by_role("textbox", name="Passphrase", exact=True), PASS_A)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Unlock").click()  # type: ignore[attr-defined]
    expect(page.get_by_text(ACME_AUDIT).first).to_be_visible(timeout=30_000)  # type: ignore[attr-defined]
    page.close()  # type: ignore[attr-defined]


@pytest.fixture
def central(tmp_path: Path) -> Iterator[tuple[Running, dict[str, str]]]:
    """A central store on SQLite with an admin and an auditor; yields it and the admin's environment."""
    env = auditapp_env(tmp_path / "central-home", AUDITAPP_PASSWORD=SERVER_PASSWORD)
    for name, role in (("admin", "admin"), ("auditor", "auditor")):
        made = run_cli(["admin", "create-user", name, "--role", role, "--name", name.title()], env)
        assert made.returncode == 0, made.stderr
    port = free_port()
    server = start(
        ["server", "--port", str(port)], env, f"http://127.0.0.1:{port}/api/health", tmp_path / "server.log"
    )
    try:
        yield server, env
    finally:
        server.stop()


def _code(env: dict[str, str]) -> str:
    issued = run_cli(["admin", "enroll-code", "--user", "auditor", "--no-qr"], env)
    assert issued.returncode == 0, issued.stderr
    found = re.search(r"enrollment code for auditor: (\S+)", issued.stdout)
    assert found, issued.stdout
    return found.group(1)


@pytest.mark.req("FLD-004")
@pytest.mark.req("FLD-007")
@pytest.mark.req("FLD-008")
@pytest.mark.req("FLD-010")
def test_enrollment_with_a_code_sync_to_zero_and_a_revoked_device_told_plainly(
    browser: object, acme: Running, central: tuple[Running, dict[str, str]], viewport: str
) -> None:
    from playwright.sync_api import expect

    server, env = central
    page = _open(browser, acme, viewport)
    passphrase = page.get_by_role("textbox", name="Passphrase", exact=True)  # type: ignore[attr-defined]
    expect(passphrase).to_be_visible(timeout=30_000)
    enter_text(passphrase, PASS_A)
    page.get_by_role("button", name="Unlock").click()  # type: ignore[attr-defined]
    expect(page.get_by_text("1 change kept on this device", exact=False)).to_be_visible(timeout=30_000)  # type: ignore[attr-defined]

    page.get_by_role("button", name="Device").click()  # type: ignore[attr-defined]
    expect(page.get_by_text("Offline only: this workspace has no central store.")).to_be_visible(
        timeout=15_000
    )  # type: ignore[attr-defined]
    page.get_by_role("button", name="Enroll with a code").click()  # type: ignore[attr-defined]
    address = page.get_by_role("textbox", name="Central store address")  # type: ignore[attr-defined]
    code = page.get_by_role("textbox", name="Enrollment code")  # type: ignore[attr-defined]
    expect(code).to_be_visible(timeout=15_000)

    # A wrong code is refused with what to do; what was typed stays.
    enter_text(address, server.url)
    enter_text(code, "AAAAA-AAAAA")
    page.get_by_role("button", name="Enroll", exact=True).click()  # type: ignore[attr-defined]
    expect(page.get_by_text(re.compile("enrollment code is not known"))).to_be_visible(timeout=30_000)  # type: ignore[attr-defined]
    expect_holds(address, server.url)
    _shot(page, "field-enroll", viewport)

    # The address saved itself: leaving the form and coming back finds it there.
    page.get_by_role("button", name="Cancel").click()  # type: ignore[attr-defined]
    page.get_by_role("button", name="Enroll with a code").click()  # type: ignore[attr-defined]
    expect(code).to_be_visible(timeout=15_000)
    expect_holds(address, server.url)

    enter_text(code, _code(env))
    page.get_by_role("button", name="Enroll", exact=True).click()  # type: ignore[attr-defined]
    expect(page.get_by_text(f"Enrolled with {server.url} as auditor.")).to_be_visible(timeout=30_000)  # type: ignore[attr-defined]
    _shot(page, "field-device-enrolled", viewport)

    page.get_by_role("button", name="Sync now").click()  # type: ignore[attr-defined]
    expect(page.get_by_text("Nothing waiting to be sent")).to_be_visible(timeout=30_000)  # type: ignore[attr-defined]
    expect(page.get_by_text(re.compile(r"^Last sync today \d\d:\d\d$"))).to_be_visible()  # type: ignore[attr-defined]
    expect(page.get_by_text("Online", exact=True)).to_be_visible()  # type: ignore[attr-defined]
    _shot(page, "field-sync-panel", viewport)

    listed = run_cli(["admin", "devices"], env)
    device_id = re.search(r"^(\S+)\s+active\s+auditor", listed.stdout, re.MULTILINE)
    assert device_id, listed.stdout
    revoked = run_cli(["admin", "revoke", device_id.group(1)], env)
    assert revoked.returncode == 0, revoked.stderr
    page.get_by_role("button", name="Sync now").click()  # type: ignore[attr-defined]
    expect(page.get_by_text(re.compile("has been revoked by the quality manager"))).to_be_visible(
        timeout=30_000
    )  # type: ignore[attr-defined]
    page.get_by_role("button", name="Audits").click()  # type: ignore[attr-defined]
    page.get_by_role("button", name="Device").click()  # type: ignore[attr-defined]
    expect(
        page.get_by_text(f"Revoked: the central store at {server.url} refuses this device.")
    ).to_be_visible(  # type: ignore[attr-defined]
        timeout=15_000
    )
    expect(page.get_by_role("button", name="Enroll again with a new code")).to_be_visible()  # type: ignore[attr-defined]
    _shot(page, "field-device-revoked", viewport)
    page.close()  # type: ignore[attr-defined]
