"""Hybrid logical clock: timestamps that order events across devices whose wall clocks disagree."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

_TEXT = re.compile(r"^(\d{15})-(\d{6})-(.+)$")
MAX_COUNTER = 999_999


@dataclass(frozen=True, order=True)
class Timestamp:
    """A point on the hybrid logical clock; total order by (wall_ms, counter, node)."""

    wall_ms: int
    counter: int
    node: str

    def to_text(self) -> str:
        """Encode so that text order equals clock order (used as a sortable key in stores)."""
        return f"{self.wall_ms:015d}-{self.counter:06d}-{self.node}"

    @classmethod
    def from_text(cls, text: str) -> Timestamp:
        """Decode a timestamp written by `to_text`."""
        # Fast path for the fixed-width layout (merging parses one per edit); the regex decides the rest.
        node = text[23:]
        if (
            text[15:16] == "-"
            and text[22:23] == "-"
            and node
            and "\n" not in node
            and text[:15].isascii()
            and text[:15].isdigit()
            and text[16:22].isascii()
            and text[16:22].isdigit()
        ):
            return cls(int(text[:15]), int(text[16:22]), node)
        match = _TEXT.match(text)
        if match is None:
            raise ValueError(f"not a clock timestamp: {text!r}")
        return cls(int(match.group(1)), int(match.group(2)), match.group(3))


def wall_clock_ms() -> int:
    """Milliseconds since the epoch from the device's own clock."""
    return time.time_ns() // 1_000_000


class HybridClock:
    """Issues monotonic timestamps for one node, and absorbs timestamps seen from other nodes.

    The physical part never goes backwards even when the wall clock does, and a timestamp
    seen from another device pushes this clock past it, so causally later events sort later.
    """

    def __init__(self, node: str, wall: Callable[[], int] = wall_clock_ms, last: Timestamp | None = None):
        if not node:
            raise ValueError("a clock needs a node id")
        self.node = node
        self._wall = wall
        self._last = last or Timestamp(0, 0, node)

    @property
    def last(self) -> Timestamp:
        """The most recent timestamp issued or observed."""
        return self._last

    def now(self) -> Timestamp:
        """A timestamp later than every one this clock has issued or observed."""
        wall = self._wall()
        if wall > self._last.wall_ms:
            stamp = Timestamp(wall, 0, self.node)
        else:
            stamp = self._bump(self._last.wall_ms, self._last.counter)
        self._last = stamp
        return stamp

    def observe(self, remote: Timestamp) -> Timestamp:
        """Merge a timestamp received from another node; returns the clock's new time."""
        wall = self._wall()
        top = max(wall, self._last.wall_ms, remote.wall_ms)
        if top == self._last.wall_ms and top == remote.wall_ms:
            stamp = self._bump(top, max(self._last.counter, remote.counter))
        elif top == self._last.wall_ms:
            stamp = self._bump(top, self._last.counter)
        elif top == remote.wall_ms:
            stamp = self._bump(top, remote.counter)
        else:
            stamp = Timestamp(top, 0, self.node)
        self._last = stamp
        return stamp

    def _bump(self, wall_ms: int, counter: int) -> Timestamp:
        if counter >= MAX_COUNTER:
            # The counter is exhausted for this millisecond: borrow the next one.
            return Timestamp(wall_ms + 1, 0, self.node)
        return Timestamp(wall_ms, counter + 1, self.node)
