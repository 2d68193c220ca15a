"""Start the real `auditapp` processes on loopback for tests, and stop them by process id."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_http(url: str, timeout: float = 60.0, proc: subprocess.Popen[bytes] | None = None) -> None:
    """Wait until the URL answers with any HTTP status."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before {url} answered")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


@dataclass
class Running:
    """A started process and the URL it serves."""

    proc: subprocess.Popen[bytes]
    url: str
    log: Path

    def stop(self) -> None:
        """Stop the process group: SIGTERM, then SIGKILL if it lingers."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)

    def output(self) -> str:
        """What the process printed so far."""
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def auditapp_env(home: Path, **extra: str) -> dict[str, str]:
    """Environment for a child `auditapp` process with its own home folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUDITAPP_")}
    env.update({"AUDITAPP_HOME": str(home), "FLET_FORCE_WEB_SERVER": "1", "PYTHONUNBUFFERED": "1"})
    env.update(extra)
    return env


def start(
    args: Sequence[str], env: dict[str, str], health_url: str, log: Path, timeout: float = 60
) -> Running:
    """Run `python -m auditapp ARGS` in its own process group and wait until health_url answers."""
    handle = log.open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "auditapp", *args],
        env=env,
        cwd=ROOT,
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    running = Running(proc, health_url.rsplit("/api/", 1)[0] if "/api/" in health_url else health_url, log)
    try:
        wait_http(health_url, timeout, proc)
    except Exception as exc:
        running.stop()
        raise RuntimeError(f"{' '.join(args)} did not start: {exc}\n{running.output()}") from exc
    return running


def run_cli(
    args: Sequence[str], env: dict[str, str], stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `python -m auditapp ARGS` to completion."""
    return subprocess.run(
        [sys.executable, "-m", "auditapp", *args],
        env=env,
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
