"""The shared frame of every benchmark suite: timing, peak memory, the JSON report and its targets."""

from __future__ import annotations

import operator
import os
import platform
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

_COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
}


@dataclass(frozen=True)
class Target:
    """A bound a suite declares on one of its figures (`figure op bound`), which `--check` enforces."""

    op: str
    bound: float

    def __post_init__(self) -> None:
        if self.op not in _COMPARISONS:
            raise ValueError(f"target operator {self.op!r} is not one of {', '.join(_COMPARISONS)}")

    def met_by(self, value: float) -> bool:
        """Whether a measured value is within the target."""
        return _COMPARISONS[self.op](value, self.bound)

    def __str__(self) -> str:
        return f"{self.op} {self.bound:g}"


@dataclass(frozen=True)
class Miss:
    """A declared target the measured figure did not meet (measured is None when it was not measured)."""

    suite: str
    figure: str
    measured: float | None
    target: Target

    def __str__(self) -> str:
        measured = "not measured" if self.measured is None else f"measured {self.measured:g}"
        return f"{self.figure} {measured}, target {self.target}"


@dataclass
class Report:
    """What a suite measured: the project's figures, the baseline's, project/baseline ratios, and the
    targets the suite declares on them."""

    suite: str
    metrics: dict[str, float] = field(default_factory=dict)
    baseline: dict[str, float] = field(default_factory=dict)
    ratios: dict[str, float] = field(default_factory=dict)
    notes: dict[str, Any] = field(default_factory=dict)
    targets: dict[str, Target] = field(default_factory=dict)

    def ratio(self, name: str, metric: str, base: str) -> None:
        """Record metrics[metric] / baseline[base] under ratios[name]."""
        denominator = self.baseline[base]
        self.ratios[name] = round(self.metrics[metric] / denominator, 3) if denominator else float("inf")

    def target(self, figure: str, op: str, bound: float) -> None:
        """Declare a target on a figure (a key of metrics, ratios or baseline): `figure op bound`."""
        self.targets[figure] = Target(op, bound)

    def figure(self, name: str) -> float | None:
        """A measured figure by name, from metrics, ratios or baseline; None when not measured."""
        for section in (self.metrics, self.ratios, self.baseline):
            if name in section:
                return section[name]
        return None

    def missed(self) -> list[Miss]:
        """The declared targets the measured figures miss, a figure not measured counting as missed."""
        out = []
        for name, target in self.targets.items():
            value = self.figure(name)
            if value is None or not target.met_by(value):
                out.append(Miss(self.suite, name, value, target))
        return out

    def as_json(self) -> dict[str, Any]:
        """The object `python -m bench SUITE --json` prints (declared targets under notes.targets)."""
        out: dict[str, Any] = {
            "suite": self.suite,
            "metrics": self.metrics,
            "baseline": self.baseline,
            "ratios": self.ratios,
            "env": environment(),
        }
        notes = dict(self.notes)
        if self.targets:
            notes["targets"] = {name: str(target) for name, target in self.targets.items()}
        if notes:
            out["notes"] = notes
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
