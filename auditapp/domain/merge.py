"""Deterministic merge of several devices' events: union of facts, last writer wins per field, conflicts kept.

Rules (ADR 0010):
- The merged history is the union of all events, deduplicated by event id; its order is (hlc, event id),
  so merging is commutative, associative and idempotent by construction.
- Every editable field (a plan field, a meeting's notes, an item's answer, each field of a finding) is a
  *register*: the set of writes to it. Each write carries `base`, the clock time of the value its editor
  saw (None when the field was empty). A write x has *seen* a write w when x.base >= w.hlc.
- The *heads* of a register are the writes no other write has seen. The shown value is the head with
  the latest clock time (last writer wins). More than one head means edits were concurrent: all heads
  are kept and surfaced as a conflict, none is dropped. An edit whose base is at or after every head
  has seen them all, so it becomes the only head and the conflict clears.
- Notes and evidence are append-only: they are facts with their own ids, merged by union.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from auditapp.domain.clock import Timestamp
from auditapp.domain.events import DomainEvent

FieldKey = tuple[str, ...]


class Write(NamedTuple):
    """One value written to one field register (a tuple: merging makes one per edit, so it must be cheap)."""

    hlc: Timestamp
    event_id: str
    base: Timestamp | None
    value: Any
    device_id: str = ""
    meta: Any = None


@dataclass(frozen=True)
class ConflictValue:
    """One of the competing values of a field, with who wrote it and when."""

    value: Any
    hlc: str
    device_id: str
    event_id: str


@dataclass(frozen=True)
class Conflict:
    """A field edited concurrently on several devices: every competing value, latest (shown) first."""

    key: FieldKey
    values: tuple[ConflictValue, ...]

    @property
    def label(self) -> str:
        """The field as a path, e.g. `finding/F-1/grade` or `response/I-7/answer`."""
        return "/".join(self.key)


@dataclass(frozen=True)
class Resolved:
    """The outcome of a register: the value shown, the clock time the next edit must cite, the conflict."""

    winner: Write
    heads: tuple[Write, ...]

    @property
    def value(self) -> Any:
        """The shown value (the latest head)."""
        return self.winner.value

    @property
    def version(self) -> str:
        """What an editor who saw this state puts in `base`: the latest head's clock time."""
        return self.winner.hlc.to_text()

    def conflict(self, key: FieldKey) -> Conflict | None:
        """The conflict on this register, or None when one head remains."""
        if len(self.heads) < 2:
            return None
        values = tuple(ConflictValue(w.value, w.hlc.to_text(), w.device_id, w.event_id) for w in self.heads)
        return Conflict(key, values)


def effective_base(hlc: Timestamp, base: Timestamp | None) -> Timestamp | None:
    """The base a write is judged by: a base at or after the write's own time is malformed and ignored."""
    if base is None or base >= hlc:
        return None
    return base


def resolve(writes: Iterable[Write]) -> Resolved:
    """The heads and winner of one register; depends only on the set of writes, never on their order."""
    unique = {w.event_id: w for w in writes}
    if not unique:
        raise ValueError("a register with no writes has no value")
    seen_up_to = max((w.base for w in unique.values() if w.base is not None), default=None)
    heads = sorted(
        (w for w in unique.values() if seen_up_to is None or w.hlc > seen_up_to),
        key=_write_order,
        reverse=True,
    )
    return Resolved(winner=heads[0], heads=tuple(heads))


def merge_events(*logs: Iterable[DomainEvent]) -> list[DomainEvent]:
    """The union of several event logs, deduplicated by event id, in (hlc, event id) order.

    Two different events under one id cannot both be true; the one with the smaller digest is kept so
    every device makes the same choice (the central store rejects such a clash on push).
    """
    by_id: dict[str, DomainEvent] = {}
    for log in logs:
        for event in log:
            known = by_id.get(event.event_id)
            if known is None or (known != event and event.digest() < known.digest()):
                by_id[event.event_id] = event
    return sorted(by_id.values(), key=event_order)


def event_order(event: DomainEvent) -> tuple[int, int, str, str]:
    """Sort key of the merged history: clock time, then event id (plain tuples sort fast)."""
    return (event.hlc.wall_ms, event.hlc.counter, event.hlc.node, event.event_id)


def _write_order(write: Write) -> tuple[int, int, str, str]:
    return (write.hlc.wall_ms, write.hlc.counter, write.hlc.node, write.event_id)
