"""Benchmark suite `ui`: the field app in Chromium, against a minimal Flet app measured in the same run.

- cold start: `auditapp field` started to its first usable screen (the unlock screen's Unlock button
  exposed to the accessibility tree) in a fresh browser context, against a one-button Flet app measured
  the same way (target: at most 1.5x);
- open audit: from tapping an audit of the full ISO 13485 checklist holding 300 answers to its rendered
  walkthrough (target: under 1 s), with the in-process cost of the services' walkthrough query beside it.

The 300 answers are recorded through the capture services on a real encrypted field store: every one of
the checklist's items is answered, and the rest are changed answers, as an auditor revising a walkthrough
would leave them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench.harness import Report, median

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("AUDITAPP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TABLET = {"width": 800, "height": 1280}
PASSPHRASE = "bench passphrase"
ANSWERS = 300
CHECKLIST = "iso13485-2016"
AUDIT_TITLE = "Bench audit: full ISO 13485"
WALKTHROUGH_READY = "[flt-semantics-identifier='progress'], [flt-semantics-identifier^='item-']"
MINIMAL_APP = """
import sys
import flet as ft

def main(page: ft.Page) -> None:
    page.add(ft.FilledButton("Press", on_click=lambda _: None))

ft.run(main, view=ft.AppView.WEB_BROWSER, host="127.0.0.1", port=int(sys.argv[1]), no_cdn=True)
"""


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_http(url: str, proc: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the app exited with {proc.returncode} before {url} answered")
        try:
            urllib.request.urlopen(url, timeout=2).close()  # noqa: S310 - loopback URL built here
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.02)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def _spawn(args: Sequence[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as handle:
        return subprocess.Popen(
            [sys.executable, *args],
            env=env,
            cwd=ROOT,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _open_page(browser: Any, url: str) -> tuple[Any, Any]:
    """A fresh context (empty cache) with the page loaded to its first frame and semantics switched on."""
    context = browser.new_context(viewport=TABLET)
    page = context.new_page()
    page.add_init_script(
        "window.addEventListener('flutter-first-frame', () => { window.__firstFrame = true; });"
    )
    page.goto(url)
    page.wait_for_function("window.__firstFrame === true", timeout=120_000)
    page.locator("flt-semantics-placeholder").dispatch_event("click")
    return context, page


def _cold_start(
    browser: Any, args: Sequence[str], env: dict[str, str], port: int, button: str, log: Path
) -> float:
    """Seconds from starting the process to `button` being usable in a fresh browser context."""
    from playwright.sync_api import expect

    started = time.perf_counter()
    proc = _spawn(args, env, log)
    try:
        url = f"http://127.0.0.1:{port}/"
        _wait_http(url, proc)
        context, page = _open_page(browser, url)
        expect(page.get_by_role("button", name=button, exact=True)).to_be_visible(timeout=120_000)
        elapsed = time.perf_counter() - started
        context.close()
        return elapsed
    finally:
        _stop(proc)


def seed_workspace(home: Path, answers: int = ANSWERS) -> tuple[str, int]:
    """A workspace in home/field/default with one ISO 13485 audit of `answers` answers; (audit, items)."""
    from auditapp.bootstrap import LibraryChecklists, field_workspaces
    from auditapp.config import FieldConfig
    from auditapp.demo import demo_plan
    from auditapp.services.capture import record_response
    from auditapp.services.context import capture_context

    workspaces = field_workspaces(FieldConfig(workspace=home / "field" / "default", reopen_last=True))
    try:
        workspace = workspaces.set_up_current("Bench", "", PASSPHRASE, PASSPHRASE)
        audit_id = workspace.plan_audit(
            dataclasses.replace(demo_plan(dt.date(2026, 11, 2)), title=AUDIT_TITLE)
        )
        store = workspace.store()
        ctx = capture_context(store, store, LibraryChecklists(), store.photos)  # type: ignore[attr-defined]
        items = [item.item_id for item in LibraryChecklists().items(CHECKLIST)]
        choices = ("conforming", "observation", "nonconforming", "not_applicable")
        for n in range(answers):
            record_response(ctx, audit_id, items[n % len(items)], None, choices[(n // len(items) + n) % 4])
        return audit_id, len(items)
    finally:
        workspaces.close()


def _service_open(home: Path, audit_id: str, repeat: int) -> dict[str, float]:
    """In-process seconds of the walkthrough queries, to tell service cost from rendering cost."""
    import auditapp.bootstrap as bootstrap
    from auditapp.config import FieldConfig

    workspaces = bootstrap.field_workspaces(
        FieldConfig(workspace=home / "field" / "default", reopen_last=True)
    )
    try:
        workspaces.workspace.unlock(PASSPHRASE)
        timings = {
            "open_audit_service_s": _median_of(lambda: workspaces.workspace.walkthrough(audit_id), repeat)
        }
        make_audits: Callable[[Any], Any] | None = getattr(bootstrap, "field_audits", None)
        if make_audits is not None:  # the audit screens' own service, where it exists
            audits = make_audits(workspaces)
            timings["open_audit_model_s"] = _median_of(lambda: audits.walkthrough(audit_id), repeat)
        return timings
    finally:
        workspaces.close()


def _median_of(fn: Callable[[], object], repeat: int) -> float:
    values = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        values.append(time.perf_counter() - started)
    return round(median(values), 4)


def _open_audit(browser: Any, env: dict[str, str], repeat: int, log: Path) -> list[float]:
    """Seconds from tapping the audit to its walkthrough on screen, `repeat` times in one session."""
    from playwright.sync_api import expect

    port = _free_port()
    proc = _spawn(["-m", "auditapp", "field", "--port", str(port)], env, log)
    try:
        url = f"http://127.0.0.1:{port}/"
        _wait_http(url, proc)
        context, page = _open_page(browser, url)
        passphrase = page.get_by_role("textbox", name="Passphrase", exact=True)
        passphrase.click()
        passphrase.fill(PASSPHRASE)
        page.get_by_role("button", name="Unlock").click()
        opener = page.get_by_role("button", name=f"Open {AUDIT_TITLE}")
        samples = []
        for _ in range(repeat):
            expect(opener).to_be_visible(timeout=60_000)
            started = time.perf_counter()
            opener.click()
            expect(page.locator(WALKTHROUGH_READY).first).to_be_visible(timeout=60_000)
            samples.append(time.perf_counter() - started)
            page.get_by_role("button", name="Audits", exact=True).click()
        context.close()
        return samples
    finally:
        _stop(proc)


def run(quick: bool = False) -> Report:
    """Measure cold start against the minimal app, alternately, and opening the seeded audit."""
    from playwright.sync_api import sync_playwright

    repeat = 3 if quick else 5
    report = Report("ui")
    with tempfile.TemporaryDirectory(prefix="bench-ui-") as tmp:
        folder = Path(tmp)
        home = folder / "home"
        audit_id, items = seed_workspace(home)
        minimal = folder / "minimal_app.py"
        minimal.write_text(MINIMAL_APP)
        env = {k: v for k, v in os.environ.items() if not k.startswith("AUDITAPP_")}
        env.update({"AUDITAPP_HOME": str(home), "FLET_FORCE_WEB_SERVER": "1", "PYTHONUNBUFFERED": "1"})
        log = folder / "apps.log"
        project: list[float] = []
        baseline: list[float] = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                for _ in range(repeat):  # alternate, so drift on a busy machine hits both alike
                    port = _free_port()
                    args = ["-m", "auditapp", "field", "--port", str(port)]
                    project.append(_cold_start(browser, args, env, port, "Unlock", log))
                    port = _free_port()
                    baseline.append(_cold_start(browser, [str(minimal), str(port)], env, port, "Press", log))
                opened = _open_audit(browser, env, repeat, log)
            finally:
                browser.close()
        report.metrics.update(
            {
                "cold_start_s": round(median(project), 3),
                "open_audit_s": round(median(opened), 3),
                **_service_open(home, audit_id, repeat),
            }
        )
        report.baseline["cold_start_minimal_flet_s"] = round(median(baseline), 3)
        report.ratio("cold_start", "cold_start_s", "cold_start_minimal_flet_s")
        report.target("cold_start", "<=", 1.5)
        report.target("open_audit_s", "<", 1.0)
        report.notes.update(
            {
                "repeat": repeat,
                "cold_start_samples_s": [round(v, 3) for v in project],
                "cold_start_minimal_samples_s": [round(v, 3) for v in baseline],
                "open_audit_samples_s": [round(v, 3) for v in opened],
                "audit": {"checklist": CHECKLIST, "items": items, "answers": ANSWERS},
                "viewport": TABLET,
            }
        )
    return report
