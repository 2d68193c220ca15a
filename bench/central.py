"""Benchmark `central`: the quality desk's read paths on a large central store, over HTTP on loopback.

Workload: 100,000 findings in 5,000 audits (10 sites, 7 processes, 60 clauses, five grades, 70% waiting for
triage, 10% repeats, received over two years) and 10,000 CAPAs (20 owners, every stage) with 20,000
actions and 10,000 effectiveness checks, generated on SQLite and on PostgreSQL (when reachable). A real
`auditapp server` serves them; one signed-in quality manager asks, over a kept-alive connection:
- the triage inbox page: GET /api/findings?status=new&limit=50 (newest first) and a page deep into it,
- the CAPA list filtered by stage and owner (GET /api/capas, when the CAPA routes exist),
- the dashboard: GET /api/metrics.
Baseline, same run: the bare SELECT of the same page (for the metrics, the same counter reads) on a direct
database connection, without HTTP, JSON or auth; and, for the record, the metrics computed from the tables
by GROUP BY (the reference of ADR 0075). Target: p95 under 50 ms over HTTP.
"""

from __future__ import annotations

import os
import random
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from auditapp.central import metric_counts, metrics, metrics_live
from auditapp.central.capa_tables import CapaActionRow, CapaRow, EffectivenessCheckRow
from auditapp.central.database import Database
from auditapp.central.service import create_user, open_database
from auditapp.central.tables import Audit, Finding, User
from bench.harness import Report, median, percentile
from tests.support.processes import Running, auditapp_env, free_port, start

PG_ADMIN = os.environ.get("AUDITAPP_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PASSWORD = "bench-password-1"
GRADES = ("major_nc", "minor_nc", "minor_nc", "observation", "observation", "ofi", "good_practice")
GRADE_RANK = {"major_nc": 0, "minor_nc": 1, "observation": 2, "ofi": 3, "good_practice": 4}
STAGES = ("open", "investigation", "action", "action", "verification", "effectiveness", "closed", "closed")
PROCESSES = ("Management", "Measurement", "Design", "Production", "Purchasing", "Documents", "Complaints")
NOW = datetime.now(UTC)


def _chunks(rows: Iterator[dict[str, Any]], size: int = 5000) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _findings(audits: list[str], count: int, rnd: random.Random) -> Iterator[dict[str, Any]]:
    clauses = [f"{a}.{b}.{c}" for a in range(4, 9) for b in range(1, 5) for c in range(1, 4)]
    for i in range(count):
        audit = audits[i % len(audits)]
        grade = rnd.choice(GRADES)
        received = NOW - timedelta(seconds=rnd.randrange(2 * 365 * 86400))
        yield {
            "id": str(uuid.UUID(int=rnd.getrandbits(128))),
            "audit_id": audit,
            "item_id": f"item-{i % 400}",
            "clause": rnd.choice(clauses),
            "grade": grade,
            "grade_rank": GRADE_RANK[grade],
            "statement": f"Finding {i}: the batch record was not reviewed before release.",
            "status": "new" if rnd.random() < 0.7 else rnd.choice(("capa", "corrected", "no_action")),
            "hlc": f"{received.timestamp():.6f}",
            "created_at": received,
            "site": f"Plant {int(audit[-1], 16) % 10}",
            "process": rnd.choice(PROCESSES),
            "repeat": rnd.random() < 0.1,
        }


def _capas(owners: list[str], count: int, rnd: random.Random) -> tuple[list[dict[str, Any]], ...]:
    capas, actions, checks = [], [], []
    for i in range(count):
        opened = NOW - timedelta(seconds=rnd.randrange(2 * 365 * 86400))
        capa_id = str(uuid.UUID(int=rnd.getrandbits(128)))
        owner = owners[i % len(owners)]
        capas.append(
            {
                "id": capa_id,
                "title": f"CAPA {i}: release without batch record review",
                "owner_id": owner,
                "stage": rnd.choice(STAGES),
                "created_by": "qm",
                "created_at": opened,
                "updated_at": opened,
            }
        )
        for k in range(2):
            due = (opened + timedelta(days=rnd.randrange(10, 200))).date()
            actions.append(
                {
                    "id": str(uuid.UUID(int=rnd.getrandbits(128))),
                    "capa_id": capa_id,
                    "kind": ("correction", "corrective")[k],
                    "description": "Retrain the night shift on batch record review",
                    "owner_id": owner,
                    "due_date": due,
                    "status": rnd.choice(("planned", "in_progress", "implemented")),
                    "created_at": opened,
                    "updated_at": opened,
                }
            )
        start_day: date = (opened + timedelta(days=90)).date()
        checks.append(
            {
                "id": str(uuid.UUID(int=rnd.getrandbits(128))),
                "capa_id": capa_id,
                "criterion": "No release without review in 3 months of records",
                "method": "record_review",
                "window_start": start_day,
                "window_end": start_day + timedelta(days=90),
                "result": rnd.choice(("pending", "passed", "passed", "failed")),
                "created_by": "qm",
                "created_at": opened,
            }
        )
    return capas, actions, checks


def generate(database: Database, findings: int, capas: int) -> dict[str, str]:
    """Fill the store; returns the usernames and ids the measurements use."""
    rnd = random.Random(6)
    create_user(database, "qm", PASSWORD, "quality_manager", "Quinn Manager")
    owners = [create_user(database, f"owner{i}", PASSWORD, "capa_owner") for i in range(20)]
    audits = [str(uuid.UUID(int=rnd.getrandbits(128))) for _ in range(max(1, findings // 20))]
    with database.transaction() as s:
        audit_rows = [
            {"id": a, "title": f"Audit {n}", "site": f"Plant {int(a[-1], 16) % 10}", "hlc": f"{n:012d}"}
            for n, a in enumerate(audits)
        ]
        for batch in _chunks(iter(audit_rows)):
            s.execute(insert(Audit), batch)
        for batch in _chunks(_findings(audits, findings, rnd)):
            s.execute(insert(Finding), batch)
        capa_rows, action_rows, check_rows = _capas(owners, capas, rnd)
        for table, rows in (
            (CapaRow, capa_rows),
            (CapaActionRow, action_rows),
            (EffectivenessCheckRow, check_rows),
        ):
            for batch in _chunks(iter(rows)):
                s.execute(insert(table), batch)
    with database.transaction() as s:
        metric_counts.rebuild(s)  # the bulk inserts above bypass the counters, as a restore would
    # Fresh statistics (and on PostgreSQL a vacuumed visibility map), as autovacuum gives a running store.
    if database.engine.dialect.name == "postgresql":
        with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    else:
        with database.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    return {"owner_id": owners[3], "owner": "owner3"}


def _latencies(call: Callable[[], Any], repeat: int) -> list[float]:
    call()  # warm up
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        out.append((time.perf_counter() - start) * 1000)
    return out


def _get(session: requests.Session, url: str, params: dict[str, Any]) -> Callable[[], Any]:
    def call() -> Any:
        reply = session.get(url, params=params, timeout=60)
        if reply.status_code != 200:
            raise RuntimeError(f"{url} {params}: {reply.status_code} {reply.text[:300]}")
        return reply.json()

    return call


def _select(database: Database, query: Any) -> Callable[[], Any]:
    def call() -> Any:
        with database.engine.connect() as conn:
            return conn.execute(query).all()

    return call


def _capa_route(spec: dict[str, Any]) -> tuple[str, dict[str, str]] | None:
    """The CAPA list route and the names of its stage and owner filters, if the API has them."""
    operation = spec.get("paths", {}).get("/api/capas", {}).get("get")
    if not operation:
        return None
    names = {p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"}
    stage = "stage" if "stage" in names else None
    owner = next((n for n in ("owner_id", "owner") if n in names), None)
    if stage is None or owner is None:
        return None
    return "/api/capas", {"stage": stage, "owner": owner}


def measure(label: str, database_url: str, folder: Path, quick: bool, report: Report) -> None:
    """Generate, serve, and measure one database."""
    findings, capas, repeat = (10_000, 1_000, 40) if quick else (100_000, 10_000, 200)
    folder.mkdir(parents=True, exist_ok=True)
    database = open_database(database_url)
    begun = time.perf_counter()
    ids = generate(database, findings, capas)
    report.notes[f"generate_s_{label}"] = round(time.perf_counter() - begun, 1)
    port = free_port()
    # Metrics uncached: every request computes them, so the figures are those of a cold dashboard.
    env = auditapp_env(
        folder / "home", AUDITAPP_DATABASE_URL=database_url, AUDITAPP_METRICS_CACHE_SECONDS="0"
    )
    server: Running = start(
        ["server", "--port", str(port)], env, f"http://127.0.0.1:{port}/api/health", folder / "server.log"
    )
    try:
        http = requests.Session()
        token = http.post(
            f"{server.url}/api/auth/login", json={"username": "qm", "password": PASSWORD}, timeout=30
        )
        http.headers["Authorization"] = f"Bearer {token.json()['token']}"
        spec = http.get(f"{server.url}/openapi.json", timeout=30).json()
        inbox = {"status": "new", "limit": 50}
        page = _get(http, f"{server.url}/api/findings", inbox)()
        for _ in range(19):  # twenty pages in
            page = _get(http, f"{server.url}/api/findings", {**inbox, "cursor": page["next_cursor"]})()
        deep = {**inbox, "cursor": page["next_cursor"]}
        new_first = (
            select(Finding, Audit.title)
            .outerjoin(Audit, Audit.id == Finding.audit_id)
            .where(Finding.status == "new")
            .order_by(Finding.created_at.desc(), Finding.id.desc())
        )
        last = page["items"][-1]
        after = new_first.where(
            (Finding.created_at < datetime.fromisoformat(last["received_at"]))
            | (
                (Finding.created_at == datetime.fromisoformat(last["received_at"]))
                & (Finding.id < last["id"])
            )
        )
        cases: dict[str, tuple[Callable[[], Any], Callable[[], Any]]] = {
            "inbox": (
                _get(http, f"{server.url}/api/findings", inbox),
                _select(database, new_first.limit(51)),
            ),
            "inbox_page21": (
                _get(http, f"{server.url}/api/findings", deep),
                _select(database, after.limit(51)),
            ),
            "metrics": (
                _get(http, f"{server.url}/api/metrics", {}),
                lambda: _compute_metrics(database),
            ),
        }
        # The floor: a signed-in request for one small row (auth, routing, JSON) against the same SELECT.
        cases["me"] = (
            _get(http, f"{server.url}/api/me", {}),
            _select(database, select(User).where(User.username == "qm")),
        )
        capa_route = _capa_route(spec)
        capa_select = (
            select(CapaRow, User.username)
            .join(User, User.id == CapaRow.owner_id)
            .where(CapaRow.stage == "action", CapaRow.owner_id == ids["owner_id"])
            .order_by(CapaRow.created_at.desc(), CapaRow.id.desc())
            .limit(51)
        )
        if capa_route:
            path, names = capa_route
            # The `owner` filter takes a username, `owner_id` an id.
            who = ids["owner"] if names["owner"] == "owner" else ids["owner_id"]
            params = {names["stage"]: "action", names["owner"]: who, "limit": 50}
            cases["capa_list"] = (_get(http, f"{server.url}{path}", params), _select(database, capa_select))
            report.notes[f"capa_list_items_{label}"] = len(cases["capa_list"][0]()["items"])  # a full page
        else:
            report.notes[f"capa_list_{label}"] = (
                "GET /api/capas with stage and owner filters is not in the API yet"
            )
            report.baseline[f"capa_list_select_p95_ms_{label}"] = round(
                percentile(_latencies(_select(database, capa_select), repeat), 95), 2
            )
        for name, (over_http, bare) in cases.items():
            # Alternate the two so both see the same machine load.
            http_ms, bare_ms = [], []
            for _ in range(repeat // 20):
                http_ms += _latencies(over_http, 20)
                bare_ms += _latencies(bare, 20)
            report.metrics[f"{name}_p50_ms_{label}"] = round(median(http_ms), 2)
            report.metrics[f"{name}_p95_ms_{label}"] = round(percentile(http_ms, 95), 2)
            report.baseline[f"{name}_select_p50_ms_{label}"] = round(median(bare_ms), 2)
            report.baseline[f"{name}_select_p95_ms_{label}"] = round(percentile(bare_ms, 95), 2)
            report.ratio(f"{name}_p95_{label}", f"{name}_p95_ms_{label}", f"{name}_select_p95_ms_{label}")
            report.notes[f"{name}_under_50ms_p95_{label}"] = report.metrics[f"{name}_p95_ms_{label}"] < 50
        # What the same figures cost computed from the tables (the reference the counters are checked by).
        live = _latencies(
            lambda: _compute_metrics(database, metrics_live.compute_live), max(10, repeat // 10)
        )
        report.baseline[f"metrics_from_tables_p50_ms_{label}"] = round(median(live), 2)
        report.baseline[f"metrics_from_tables_p95_ms_{label}"] = round(percentile(live, 95), 2)
    finally:
        server.stop()
        database.dispose()


def _compute_metrics(
    database: Database, compute: Callable[[Session, datetime], Any] = metrics.compute
) -> Any:
    with database.transaction() as session:
        return compute(session, datetime.now(UTC))


def _pg_database(name: str, *, drop: bool = False) -> str | None:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3) as conn:
            conn.execute(
                f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' if drop else f'CREATE DATABASE "{name}"'
            )
    except Exception:  # PostgreSQL is optional for the benchmark
        return None
    return PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1) + f"/{name}"


def run(quick: bool) -> Report:
    """Measure on SQLite, then on PostgreSQL when it is reachable."""
    report = Report("central")
    report.notes["load_average_at_start"] = [round(x, 2) for x in os.getloadavg()]
    report.notes["workload"] = "10,000 findings / 1,000 CAPAs" if quick else "100,000 findings / 10,000 CAPAs"
    with tempfile.TemporaryDirectory(prefix="bench-central-") as tmp:
        folder = Path(tmp)
        measure("sqlite", f"sqlite:///{folder / 'sqlite' / 'central.db'}", folder / "sqlite", quick, report)
        name = f"bench_central_{uuid.uuid4().hex[:8]}"
        pg = _pg_database(name)
        if pg is None:
            report.notes["postgresql"] = "not reachable: skipped"
        else:
            try:
                measure("postgresql", pg, folder / "pg", quick, report)
            finally:
                _pg_database(name, drop=True)
    return report
