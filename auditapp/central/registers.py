"""Per-field registers kept in a row as JSON, merged exactly as the devices merge (ADR 0010).

A read-table row (an audit, a finding) keeps every write to each of its fields: clock time, event id,
base, value and device. The shown value of a field is the domain merge's winner over that field's
writes, so a late-arriving older edit of one field never overwrites a newer edit of another field, and
concurrent edits of one field stay visible as a conflict. The result depends only on the set of writes.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from auditapp.domain.clock import Timestamp
from auditapp.domain.events import DomainEvent
from auditapp.domain.merge import Resolved, Write, effective_base, resolve


class FieldRegisters:
    """The writes to each field of one row, loaded from and saved to its `registers` JSON column."""

    def __init__(self, text: str | None = None) -> None:
        self._writes: dict[str, dict[str, Write]] = {}
        for name, rows in json.loads(text or "{}").items():
            for hlc, event_id, base, value, device_id in rows:
                base_ts = Timestamp.from_text(base) if base else None
                self._writes.setdefault(name, {})[event_id] = Write(
                    Timestamp.from_text(hlc), event_id, base_ts, value, device_id
                )

    def __bool__(self) -> bool:
        return bool(self._writes)

    def add(self, name: str, event: DomainEvent, value: Any, base: Any = None) -> None:
        """Record one write to a field (a repeat of the same event id changes nothing)."""
        try:
            base_ts = Timestamp.from_text(str(base)) if base else None
        except ValueError:
            base_ts = None  # an unreadable base saw nothing, as in the domain projection
        write = Write(event.hlc, event.event_id, effective_base(event.hlc, base_ts), value, event.device_id)
        self._writes.setdefault(name, {}).setdefault(event.event_id, write)

    def seed(self, name: str, hlc: str, value: Any) -> None:
        """A write standing for a value projected before registers existed (older rows)."""
        if name not in self._writes and hlc:
            stamp = Timestamp.from_text(hlc)
            self._writes[name] = {"seed": Write(stamp, "seed", None, value, "")}

    def resolved(self, name: str) -> Resolved | None:
        """The merge of one field's writes, or None when nothing was ever written to it."""
        writes = self._writes.get(name)
        return resolve(writes.values()) if writes else None

    def value(self, name: str, default: Any = None) -> Any:
        """The shown value of a field (the latest head), or default."""
        result = self.resolved(name)
        return default if result is None else result.value

    def conflicts(self) -> list[str]:
        """Fields whose edits were concurrent (more than one head), sorted."""
        return sorted(name for name in self._writes if len(_heads(self, name)) > 1)

    def heads(self, name: str) -> list[dict[str, Any]]:
        """The competing values of a field, latest first: value, clock time, device and event."""
        return [
            {"value": w.value, "hlc": w.hlc.to_text(), "device_id": w.device_id, "event_id": w.event_id}
            for w in _heads(self, name)
        ]

    def latest(self) -> str:
        """Clock time of the latest write to any field (the row's `hlc`)."""
        stamps = [w.hlc for writes in self._writes.values() for w in writes.values()]
        return max(stamps).to_text() if stamps else ""

    def to_text(self) -> str:
        """The JSON column value, in a stable order."""
        out = {
            name: [
                [w.hlc.to_text(), w.event_id, w.base.to_text() if w.base else None, w.value, w.device_id]
                for w in sorted(writes.values(), key=lambda w: (w.hlc, w.event_id))
            ]
            for name, writes in sorted(self._writes.items())
        }
        return json.dumps(out, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _heads(registers: FieldRegisters, name: str) -> tuple[Write, ...]:
    result = registers.resolved(name)
    return result.heads if result else ()


@lru_cache(maxsize=1)
def _item_processes() -> dict[str, str]:
    from checklists.library import by_process, load_library

    processes: dict[str, str] = {}
    try:
        for checklist in load_library():
            for process, items in by_process(checklist).items():
                for item in items:
                    processes.setdefault(item.id, process)
    except Exception:  # a broken library file must not stop ingest; the process then stays empty
        return {}
    return processes


def process_of(item_id: str | None) -> str:
    """The MDSAP process of a library checklist item, or '' when the item is not known here."""
    if not item_id:
        return ""
    return _item_processes().get(item_id, "")
