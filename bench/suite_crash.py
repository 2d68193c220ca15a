"""Crash suite: SIGKILL the field store's writer at random moments, reopen, count what was lost."""

from __future__ import annotations

import tempfile
from pathlib import Path

from auditapp.store.crash_drill import DrillResult, run_drill
from bench.harness import Report, timed


def run(quick: bool) -> Report:
    """200 kill-and-reopen trials (20 with --quick) on one store folder that keeps growing."""
    trials = 20 if quick else 200
    report = Report(suite="crash")
    with tempfile.TemporaryDirectory() as tmp:
        holder: dict[str, DrillResult] = {}
        seconds = timed(lambda: holder.setdefault("r", run_drill(Path(tmp) / "store", trials, seed=4)))
        result = holder["r"]
    report.metrics.update(
        {
            "trials": result.trials,
            "acknowledged": result.acknowledged,
            "acknowledged_lost": result.acknowledged_lost,
            "unreadable_stores": result.unreadable_stores,
            "duplicates": result.duplicates,
            "outbox_errors": result.outbox_errors,
            "torn_tails_injected": result.torn_tails_injected,
            "torn_tails_dropped": result.torn_tails_dropped,
            "seconds": round(seconds, 1),
        }
    )
    report.target("acknowledged_lost", "==", 0)
    report.target("unreadable_stores", "==", 0)
    if not quick:
        report.target("trials", ">=", 200)
    if result.problems:
        report.notes["problems"] = result.problems[:20]
    return report
