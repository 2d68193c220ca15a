"""Benchmark `domain`: merge of 50,000 events from 5 devices into one audit state.

Workload: five tablets on one team audit, each recording 10,000 events offline (answers, notes,
interviews, findings raised and edited, meeting notes) and syncing with the others every few hundred
events, so some edits are sequential and some concurrent (conflicts). The measured operation is what
a device or the central store does on sync: the union of the five logs (deduplicated) projected into
the AuditState with per-field last-writer-wins and conflict tracking.

Baseline, measured in the same run: the bare minimum any merge must do, i.e. concatenate the logs,
sort by HLC and fold a plain dict last-writer-wins per field, with no deduplication, no evidence
union and no conflict tracking.
"""

from __future__ import annotations

import random
import statistics
import time
from typing import Any

from auditapp.domain import drafts
from auditapp.domain.clock import HybridClock, Timestamp
from auditapp.domain.events import DomainEvent, EventFactory
from auditapp.domain.evidence import EvidenceTarget
from auditapp.domain.findings import Finding, FindingGrade
from auditapp.domain.merge import merge_events
from auditapp.domain.plan import AuditPlan, AuditType, ChecklistRef
from auditapp.domain.responses import Answer
from auditapp.domain.state import AuditState, Projector
from bench.harness import Report, peak_memory

AUDIT = "bench-audit"
DEVICES = 5
ITEMS = 300
ANSWERS = list(Answer)
GRADES = list(FindingGrade)


def _plan() -> AuditPlan:
    import datetime as dt

    return AuditPlan(
        title="Bench audit",
        organisation="Acme",
        site="Plant",
        audit_type=AuditType.INTERNAL,
        objectives="Benchmark",
        scope="All",
        criteria=(ChecklistRef("c", "1", "0" * 64),),
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 1, 2),
        lead_auditor="Lead",
    )


class _Tablet:
    """One simulated device: clock on a skewed wall, what it has seen of each field."""

    def __init__(self, index: int, rnd: random.Random) -> None:
        self.name = f"tablet-{index}"
        self.wall = 1_767_000_000_000 + rnd.randint(-60_000, 60_000)
        self.clock = HybridClock(self.name, lambda: self.wall)
        self.factory = EventFactory(self.name, self.clock, new_id=self._next_id)
        self.counter = 0
        self.seen: dict[tuple[str, ...], Timestamp] = {}
        self.findings: list[str] = []
        self.log: list[DomainEvent] = []

    def _next_id(self) -> str:
        self.counter += 1
        return f"{self.name}-{self.counter}"

    def base(self, *key: str) -> str | None:
        stamp = self.seen.get(key)
        return stamp.to_text() if stamp else None

    def record(self, draft: drafts.Draft, key: tuple[str, ...] | None = None) -> None:
        event = self.factory.make(AUDIT, draft.kind, draft.payload)
        self.log.append(event)
        if key is not None:
            self.seen[key] = event.hlc

    def sync_with(self, other: _Tablet) -> None:
        for key, stamp in other.seen.items():
            if key not in self.seen or self.seen[key] < stamp:
                self.seen[key] = stamp
        self.findings = sorted(set(self.findings) | set(other.findings))
        self.clock.observe(other.clock.last)


def _step(tablet: _Tablet, rnd: random.Random) -> None:
    tablet.wall += rnd.randint(-50, 400)  # wall clocks drift and sometimes step back
    roll = rnd.random()
    item = rnd.randrange(ITEMS)
    item_id, clause = f"I-{item:03d}", f"7.{item % 6 + 1}.{item % 9 + 1}"
    if roll < 0.40:
        key = ("response", item_id, "answer")
        tablet.record(drafts.response_recorded(item_id, clause, rnd.choice(ANSWERS), tablet.base(*key)), key)
    elif roll < 0.65:
        tablet.record(drafts.note_added(tablet._next_id(), EvidenceTarget.item(item_id, clause), "note text"))
    elif roll < 0.72:
        target = EvidenceTarget.item(item_id, clause)
        tablet.record(
            drafts.interview_recorded(tablet._next_id(), target, "P. Erson", "Operator", "Q?", "A.")
        )
    elif roll < 0.75 or not tablet.findings:
        finding_id = f"F-{tablet.name}-{tablet.counter}"
        finding = Finding(finding_id, item_id, clause, FindingGrade.MINOR_NC, clause, "statement")
        tablet.record(drafts.finding_raised(finding))
        tablet.findings.append(finding_id)
        for name in ("grade", "statement"):
            tablet.seen[("finding", finding_id, name)] = tablet.log[-1].hlc
    elif roll < 0.97:
        finding_id = rnd.choice(tablet.findings)
        if rnd.random() < 0.5:
            key = ("finding", finding_id, "grade")
            draft = drafts.finding_edited(finding_id, "grade", rnd.choice(GRADES).value, tablet.base(*key))
        else:
            key = ("finding", finding_id, "statement")
            draft = drafts.finding_edited(finding_id, "statement", f"text {rnd.random()}", tablet.base(*key))
        tablet.record(draft, key)
    else:
        meeting: tuple[str, ...] = ("meeting", "opening")
        tablet.record(drafts.meeting_note_recorded("opening", "notes", tablet.base(*meeting)), meeting)


def workload(total: int, seed: int = 19011) -> list[list[DomainEvent]]:
    """Per-device logs of `total` events in all, with periodic syncs between devices."""
    rnd = random.Random(seed)
    tablets = [_Tablet(i, rnd) for i in range(DEVICES)]
    tablets[0].record(drafts.audit_planned(_plan()))
    for _ in range(total - 1):
        tablet = rnd.choice(tablets)
        _step(tablet, rnd)
        if rnd.random() < 1 / 300:
            a, b = rnd.sample(tablets, 2)
            a.sync_with(b)
            b.sync_with(a)
    return [t.log for t in tablets]


def merge_and_project(logs: list[list[DomainEvent]]) -> AuditState:
    """What a device does on sync: union of the logs, projection with conflicts."""
    return Projector(AUDIT).add_all(merge_events(*logs)).state()


def baseline_fold(logs: list[list[DomainEvent]]) -> dict[tuple[str, ...], Any]:
    """The bare minimum: sort by HLC and fold a dict, last writer wins, nothing else."""
    ordered = sorted((e for log in logs for e in log), key=lambda e: e.hlc)
    values: dict[tuple[str, ...], Any] = {}
    for event in ordered:
        p = event.payload
        if "item_id" in p and "answer" in p and "base" in p:
            values["response", p["item_id"]] = p["answer"]
        elif "field" in p and "finding_id" in p:
            values["finding", p["finding_id"], p["field"]] = p["value"]
        elif "meeting" in p:
            values["meeting", p["meeting"]] = p["text"]
        elif "evidence_id" in p:
            values["evidence", p["evidence_id"]] = p
        elif "finding_id" in p:
            values["finding", p["finding_id"]] = p
    return values


def _best(fn: Any, repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def run(quick: bool) -> Report:
    """Merge 50,000 events from 5 devices (--quick: 10,000), against a sort-and-fold baseline."""
    total = 10_000 if quick else 50_000
    repeat = 3 if quick else 5
    logs = workload(total)
    count = sum(len(log) for log in logs)

    seconds, state = _best(lambda: merge_and_project(logs), repeat)
    _, merge_peak = peak_memory(lambda: merge_and_project(logs))
    base_seconds, _ = _best(lambda: baseline_fold(logs), repeat)
    _, base_peak = peak_memory(lambda: baseline_fold(logs))

    report = Report("domain")
    report.metrics = {
        "events": float(count),
        "events_per_s": round(count / seconds, 1),
        "merge_seconds": round(seconds, 4),
        "peak_memory_bytes": float(merge_peak),
    }
    report.baseline = {
        "events_per_s": round(count / base_seconds, 1),
        "merge_seconds": round(base_seconds, 4),
        "peak_memory_bytes": float(base_peak),
    }
    report.ratio("events_per_s", "events_per_s", "events_per_s")
    report.ratio("peak_memory_bytes", "peak_memory_bytes", "peak_memory_bytes")
    report.notes = {
        "devices": DEVICES,
        "conflicts": len(state.conflicts),
        "findings": len(state.findings),
        "evidence": len(state.evidence),
        "answered_items": len(state.responses),
        "baseline": "sort by HLC + plain dict last-writer-wins fold, no dedup, no conflicts",
    }
    return report
