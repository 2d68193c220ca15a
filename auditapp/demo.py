"""`auditapp demo`: a seeded central store and field app on localhost, stopped together by Ctrl-C."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from auditapp.bootstrap import LibraryChecklists, field_workspace
from auditapp.config import FieldConfig
from auditapp.domain.errors import ValidationError
from auditapp.domain.plan import Auditee, AuditPlan, AuditType, ChecklistRef
from auditapp.services.workspace import FieldWorkspace

DEMO_PASSPHRASE = "demo passphrase"  # noqa: S105 - printed for the demo, protects demo data only
DEMO_USERS = (
    # username, role, printed name, password
    ("admin", "admin", "Ada Admin", "admin-demo-pass"),
    ("quality", "quality_manager", "Quinn Quality", "quality-demo-pass"),
    ("auditor", "auditor", "Ana Auditor", "auditor-demo-pass"),
)
DEMO_CHECKLIST = "iso13485-2016"


def demo_plan(today: dt.date) -> AuditPlan:
    """The demo audit: an internal audit of a fictitious device maker's production site."""
    checklist = LibraryChecklists().checklist(DEMO_CHECKLIST)
    return AuditPlan(
        title="Internal audit: production and CAPA",
        organisation="Demo Medical Devices Ltd",
        site="Plant 1, Cleanroom and Warehouse",
        audit_type=AuditType.INTERNAL,
        objectives="Verify that production controls and CAPA work in daily practice.",
        scope="Production of sterile single-use devices; CAPA and complaint handling.",
        criteria=(ChecklistRef(checklist.id, checklist.version, checklist.content_hash),),
        start_date=today,
        end_date=today + dt.timedelta(days=1),
        lead_auditor="Ana Auditor",
        team=("Ana Auditor",),
        auditees=(Auditee("Pat Production", "Production manager"),),
    )


def seed_central(database_url: str) -> None:
    """Create the demo users if the central database has none of them."""
    from auditapp.central.service import AdminError, create_user, open_database

    database = open_database(database_url)
    try:
        for username, role, name, password in DEMO_USERS:
            with contextlib.suppress(AdminError):  # already seeded by an earlier run
                create_user(database, username, password, role, name)
    finally:
        database.dispose()


def seed_field(folder: Path, server_url: str | None = None) -> FieldWorkspace:
    """A workspace with the demo audit planned, unlocked (the caller closes it)."""
    workspace = field_workspace(FieldConfig(workspace=folder, server_url=server_url))
    if workspace.needs_setup():
        workspace.set_up(DEMO_PASSPHRASE, DEMO_PASSPHRASE)
        workspace.plan_audit(demo_plan(dt.date.today()))
    else:
        workspace.unlock(DEMO_PASSPHRASE)
    return workspace


def enroll_demo_device(workspace: FieldWorkspace, database_url: str) -> None:
    """Enroll the demo tablet for the demo auditor, as a quality manager's code would."""
    if workspace.enrolled:
        return
    from auditapp.central.enrollment import issue_code
    from auditapp.central.service import open_database

    database = open_database(database_url)
    try:
        with database.transaction() as session:
            code = issue_code(session, "auditor", issued_by="demo").code
    finally:
        database.dispose()
    workspace.enroll(code, "Demo tablet")


def _wait(url: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"a demo process stopped early (exit {proc.returncode}); see the output above")
        try:
            urllib.request.urlopen(url, timeout=2).close()  # noqa: S310 - loopback URL built here
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within {timeout} s")


def _spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "auditapp", *args], env=env, start_new_session=True)


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def run_demo(home: Path, server_port: int, field_port: int, quality_port: int = 0) -> int:
    """Seed the parts, start them, print where they are, and stop them all on Ctrl-C.

    The quality app is left out when `quality_port` is 0 or already taken (the banner says so).
    """
    try:
        home.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValidationError(
            f"cannot use {str(home)!r} as the demo's folder: {exc.strerror or exc}", "--home"
        ) from None
    # The parts run in sessions of their own; a SIGTERM to the demo must stop them as Ctrl-C does.
    signal.signal(signal.SIGTERM, _interrupt)
    database_url = f"sqlite:///{home / 'central.db'}"
    server_url = f"http://127.0.0.1:{server_port}"
    from auditapp.central.database import DatabaseUrlError

    try:
        seed_central(database_url)
    except DatabaseUrlError as exc:  # the demo's own URL: what is wrong is the folder it lies in
        raise ValidationError(
            f"cannot keep the demo's database in {str(home)!r}: {exc.problem}", "--home"
        ) from None
    env = dict(os.environ, FLET_FORCE_WEB_SERVER="1", FLET_WEB_NO_CDN="1")
    server_args = ["server", "--database-url", database_url, "--blob-dir", str(home / "blobs")]
    procs: list[subprocess.Popen[bytes]] = []
    try:
        procs.append(_spawn([*server_args, "--port", str(server_port)], env))
        _wait(f"{server_url}/api/health", procs[-1])
        workspace = seed_field(home / "field", server_url)
        try:
            enroll_demo_device(workspace, database_url)
        finally:
            workspace.close()
        field_args = ["field", "--workspace", str(home / "field"), "--server-url", server_url]
        procs.append(_spawn([*field_args, "--port", str(field_port)], env))
        _wait(f"http://127.0.0.1:{field_port}/", procs[-1])
        quality = ""
        if quality_port and _port_free(quality_port):
            procs.append(_spawn(["quality", "--server-url", server_url, "--port", str(quality_port)], env))
            _wait(f"http://127.0.0.1:{quality_port}/", procs[-1])
            quality = f"http://127.0.0.1:{quality_port}/"
        elif quality_port:
            quality = f"not started: port {quality_port} is in use (--quality-port)"
        print(_banner(server_url, field_port, quality), flush=True)
        while all(proc.poll() is None for proc in procs):
            time.sleep(0.5)
        return 1
    except KeyboardInterrupt:
        print("\nStopping the demo...", flush=True)
        return 0
    finally:
        _stop(procs)


def _banner(server_url: str, field_port: int, quality: str) -> str:
    users = "\n".join(f"    {u:8} / {p:18} ({r})" for u, r, _, p in DEMO_USERS)
    return (
        "\nauditapp demo is running\n"
        f"  Field app (auditor's tablet):  http://127.0.0.1:{field_port}/   passphrase: {DEMO_PASSPHRASE}\n"
        f"  Quality app (quality manager): {quality or 'left out (--quality-port 0)'}\n"
        f"  Central store API:             {server_url}/docs\n"
        f"  Central store users:\n{users}\n"
        "Press Ctrl-C to stop them all.\n"
    )
