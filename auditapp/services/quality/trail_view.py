"""The audit trail of a record and the field tasks of a check, as lines a person reads."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from auditapp.services.quality import timefmt
from auditapp.services.quality.labels import RESULT_LABEL, label
from auditapp.services.quality.port import Json, QualityApi

MAX_VALUE = 80


@dataclass(frozen=True)
class TrailLine:
    """One change: when (local time), who, what, and the changed fields as "field: old -> new"."""

    seq: int
    at: str
    actor: str
    action: str
    changes: str


def _short(value: object) -> str:
    text = "—" if value in (None, "") else str(value)
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


def changes_text(changes: Mapping[str, object]) -> str:
    """ "field: old → new; …" for the fields that changed."""
    parts = []
    for name, pair in changes.items():
        old, new = pair if isinstance(pair, (list, tuple)) and len(pair) == 2 else (None, pair)
        if old != new:
            parts.append(f"{name}: {_short(old)} -> {_short(new)}")
    return "; ".join(parts)


def trail_lines(items: list[Json]) -> list[TrailLine]:
    """Lines from the store's trail entries, oldest first."""
    return [
        TrailLine(
            int(item.get("seq") or 0),
            timefmt.local(item.get("at")),
            str(item.get("actor") or ""),
            str(item.get("action") or "").replace("_", " "),
            changes_text(dict(item.get("changes") or {})),
        )
        for item in sorted(items, key=lambda i: int(i.get("seq") or 0))
    ]


def load_trail(api: QualityApi, entity: str, entity_id: str) -> list[TrailLine]:
    """The trail of one record."""
    return trail_lines(api.trail(entity, entity_id))


def task_line(task: Mapping[str, object]) -> str:
    """A field re-verification task in words: where, how many tablets, and the result from the field."""
    site = task.get("site") or "the site"
    devices = task.get("device_count") or 0
    result = task.get("result")
    if not result:
        return f"Field task at {site}: sent to {devices} tablet(s), waiting for an auditor's result"
    evidence = task.get("result_evidence_ids") or []
    count = len(evidence) if isinstance(evidence, list) else 0
    comment = f" · “{task.get('result_comment')}”" if task.get("result_comment") else ""
    return f"Field task at {site}: {label(RESULT_LABEL, result)}{comment} · {count} piece(s) of evidence"
