"""Benchmark `sync`: a field device pushing an audit and its photos to a real central store on loopback.

Workload: one enrolled device, an audit of 1 plan, 300 responses, 1,000 notes and 100 photo events
(1,401 events) pushed by sync's SyncClient to `auditapp server` (SQLite; PostgreSQL too when reachable),
then 100 encrypted photos of 1.5 MB (the size of a processed 4000x3000 photo) uploaded with the default
chunk size (one request per photo) and the default number of parallel uploads.
Baseline, same run: the same photo bytes PUT whole with `requests` to a bare sink process that reads and
discards them. A second reference, the floor of the HTTP stack the store runs on: the same bytes PUT with the
same parallelism to a bare ASGI app under uvicorn, with the store's allocator settings, that only reads the
body (no routing, hashing or disk). A third, the floor of the work the store cannot skip: the bare sink
that also hashes each body with SHA-256 and keeps it durably (written, `fdatasync`'d, renamed under its
hash, folder `fsync`'d), same parallelism.
Resume: each photo upload is cut once mid-way (alternately a reset before the store gets the chunk and a
lost answer after it stored it); we count chunks sent again per cut. Faults: 5,000 events
through a proxy that drops, resets, loses answers, delays, duplicates and replays late 30% of requests.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import func, select

from auditapp.central.database import Database
from auditapp.central.service import create_user, issue_enrollment_code, open_database
from auditapp.central.tables import Response, StoredEvent
from auditapp.domain.clock import HybridClock
from auditapp.domain.events import EventFactory, EventKind
from auditapp.domain.plan import AuditPlan, AuditType, ChecklistRef
from bench.harness import Report
from sync.batch import Record
from sync.blobs import DEFAULT_CHUNK_SIZE, encrypt_blob
from sync.client import SyncClient
from sync.keys import DeviceKeys, PublicKeys
from sync.transport import Backoff, HttpTransport
from sync.uploads import DEFAULT_PARALLEL_UPLOADS
from tests.integration.sync_e2e.faulty_proxy import Fault, FaultyProxy
from tests.support.processes import Running, auditapp_env, free_port, start, wait_http

PHOTO_BYTES = 1_500_000
SINK = """
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class Sink(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_GET(self): self._ok()
    def do_PUT(self):
        left = int(self.headers.get("Content-Length") or 0)
        while left:
            left -= len(self.rfile.read(min(left, 1 << 20)))
        self._ok()
    def _ok(self):
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Sink).serve_forever()
"""

ASGI_SINK = """
import sys
import uvicorn
from auditapp.central.allocator import keep_freed_memory
keep_freed_memory()  # as `auditapp server` does
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"0")]})
    await send({"type": "http.response.body", "body": b""})
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


VERIFYING_SINK = """
import hashlib, os, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from sync.durable_write import write_new_file_durably
folder = sys.argv[2]
class Sink(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_GET(self): self._ok()
    def do_PUT(self):
        left = int(self.headers.get("Content-Length") or 0)
        parts, digest = [], hashlib.sha256()
        while left:
            parts.append(self.rfile.read(min(left, 1 << 20)))
            digest.update(parts[-1])
            left -= len(parts[-1])
        name = os.path.join(folder, digest.hexdigest())
        temporary = f"{name}.{threading.get_ident()}"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            write_new_file_durably(fd, parts)
        finally:
            os.close(fd)
        os.replace(temporary, name)
        directory = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
        self._ok()
    def _ok(self):
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Sink).serve_forever()
"""
"""The floor of what the store must do with a photo, with no HTTP framework around it: the bare sink
that also hashes the body with SHA-256 and writes it durably under its hash (ADR 0063, third addendum)."""


class ListOutbox:
    """RecordOutbox over a list (the device's store is not what is measured here)."""

    def __init__(self, records: Sequence[Record]) -> None:
        self._records = {r.event_id: r for r in records}

    def pending(self, limit: int) -> list[tuple[str, int, bytes]]:
        return [tuple(r) for r in list(self._records.values())[:limit]]  # type: ignore[misc]

    def acknowledge(self, event_ids: Iterable[str]) -> None:
        for event_id in event_ids:
            self._records.pop(event_id, None)

    def pending_count(self) -> int:
        return len(self._records)


class MemoryBlobs:
    """BlobSource over ciphertexts held in memory."""

    def __init__(self, blobs: dict[str, bytes]) -> None:
        self._blobs = dict(blobs)
        self._started: set[str] = set()

    def pending_blobs(self) -> list[str]:
        return list(self._blobs)

    def blob_size(self, blob_id: str) -> int:
        return len(self._blobs[blob_id])

    def read_blob(self, blob_id: str, offset: int, length: int) -> bytes:
        return self._blobs[blob_id][offset : offset + length]

    def mark_uploaded(self, blob_id: str) -> None:
        self._blobs.pop(blob_id, None)

    def upload_started(self, blob_id: str) -> bool:
        started = blob_id in self._started
        self._started.add(blob_id)
        return started


PLAN = AuditPlan(
    title="Benchmark audit",
    organisation="Acme Medical",
    site="Plant 2",
    audit_type=AuditType.INTERNAL,
    objectives="Measure sync",
    scope="Everything",
    criteria=(ChecklistRef("iso13485-2016", "1", "0" * 64),),
    start_date=dt.date(2026, 11, 2),
    end_date=dt.date(2026, 11, 3),
    lead_auditor="Ana Auditor",
)


def _audit(device_id: str, responses: int, notes: int, photos: int) -> list[Record]:
    make = EventFactory(device_id, HybridClock(device_id))
    audit = str(uuid.uuid4())
    events = [make.make(audit, EventKind.AUDIT_PLANNED, {"plan": PLAN.to_dict()})]
    payload: dict[str, Any]
    for i in range(responses):
        payload = {
            "item_id": f"item-{i}",
            "clause": "7.5.1",
            "answer": ("conforming", "nonconforming")[i % 2],
        }
        events.append(make.make(audit, EventKind.RESPONSE_RECORDED, payload))
    for i in range(notes):
        text = f"Note {i}: batch record checked, line clearance signed, deviation DV-{i} referenced."
        payload = {
            "evidence_id": str(uuid.uuid4()),
            "item_id": f"item-{i % 300}",
            "clause": "7.5.1",
            "text": text,
        }
        events.append(make.make(audit, EventKind.NOTE_ADDED, payload))
    for i in range(photos):
        payload = {
            "evidence_id": str(uuid.uuid4()),
            "item_id": f"item-{i}",
            "clause": "7.5.1",
            "sha256": f"{i:064x}",
            "thumbnail_sha256": f"{i + 1:064x}",
            "width": 4000,
            "height": 3000,
            "captured_at": "2026-11-02T10:00:00Z",
        }
        events.append(make.make(audit, EventKind.PHOTO_ATTACHED, payload))
    return [Record(e.event_id, e.seq, e.canonical_bytes()) for e in events]


class Store:
    """A running central store with a user who can enroll devices."""

    def __init__(self, folder: Path, database_url: str) -> None:
        self.database_url = database_url
        folder.mkdir(parents=True, exist_ok=True)
        database = open_database(database_url)
        create_user(database, "bench", "bench-password-1", "admin")
        database.dispose()
        port = free_port()
        env = auditapp_env(folder / "home", AUDITAPP_DATABASE_URL=database_url)
        self.home = folder / "home"
        self.server: Running = start(
            ["server", "--port", str(port)], env, f"http://127.0.0.1:{port}/api/health", folder / "server.log"
        )

    def device(
        self,
        url: str | None = None,
        *,
        retries: int | None = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        batch_size: int = 500,
    ) -> tuple[SyncClient, str]:
        """A freshly enrolled device's client (optionally through another URL, e.g. a proxy)."""
        database = Database(self.database_url)
        code = issue_enrollment_code(database, "bench").code
        database.dispose()
        keys, device_id = DeviceKeys.generate(), str(uuid.uuid4())
        answer = requests.post(
            f"{self.server.url}/api/enroll",
            json={
                "code": code,
                "device_id": device_id,
                "signing_public": keys.signing_public_b64,
                "receiving_public": keys.receiving_public_b64,
            },
            timeout=30,
        ).json()
        store = PublicKeys.from_b64(answer["store"]["signing"], answer["store"]["receiving"])
        transport = HttpTransport(
            url or self.server.url,
            device_id=device_id,
            signer=keys,
            backoff=Backoff(0.01, 0.1),
            max_attempts=retries,
        )
        client = SyncClient(
            transport,
            keys=keys,
            device_id=device_id,
            store_public=store,
            outbox=ListOutbox([]),
            chunk_size=chunk_size,
            batch_size=batch_size,
        )
        return client, device_id

    def count(self, device_id: str) -> tuple[int, int]:
        """(events stored for the device, response rows) in the store's database."""
        database = Database(self.database_url)
        try:
            with database.transaction() as session:
                events = session.scalar(
                    select(func.count()).select_from(StoredEvent).where(StoredEvent.device_id == device_id)
                )
                responses = session.scalar(select(func.count()).select_from(Response))
                return int(events or 0), int(responses or 0)
        finally:
            database.dispose()

    def stop(self) -> None:
        self.server.stop()


def _push_rate(store: Store, responses: int, notes: int, photos: int) -> float:
    client, device_id = store.device()
    records = _audit(device_id, responses, notes, photos)
    client.outbox = ListOutbox(records)
    started = time.perf_counter()
    client.push_all()
    elapsed = time.perf_counter() - started
    assert client.outbox.pending_count() == 0
    return len(records) / elapsed


PUSH_RUNS = 3
# Issue #5's targets; the photo ratio is not reached on a 2-core machine (ADR 63 and its addenda).
TARGETS = (
    ("push_events_per_s_sqlite", ">=", 3000.0),
    ("photo_upload_vs_raw", ">=", 0.5),
    ("resume_chunks_resent_per_cut", "<=", 1.0),
    ("faults_lost", "<=", 0.0),
    ("faults_duplicated", "<=", 0.0),
)


def _push_rates(store: Store, responses: int, notes: int, photos: int) -> tuple[float, float]:
    """(first, median of the next PUSH_RUNS): each a fresh device pushing the whole audit. The first push
    of a new server shares its time with the server's start-up work (its first statements, its periodic
    jobs' first runs), which lands in one push or another depending on timing; the median of the pushes
    after it is the steady rate, and the first is reported beside it."""
    first = _push_rate(store, responses, notes, photos)
    steady = sorted(_push_rate(store, responses, notes, photos) for _ in range(PUSH_RUNS))
    return first, steady[PUSH_RUNS // 2]


def _photos(count: int) -> dict[str, bytes]:
    blobs = (encrypt_blob(os.urandom(PHOTO_BYTES)) for _ in range(count))
    return {blob.blob_id: blob.ciphertext for blob in blobs}


def _photo_rates(store: Store, count: int, folder: Path) -> tuple[float, float, float, float, int]:
    """(project bytes/s, raw requests bytes/s to a sink, bytes/s to a bare ASGI sink, bytes/s to a sink
    that verifies and keeps each photo durably, bytes)."""
    blobs = _photos(count)
    total = sum(len(b) for b in blobs.values())
    client, _ = store.device()
    client.blobs = MemoryBlobs(blobs)
    started = time.perf_counter()
    client.upload_pending_blobs()
    project = total / (time.perf_counter() - started)
    raw = _sink_rate(SINK, blobs, parallel=1)
    floor = _sink_rate(ASGI_SINK, blobs, parallel=DEFAULT_PARALLEL_UPLOADS)
    kept = folder / "verifying-sink"
    kept.mkdir()
    verified = _sink_rate(VERIFYING_SINK, blobs, parallel=DEFAULT_PARALLEL_UPLOADS, args=[str(kept)])
    return project, raw, floor, verified, total


def _sink_rate(program: str, blobs: dict[str, bytes], *, parallel: int, args: Sequence[str] = ()) -> float:
    """Bytes/s of PUTting every blob whole with `requests` to a sink program, `parallel` at a time."""
    port = free_port()
    sink = subprocess.Popen([sys.executable, "-c", program, str(port), *args])
    local = threading.local()

    def put(item: tuple[str, bytes]) -> None:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        blob_id, data = item
        local.session.put(f"http://127.0.0.1:{port}/{blob_id}", data=data, timeout=60).raise_for_status()

    try:
        wait_http(f"http://127.0.0.1:{port}/", proc=sink)
        started = time.perf_counter()
        if parallel == 1:
            for item in blobs.items():
                put(item)
        else:
            with ThreadPoolExecutor(parallel) as pool:
                list(pool.map(put, blobs.items()))
        return sum(len(b) for b in blobs.values()) / (time.perf_counter() - started)
    finally:
        sink.terminate()
        sink.wait(timeout=10)


RESUME_CHUNK = 512 * 1024
"""Chunk size of the resume measurement: a photo is then 3 chunks and each is cut in its middle one."""


def _resume(store: Store, count: int) -> tuple[float, int]:
    """Chunks sent again per cut, cutting each photo upload once at its second (middle) chunk."""
    seen: set[str] = set()
    cuts: list[int] = []

    def rule(method: str, path: str, _n: int) -> Fault:
        if method == "PUT" and path.endswith("/chunks/1"):
            blob = path.split("/")[-3]
            if blob not in seen:
                seen.add(blob)
                cuts.append(1)
                return Fault.RESET if len(seen) % 2 else Fault.LOST_ANSWER
        return Fault.NONE

    proxy = FaultyProxy(store.server.url, rule)
    try:
        blobs = _photos(count)
        needed = sum(-(-len(b) // RESUME_CHUNK) for b in blobs.values())
        client, _ = store.device(proxy.url, chunk_size=RESUME_CHUNK)
        client.blobs = MemoryBlobs(blobs)
        client.upload_pending_blobs()
        attempts = len(proxy.delivered("PUT", "/chunks/")) + sum(
            1 for _m, p, f in proxy.log.faults if "/chunks/" in p and f is Fault.RESET
        )
        return (attempts - needed) / len(cuts), len(cuts)
    finally:
        proxy.close()


def _faults(store: Store, events: int) -> dict[str, float]:
    chance = random.Random(7)
    lock = threading.Lock()
    kinds = [
        Fault.DROP,
        Fault.RESET,
        Fault.LOST_ANSWER,
        Fault.ERROR_503,
        Fault.DELAY,
        Fault.DUPLICATE,
        Fault.LATE_DUPLICATE,
    ]

    def rule(_m: str, _p: str, _n: int) -> Fault:
        with lock:
            return chance.choice(kinds) if chance.random() < 0.3 else Fault.NONE

    proxy = FaultyProxy(store.server.url, rule, delay_s=0.05)
    try:
        client, device_id = store.device(proxy.url, batch_size=50)
        before = store.count(device_id)[1]
        records = _audit(device_id, events - 1, 0, 0)
        client.outbox = ListOutbox(records)
        client.push_all()
        time.sleep(0.2)  # late duplicates land before counting
        stored, responses = store.count(device_id)
        return {
            "faults_events": float(len(records)),
            "faults_lost": float(len(records) - stored),
            "faults_duplicated": float(max(0, stored - len(records)) + (responses - before - (events - 1))),
            "faults_injected": float(len(proxy.log.faults)),
            "faults_outbox_left": float(client.outbox.pending_count()),
        }
    finally:
        proxy.close()


PG_ADMIN = os.environ.get("AUDITAPP_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _pg_database(name: str, *, drop: bool = False) -> str | None:
    """Create (or drop) a scratch PostgreSQL database; None when PostgreSQL is not reachable."""
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3) as conn:
            conn.execute(
                f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' if drop else f'CREATE DATABASE "{name}"'
            )
    except Exception:
        return None
    return PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1) + f"/{name}"


def run(quick: bool) -> Report:
    """Measure push events/s, photo upload bytes/s against raw requests, resume cost and fault losses."""
    report = Report("sync")
    for figure, op, bound in TARGETS:
        report.target(figure, op, bound)
    photos = 10 if quick else 100
    notes: dict[str, Any] = {
        "photo_bytes": PHOTO_BYTES,
        "chunk_size": DEFAULT_CHUNK_SIZE,
        "resume_chunk_size": RESUME_CHUNK,
        "parallel_uploads": DEFAULT_PARALLEL_UPLOADS,
    }
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        store = Store(folder / "sqlite", f"sqlite:///{folder / 'central.db'}")
        try:
            first, steady = _push_rates(store, 300, 1000, 100)
            report.metrics["push_events_per_s_sqlite"] = round(steady, 1)
            report.metrics["push_first_events_per_s_sqlite"] = round(first, 1)
            project, raw, floor, verified, total = _photo_rates(store, photos, folder)
            report.metrics["photo_bytes_per_s"] = round(project)
            report.baseline["raw_requests_bytes_per_s"] = round(raw)
            report.baseline["asgi_sink_bytes_per_s"] = round(floor)
            report.ratio("photo_upload_vs_raw", "photo_bytes_per_s", "raw_requests_bytes_per_s")
            report.baseline["verifying_durable_sink_bytes_per_s"] = round(verified)
            report.ratio("photo_upload_vs_asgi_floor", "photo_bytes_per_s", "asgi_sink_bytes_per_s")
            report.ratio(
                "photo_upload_vs_verifying_durable_floor",
                "photo_bytes_per_s",
                "verifying_durable_sink_bytes_per_s",
            )
            report.ratios["verifying_durable_floor_vs_raw"] = round(verified / raw, 3)
            notes["photo_total_bytes"] = total
            per_cut, cuts = _resume(store, photos)
            report.metrics["resume_chunks_resent_per_cut"] = round(per_cut, 3)
            notes["resume_cuts"] = cuts
            report.metrics.update(_faults(store, 1000 if quick else 5000))
        finally:
            store.stop()
        name = f"auditapp_bench_{uuid.uuid4().hex[:10]}"
        pg = _pg_database(name)
        if pg is None:
            notes["postgresql"] = "not reachable: skipped"
        else:
            pg_store = Store(folder / "pg", pg)
            try:
                first, steady = _push_rates(pg_store, 300, 1000, 100)
                report.metrics["push_events_per_s_postgresql"] = round(steady, 1)
                report.metrics["push_first_events_per_s_postgresql"] = round(first, 1)
            finally:
                pg_store.stop()
                _pg_database(name, drop=True)
    report.notes = notes
    return report
