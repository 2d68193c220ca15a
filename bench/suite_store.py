"""Benchmark `store`: how long saving one event takes as an audit grows, and opening a big audit.

Workload: one audit prefilled with 1,000, 5,000 and 20,000 recorded responses (about 300 bytes each), then
single-event appends as the UI does them (each one durable before it returns), and finally opening the
20,000-event store and reading the audit's events (what the app does to show the audit).

Baseline, measured in the same run and interleaved with the store's samples: an fsync'd append of exactly
the bytes the store writes for that event, to a plain file in the same folder. Naive peer: TinyDB's default
JSONStorage on the same documents (a few inserts per size only: each one rewrites the whole file).
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

from tinydb import TinyDB

from auditapp.domain.clock import HybridClock
from auditapp.domain.events import DomainEvent, EventFactory, EventKind
from auditapp.store import FieldStore
from auditapp.store.journal import encode_record
from auditapp.store.keys import StoreKeys, unwrap_data_key
from bench.harness import Report, median, percentile

PASS = "benchmark passphrase"
AUDIT = "audit-bench"
TARGETS = (
    ("append_median_vs_fsync_20000", "<=", 3.0),
    ("append_median_20000_vs_1000", "<=", 1.5),  # STO-012: as fast at 20,000 events as at 1,000
    ("open_to_usable_ms_20000", "<", 300.0),
)
"""The figures this suite must meet (`python -m bench store --check` fails when one is missed)."""


def _event(make: EventFactory, i: int) -> DomainEvent:
    payload = {
        "item": f"7.5.{i % 11 + 1}",
        "result": ("conforming", "nonconforming", "observation")[i % 3],
        "notes": f"Checked batch record {i}: signatures present, line clearance documented, "
        "one deviation referenced to CAPA-2026-014.",
    }
    return make.make(AUDIT, EventKind.RESPONSE_RECORDED, payload)


def _prefill(folder: Path, make: EventFactory, size: int) -> None:
    with FieldStore.create(folder, PASS) as store:
        for start in range(0, size, 500):
            store.append([_event(make, i) for i in range(start, min(size, start + 500))])


def _appends(folder: Path, make: EventFactory, samples: int) -> tuple[list[float], list[float]]:
    """Seconds per durable store append, and per fsync'd plain append of the same bytes."""
    keys = StoreKeys.from_data_key(unwrap_data_key(folder, PASS))
    store_times: list[float] = []
    plain_times: list[float] = []
    plain = os.open(folder / "plain-append.bin", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        with FieldStore.open(folder, PASS) as store:
            store.events(
                AUDIT
            )  # the audit is on screen before anything is recorded (open time measured apart)
            for i in range(samples):
                event = _event(make, 10_000_000 + i)
                same_bytes = encode_record(keys.journal, 0, {"t": "a", "ev": [event.to_dict()]})
                start = time.perf_counter()
                store.append([event])
                store_times.append(time.perf_counter() - start)
                start = time.perf_counter()
                os.write(plain, same_bytes)
                os.fsync(plain)
                plain_times.append(time.perf_counter() - start)
    finally:
        os.close(plain)
    return store_times, plain_times


def _tinydb_inserts(folder: Path, make: EventFactory, size: int, inserts: int) -> list[float]:
    """Seconds per insert into a TinyDB JSON file already holding `size` documents."""
    path = folder / "naive.json"
    db = TinyDB(str(path))
    db.insert_multiple(_event(make, i).to_dict() for i in range(size))
    times = []
    for i in range(inserts):
        doc = _event(make, 20_000_000 + i).to_dict()
        start = time.perf_counter()
        db.insert(doc)
        times.append(time.perf_counter() - start)
    db.close()
    return times


def _open_to_usable(folder: Path, repeat: int) -> tuple[list[float], list[float], int]:
    """Seconds to open (unlock included) and read one audit's events; and the unlock alone."""
    totals, unlocks = [], []
    count = 0
    for _ in range(repeat):
        start = time.perf_counter()
        unwrap_data_key(folder, PASS)
        unlocks.append(time.perf_counter() - start)
        start = time.perf_counter()
        with FieldStore.open(folder, PASS) as store:
            count = len(store.events(AUDIT))
            totals.append(time.perf_counter() - start)
    return totals, unlocks, count


def run(quick: bool) -> Report:
    """Append latency at three audit sizes vs an fsync'd append; TinyDB's JSONStorage; open time."""
    samples = 100 if quick else 1_200  # over 1,000: each size includes one checkpoint (in the max)
    naive_inserts = 2 if quick else 5
    report = Report(suite="store")
    ms = 1000.0
    notes: dict[str, Any] = {"append_samples": samples, "tinydb_inserts_per_size": naive_inserts}
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp:
        make = EventFactory("bench-tablet", HybridClock("bench-tablet"))
        for size in (1_000, 5_000, 20_000):
            folder = Path(tmp) / f"store-{size}"
            _prefill(folder, make, size)
            store_times, plain_times = _appends(folder, make, samples)
            report.metrics[f"append_median_ms_{size}"] = round(median(store_times) * ms, 3)
            report.metrics[f"append_p99_ms_{size}"] = round(percentile(store_times, 99) * ms, 3)
            report.metrics[f"append_max_ms_{size}"] = round(max(store_times) * ms, 3)
            report.baseline[f"fsync_append_median_ms_{size}"] = round(median(plain_times) * ms, 3)
            report.baseline[f"fsync_append_p99_ms_{size}"] = round(percentile(plain_times, 99) * ms, 3)
            naive = _tinydb_inserts(Path(tmp), make, size, naive_inserts)
            (Path(tmp) / "naive.json").unlink()
            report.metrics[f"tinydb_jsonstorage_insert_median_ms_{size}"] = round(median(naive) * ms, 1)
            report.ratio(
                f"append_median_vs_fsync_{size}", f"append_median_ms_{size}", f"fsync_append_median_ms_{size}"
            )
            if size == 20_000:
                totals, unlocks, count = _open_to_usable(folder, 3 if quick else 7)
                report.metrics["open_to_usable_ms_20000"] = round(median(totals) * ms, 1)
                report.metrics["open_unlock_scrypt_ms"] = round(median(unlocks) * ms, 1)
                notes["events_read_after_open"] = count
    first, last = report.metrics["append_median_ms_1000"], report.metrics["append_median_ms_20000"]
    report.ratios["append_median_20000_vs_1000"] = round(last / first, 3)
    report.ratios["tinydb_insert_vs_append_20000"] = round(
        report.metrics["tinydb_jsonstorage_insert_median_ms_20000"] / last, 1
    )
    for figure, op, bound in TARGETS:
        report.target(figure, op, bound)
    report.notes.update(notes)
    return report
