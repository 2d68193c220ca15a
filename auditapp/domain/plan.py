"""The audit plan: the ISO 19011 fields that say why, where, against what and by whom an audit is run."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from auditapp.domain.errors import ValidationError

# A plan date is written YYYY-MM-DD and nothing else: Python's `date.fromisoformat` also reads
# "20261102" and "2026-W45-1", which a tablet's form would otherwise store as a day nobody typed.
ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class AuditType(StrEnum):
    """Why the audit is run: first, second party, or a rehearsal of a certification stage."""

    INTERNAL = "internal"
    SUPPLIER = "supplier"
    STAGE1_MOCK = "stage1_mock"
    STAGE2_MOCK = "stage2_mock"


@dataclass(frozen=True)
class ChecklistRef:
    """A checklist pinned into an audit by version and content hash, so the criteria cannot drift."""

    checklist_id: str
    version: str
    content_hash: str

    def to_dict(self) -> dict[str, str]:
        """JSON form used in event payloads."""
        return {"checklist_id": self.checklist_id, "version": self.version, "content_hash": self.content_hash}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str = "criteria") -> ChecklistRef:
        """Rebuild from `to_dict`; a missing part is a ValidationError naming `where`."""
        if not isinstance(data, Mapping):
            raise ValidationError(
                "must be a checklist reference (checklist_id, version, content_hash)", where
            )
        parts = [data.get(key) for key in ("checklist_id", "version", "content_hash")]
        if not all(isinstance(p, str) and p.strip() for p in parts):
            raise ValidationError("a checklist reference needs checklist_id, version and content_hash", where)
        return cls(str(parts[0]), str(parts[1]), str(parts[2]))


@dataclass(frozen=True)
class Auditee:
    """A person interviewed or responsible in the audited area, with the role they hold."""

    name: str
    role: str

    def to_dict(self) -> dict[str, str]:
        """JSON form used in event payloads."""
        return {"name": self.name, "role": self.role}


# Plan fields an auditor may edit one at a time after planning (each is merged last-writer-wins).
PLAN_FIELDS: tuple[str, ...] = (
    "title",
    "organisation",
    "site",
    "audit_type",
    "objectives",
    "scope",
    "criteria",
    "start_date",
    "end_date",
    "lead_auditor",
    "team",
    "auditees",
)


@dataclass(frozen=True)
class AuditPlan:
    """What ISO 19011 asks an audit plan to state; validated as a whole by `validate`."""

    title: str
    organisation: str
    site: str
    audit_type: AuditType
    objectives: str
    scope: str
    criteria: tuple[ChecklistRef, ...]
    start_date: dt.date
    end_date: dt.date
    lead_auditor: str
    team: tuple[str, ...] = ()
    auditees: tuple[Auditee, ...] = field(default_factory=tuple)

    def validate(self) -> AuditPlan:
        """Raise ValidationError naming the first field that breaks a planning rule; return self."""
        for name in ("title", "organisation", "site", "objectives", "scope", "lead_auditor"):
            if not str(getattr(self, name)).strip():
                raise ValidationError(f"the audit plan needs a {name.replace('_', ' ')}", name)
        if not self.criteria:
            raise ValidationError("the audit plan needs at least one checklist as audit criteria", "criteria")
        ids = [ref.checklist_id for ref in self.criteria]
        if len(set(ids)) != len(ids):
            raise ValidationError("a checklist is listed twice in the audit criteria", "criteria")
        if self.end_date < self.start_date:
            raise ValidationError(
                f"the audit ends ({self.end_date.isoformat()}) before it starts "
                f"({self.start_date.isoformat()})",
                "end_date",
            )
        if any(not name.strip() for name in self.team):
            raise ValidationError("a team member's name is empty", "team")
        for auditee in self.auditees:
            if not auditee.name.strip():
                raise ValidationError("an auditee's name is empty", "auditees")
        return self

    def to_dict(self) -> dict[str, Any]:
        """JSON form used in event payloads (dates as ISO text)."""
        return {name: encode_plan_field(name, getattr(self, name)) for name in PLAN_FIELDS}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AuditPlan:
        """Rebuild and validate a plan from `to_dict`; a bad value is a ValidationError naming its field."""
        values = {name: decode_plan_field(name, data.get(name)) for name in PLAN_FIELDS}
        return cls(**values).validate()

    def with_field(self, name: str, value: Any) -> AuditPlan:
        """A copy with one field replaced by its decoded JSON value, validated as a whole."""
        if name not in PLAN_FIELDS:
            raise ValidationError(f"unknown plan field {name!r}", "field")
        return replace(self, **{name: decode_plan_field(name, value)}).validate()


def encode_plan_field(name: str, value: Any) -> Any:
    """The JSON value of one plan field."""
    if name in ("start_date", "end_date"):
        return value.isoformat()
    if name == "criteria":
        return [ref.to_dict() for ref in value]
    if name == "team":
        return list(value)
    if name == "auditees":
        return [a.to_dict() for a in value]
    if name == "audit_type":
        return str(AuditType(value).value)
    return value


def decode_plan_field(name: str, value: Any) -> Any:
    """The typed value of one plan field from JSON; a wrong shape is a ValidationError naming the field."""
    if name in ("start_date", "end_date"):
        return _date(value, name)
    if name == "audit_type":
        try:
            return AuditType(value)
        except ValueError:
            allowed = ", ".join(t.value for t in AuditType)
            raise ValidationError(f"{value!r} is not an audit type (one of {allowed})", name) from None
    if name == "criteria":
        if not isinstance(value, list | tuple):
            raise ValidationError("must be a list of checklist references", name)
        return tuple(v if isinstance(v, ChecklistRef) else ChecklistRef.from_dict(v, name) for v in value)
    if name == "team":
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise ValidationError("must be a list of names", name)
        return tuple(value)
    if name == "auditees":
        return _auditees(value)
    if not isinstance(value, str):
        raise ValidationError("must be text", name)
    return value


def _date(value: Any, name: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise ValidationError("must be a date (YYYY-MM-DD)", name)
    try:
        if not ISO_DAY.fullmatch(value):
            raise ValueError(value)
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"{value!r} is not a date (YYYY-MM-DD)", name) from None


def _auditees(value: Any) -> tuple[Auditee, ...]:
    if not isinstance(value, list | tuple):
        raise ValidationError("must be a list of auditees (name and role)", "auditees")
    out: list[Auditee] = []
    for entry in value:
        if isinstance(entry, Auditee):
            out.append(entry)
            continue
        if not isinstance(entry, Mapping) or not isinstance(entry.get("name"), str):
            raise ValidationError("each auditee needs a name and a role", "auditees")
        out.append(Auditee(str(entry["name"]), str(entry.get("role") or "")))
    return tuple(out)
