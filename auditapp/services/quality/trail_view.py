"""The audit trail of a record and the field tasks of a check, as lines a person reads."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from auditapp.services.quality import timefmt
from auditapp.services.quality.capa_views import ActionView, CheckView
from auditapp.services.quality.labels import RESULT_LABEL, label
from auditapp.services.quality.people import NOBODY, People, load_people
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
    concerns: str = ""
    """Which part of the record the change is to (an action, a check) when not the record itself."""

    @property
    def text(self) -> str:
        """The line as shown: "when · who · [which part:] what · changes"."""
        what = f"{self.concerns}: {self.action}" if self.concerns else self.action
        return f"{self.at} · {self.actor} · {what}" + (f" · {self.changes}" if self.changes else "")


@dataclass(frozen=True)
class TrailPart:
    """A record whose trail belongs with another's: its entity and id, and how a line names it."""

    entity: str
    entity_id: str
    concerns: str


def _short(value: object) -> str:
    """A recorded value in words: yes/no for a truth value, a list as its items, a record as its fields."""
    if value in (None, "", [], {}):
        text = "—"
    elif isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, (list, tuple)):
        text = ", ".join(_short(v) for v in value)
    elif isinstance(value, dict):
        text = ", ".join(f"{_field(k)} {_short(v)}" for k, v in value.items() if v not in (None, "", [], {}))
    else:
        text = str(value)
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


def _field(name: object) -> str:
    """A recorded field's name in words ("root_cause_result" reads "root cause result")."""
    return str(name).replace("_", " ")


def changes_text(changes: Mapping[str, object]) -> str:
    """ "field: old → new; …" for the fields that changed."""
    parts = []
    for name, pair in changes.items():
        old, new = pair if isinstance(pair, (list, tuple)) and len(pair) == 2 else (None, pair)
        if old != new and not (old in (None, "") and new in (None, "")):
            parts.append(f"{_field(name)}: {_short(old)} -> {_short(new)}")
    return "; ".join(parts)


def trail_lines(items: list[Json], concerns: str = "", people: People = NOBODY) -> list[TrailLine]:
    """Lines from the store's trail entries, oldest first (each saying what it `concerns`, if given), with
    who did it by printed name where `people` knows it."""
    return [
        TrailLine(
            int(item.get("seq") or 0),
            timefmt.local(item.get("at")),
            people.name(str(item.get("actor") or "")),
            str(item.get("action") or "").replace("_", " "),
            changes_text(dict(item.get("changes") or {})),
            concerns,
        )
        for item in sorted(items, key=lambda i: int(i.get("seq") or 0))
    ]


def load_trail(api: QualityApi, entity: str, entity_id: str) -> list[TrailLine]:
    """The trail of one record."""
    return trail_lines(api.trail(entity, entity_id), people=load_people(api))


def merged(parts: Iterable[list[TrailLine]]) -> list[TrailLine]:
    """Several trails as one, in the order they were written (the store numbers all entries in one
    sequence); an entry read twice is shown once."""
    seen: dict[int, TrailLine] = {}
    for lines in parts:
        for line in lines:
            seen.setdefault(line.seq, line)
    return [seen[seq] for seq in sorted(seen)]


def _quoted(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return f"“{flat if len(flat) <= limit else flat[: limit - 1] + '…'}”"


def capa_parts(actions: Iterable[ActionView], checks: Iterable[CheckView]) -> list[TrailPart]:
    """The records whose trails belong on a CAPA's: its actions, its effectiveness checks and their field
    tasks, each named by what it says (description, criterion, site) rather than by its id."""
    parts = [TrailPart("capa_action", a.action_id, f"Action {_quoted(a.description)}") for a in actions]
    for check in checks:
        name = f"Check {_quoted(check.criterion)}"
        parts.append(TrailPart("effectiveness_check", check.check_id, name))
        for task in check.tasks:
            if task.get("id"):
                where = task.get("site") or "the site"
                parts.append(
                    TrailPart("effectiveness_task", str(task["id"]), f"{name}, field task at {where}")
                )
    return parts


def load_capa_trail(
    api: QualityApi, capa_id: str, parts: Iterable[TrailPart], people: People | None = None
) -> list[TrailLine]:
    """A CAPA's trail with those of its actions and checks (see `capa_parts`), merged oldest first; a
    part's lines leave out the CAPA it belongs to (it is the one shown). Who did what is named through
    `people`, read from the store when the caller has not read it already."""
    people = people if people is not None else load_people(api)
    return merged(
        [
            trail_lines(api.trail("capa", capa_id), people=people),
            *(
                trail_lines([_without_capa(i) for i in api.trail(p.entity, p.entity_id)], p.concerns, people)
                for p in parts
            ),
        ]
    )


def _without_capa(item: Json) -> Json:
    changes = {k: v for k, v in dict(item.get("changes") or {}).items() if k != "capa_id"}
    return {**item, "changes": changes}


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
