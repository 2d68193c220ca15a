"""Crash drill: a writer is killed with SIGKILL at random moments; every acknowledged write must survive.

The writer (`python -m auditapp.store.crash_drill FOLDER SEED CHECKPOINT_EVERY`) runs a mixed
capture workload against a real store and prints one line per write *after* the store call returned:
`E <event id>`, `P <photo sha256>`, `K <acknowledged event id>`, `S <key> <counter>` (and `A <event id>`
just before an acknowledgement starts). The drill kills it,
sometimes appends a torn partial record (what a power cut mid-write leaves), reopens the store and checks
every printed write. Used by the integration tests (20 trials) and `python -m bench crash` (200+).
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from auditapp.domain.clock import HybridClock
from auditapp.domain.events import EventFactory, EventKind
from auditapp.store.errors import StoreError
from auditapp.store.field_store import JOURNAL_FILE, FieldStore

DEVICE = "drill-tablet"
AUDITS = ("audit-walkthrough", "audit-supplier")
DRILL_PASSPHRASE = "drill passphrase"  # noqa: S105 - a throwaway store that only the drill creates


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def write_forever(folder: Path, passphrase: str, seed: int, checkpoint_every: int) -> None:
    """The writer side: open (or create) the store and capture until killed."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible workload, not a secret
    if FieldStore.exists(folder):
        store = FieldStore.open(folder, passphrase, checkpoint_every=checkpoint_every)
    else:
        store = FieldStore.create(folder, passphrase, checkpoint_every=checkpoint_every)
    clock = HybridClock(DEVICE, last=store.last_hlc())
    make = EventFactory(DEVICE, clock, next_seq=store.last_seq(DEVICE) + 1)
    counter = int(store.get("drill-counter") or 0)
    _say("ready")
    while True:
        roll = rng.random()
        audit = rng.choice(AUDITS)
        if roll < 0.35:
            batch = [
                make.make(
                    audit, EventKind.RESPONSE_RECORDED, {"item": f"7.5.{rng.randint(1, 11)}", "result": r}
                )
                for r in rng.choices(["conforming", "nonconforming", "observation"], k=rng.randint(1, 3))
            ]
        elif roll < 0.6:
            batch = [
                make.make(audit, EventKind.NOTE_ADDED, {"text": "seen on the floor " * rng.randint(1, 40)})
            ]
        elif roll < 0.72:
            digest = store.photos.put(rng.randbytes(rng.randint(20_000, 160_000)))
            _say(f"P {digest}")
            batch = [make.make(audit, EventKind.PHOTO_ATTACHED, {"sha256": digest})]
        elif roll < 0.87:
            batch = [
                make.make(audit, EventKind.FINDING_EDITED, {"field": "statement", "value": str(rng.random())})
            ]
        elif roll < 0.95:
            waiting = store.pending(limit=rng.randint(1, 6))
            for event in waiting:  # announced first: the kill may land after the ack, before "K"
                _say(f"A {event.event_id}")
            store.acknowledge(e.event_id for e in waiting)
            for event in waiting:
                _say(f"K {event.event_id}")
            continue
        else:
            counter += 1
            store.put("drill-counter", str(counter))
            _say(f"S drill-counter {counter}")
            continue
        store.append(batch)
        for event in batch:
            _say(f"E {event.event_id}")


@dataclass
class Acknowledged:
    """Everything the writer reported as done, over all trials on one store."""

    events: set[str] = field(default_factory=set)
    acked: set[str] = field(default_factory=set)
    acking: set[str] = field(default_factory=set)
    photos: set[str] = field(default_factory=set)
    counter: int = 0

    def take(self, line: str) -> None:
        """Record one complete line printed by the writer."""
        kind, _, rest = line.partition(" ")
        if kind == "E":
            self.events.add(rest)
        elif kind == "K":
            self.acked.add(rest)
        elif kind == "A":
            self.acking.add(rest)
        elif kind == "P":
            self.photos.add(rest)
        elif kind == "S":
            self.counter = max(self.counter, int(rest.split()[1]))


@dataclass
class DrillResult:
    """Outcome of a series of kill-and-reopen trials."""

    trials: int = 0
    acknowledged: int = 0
    acknowledged_lost: int = 0
    unreadable_stores: int = 0
    duplicates: int = 0
    outbox_errors: int = 0
    torn_tails_injected: int = 0
    torn_tails_dropped: int = 0
    problems: list[str] = field(default_factory=list)


def _run_writer(folder: Path, rng: random.Random, seen: Acknowledged, max_delay: float) -> None:
    seed, checkpoint_every = rng.randrange(1 << 30), rng.choice([3, 10, 40])
    command = [
        sys.executable,
        "-m",
        "auditapp.store.crash_drill",
        str(folder),
        str(seed),
        str(checkpoint_every),
    ]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    ready = threading.Event()
    lines: list[str] = []

    def read() -> None:
        assert proc.stdout is not None
        for raw in proc.stdout:
            if raw.endswith(b"\n"):  # a line cut by the kill was never acknowledged
                text = raw.decode().rstrip("\n")
                if text == "ready":
                    ready.set()
                else:
                    lines.append(text)
        ready.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    ready.wait(timeout=30)
    time.sleep(rng.uniform(0.0, max_delay))
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    reader.join(timeout=10)
    for line in lines:
        seen.take(line)


def _inject_torn_tail(folder: Path, rng: random.Random) -> None:
    with (folder / JOURNAL_FILE).open("ab") as journal:
        journal.write(rng.randbytes(rng.randint(1, 700)))


def _verify(folder: Path, passphrase: str, seen: Acknowledged, result: DrillResult, torn: bool) -> None:
    try:
        store = FieldStore.open(folder, passphrase)
    except StoreError as exc:
        result.unreadable_stores += 1
        result.problems.append(f"trial {result.trials}: {exc}")
        return
    with store:
        if torn and store.recovered_tail_bytes:
            result.torn_tails_dropped += 1
        stored: list[str] = [e.event_id for a in store.audit_ids() for e in store.events(a)]
        pending = [e.event_id for e in store.pending(limit=10**9)]
        result.duplicates += (len(stored) - len(set(stored))) + (len(pending) - len(set(pending)))
        lost = seen.events - set(stored)
        lost_photos = {d for d in seen.photos if not store.photos.has(d) or len(store.photos.get(d)) == 0}
        counter = int(store.get("drill-counter") or 0)
        result.acknowledged_lost += len(lost) + len(lost_photos) + (counter < seen.counter)
        should_wait = seen.events - seen.acked
        outbox_wrong = len(should_wait - seen.acking - set(pending)) + len(seen.acked & set(pending))
        result.outbox_errors += outbox_wrong
        if lost or lost_photos or outbox_wrong or counter < seen.counter:
            result.problems.append(
                f"trial {result.trials}: lost {len(lost)} events, {len(lost_photos)} photos, "
                f"counter {counter} < {seen.counter}, outbox errors {outbox_wrong}"
            )


def run_drill(folder: Path, trials: int, seed: int = 0, max_delay: float = 0.25) -> DrillResult:
    """Kill a writer `trials` times on one store folder, checking every acknowledged write after each."""
    rng = random.Random(seed)  # noqa: S311 - reproducible kill moments, not a secret
    seen = Acknowledged()
    result = DrillResult()
    for _ in range(trials):
        result.trials += 1
        _run_writer(folder, rng, seen, max_delay)
        torn = FieldStore.exists(folder) and rng.random() < 0.35
        if torn:
            _inject_torn_tail(folder, rng)
            result.torn_tails_injected += 1
        if FieldStore.exists(folder):
            _verify(folder, DRILL_PASSPHRASE, seen, result, torn)
    result.acknowledged = len(seen.events) + len(seen.acked) + len(seen.photos) + seen.counter
    return result


if __name__ == "__main__":
    write_forever(Path(sys.argv[1]), DRILL_PASSPHRASE, int(sys.argv[2]), int(sys.argv[3]))
