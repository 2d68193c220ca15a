"""Shared fixtures: real PostgreSQL databases, the browser, and requirement traceability."""

from __future__ import annotations

import json
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"
CHROMIUM = "/usr/bin/chromium"


def _required(name: str) -> bool:
    return os.environ.get(name, "") not in ("", "0", "false", "no")


def _unavailable(reason: str, required_by: str) -> None:
    """Skip with the reason, or fail when CI says this part is required."""
    if _required(required_by):
        pytest.fail(f"{reason} (required because {required_by} is set)")
    pytest.skip(reason)


def _pg_admin_url() -> str:
    return os.environ.get("AUDITAPP_TEST_PG_URL", PG_DEFAULT)


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    """URL of a PostgreSQL server this suite may create databases on."""
    import psycopg

    url = _pg_admin_url()
    try:
        with psycopg.connect(url, connect_timeout=3):
            pass
    except psycopg.OperationalError as exc:
        _unavailable(f"PostgreSQL is not reachable at {url}: {exc}", "AUDITAPP_REQUIRE_PG")
    return url


@pytest.fixture
def pg_url(pg_admin_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database (SQLAlchemy URL), dropped after the test."""
    import psycopg

    name = f"auditapp_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = pg_admin_url.rsplit("/", 1)[0]
    try:
        yield f"{base.replace('postgresql://', 'postgresql+psycopg://', 1)}/{name}"
    finally:
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The central store's database, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'central.db'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture(scope="session")
def chromium() -> str:
    """Path of Debian's chromium, for the browser tests."""
    path = os.environ.get("AUDITAPP_CHROMIUM", CHROMIUM)
    if not (os.path.exists(path) or shutil.which(path)):
        _unavailable(
            f"chromium is not installed at {path} (make test installs it with apt)",
            "AUDITAPP_REQUIRE_BROWSER",
        )
    return path


# ---------------------------------------------------------------- requirement traceability
_REQ_ID = re.compile(r"^\|\s*([A-Z]{3}-\d{3})\s*\|", re.MULTILINE)


def known_requirements() -> set[str]:
    """Requirement ids listed in docs/requirements.md."""
    return set(_REQ_ID.findall((ROOT / "docs" / "requirements.md").read_text(encoding="utf-8")))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Refuse tests that claim a requirement the register does not list; optionally dump the matrix."""
    known = known_requirements()
    matrix: dict[str, list[str]] = {}
    unknown: list[str] = []
    for item in items:
        for marker in item.iter_markers("req"):
            for req in marker.args:
                matrix.setdefault(req, []).append(item.nodeid)
                if req not in known:
                    unknown.append(f"{item.nodeid}: {req}")
    if unknown:
        raise pytest.UsageError(
            "tests name requirements missing from docs/requirements.md:\n  " + "\n  ".join(unknown)
        )
    target = os.environ.get("AUDITAPP_TRACE_OUT")
    if target:
        Path(target).write_text(json.dumps(matrix, indent=1, sort_keys=True), encoding="utf-8")
