"""The shared frame of every benchmark suite: timing, peak memory, the JSON report."""

from __future__ import annotations

import os
import platform
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Report:
    """What a suite measured: the project's figures, the baseline's, and project/baseline ratios."""

    suite: str
    metrics: dict[str, float] = field(default_factory=dict)
    baseline: dict[str, float] = field(default_factory=dict)
    ratios: dict[str, float] = field(default_factory=dict)
    notes: dict[str, Any] = field(default_factory=dict)

    def ratio(self, name: str, metric: str, base: str) -> None:
        """Record metrics[metric] / baseline[base] under ratios[name]."""
        denominator = self.baseline[base]
        self.ratios[name] = round(self.metrics[metric] / denominator, 3) if denominator else float("inf")

    def as_json(self) -> dict[str, Any]:
        """The object `python -m bench SUITE --json` prints."""
        out: dict[str, Any] = {
            "suite": self.suite,
            "metrics": self.metrics,
            "baseline": self.baseline,
            "ratios": self.ratios,
            "env": environment(),
        }
        if self.notes:
            out["notes"] = self.notes
        return out


def environment() -> dict[str, Any]:
    """Where the figures were measured."""
    return {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "system": platform.system(),
        "cpus": os.cpu_count(),
    }


def timed(fn: Callable[[], Any]) -> float:
    """Seconds one call takes."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def samples(fn: Callable[[], Any], repeat: int) -> list[float]:
    """Seconds of each of `repeat` calls."""
    return [timed(fn) for _ in range(repeat)]


def median(values: list[float]) -> float:
    """Median of the values."""
    return statistics.median(values)


def percentile(values: list[float], pct: float) -> float:
    """The pct-th percentile (nearest rank)."""
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def peak_memory(fn: Callable[[], Any]) -> tuple[Any, int]:
    """Result of fn and the peak bytes it allocated on the Python heap."""
    tracemalloc.start()
    try:
        result = fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak
