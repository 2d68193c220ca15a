"""Findings: the audit's conclusions on a requirement, graded, and backed by objective evidence."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from auditapp.domain.errors import ValidationError


class FindingGrade(StrEnum):
    """ISO/IEC 17021-1 major/minor nonconformity, plus observation, improvement and good practice."""

    MAJOR_NC = "major_nc"
    MINOR_NC = "minor_nc"
    OBSERVATION = "observation"
    OFI = "ofi"
    GOOD_PRACTICE = "good_practice"

    @property
    def is_nonconformity(self) -> bool:
        """Whether this grade needs a correction and corrective action."""
        return self in (FindingGrade.MAJOR_NC, FindingGrade.MINOR_NC)


# Finding fields that can be edited after raising; each is merged last-writer-wins on its own.
FINDING_FIELDS: tuple[str, ...] = ("item_id", "clause", "grade", "requirement", "statement", "n19_grade")


@dataclass(frozen=True)
class Finding:
    """A graded statement against a requirement with the ids of the evidence that supports it."""

    finding_id: str
    item_id: str | None
    clause: str
    grade: FindingGrade
    requirement: str
    statement: str
    evidence_ids: tuple[str, ...] = ()
    n19_grade: int | None = None

    def validate(self) -> Finding:
        """Raise ValidationError naming the first field that breaks a rule; return self."""
        if not self.clause.strip():
            raise ValidationError("a finding needs the clause of the requirement", "clause")
        if not self.statement.strip():
            raise ValidationError("a finding needs a statement of what was found", "statement")
        if self.grade.is_nonconformity and not self.requirement.strip():
            raise ValidationError("a nonconformity must quote the requirement it breaks", "requirement")
        if self.n19_grade is not None and not 1 <= self.n19_grade <= 5:
            raise ValidationError(f"an N19 grade is 1 to 5, not {self.n19_grade}", "n19_grade")
        return self

    def fields(self) -> dict[str, Any]:
        """The editable fields as JSON values (the registers the merge keeps per field)."""
        return {
            "item_id": self.item_id,
            "clause": self.clause,
            "grade": self.grade.value,
            "requirement": self.requirement,
            "statement": self.statement,
            "n19_grade": self.n19_grade,
        }


def parse_grade(value: object, field: str = "grade") -> FindingGrade:
    """The FindingGrade named by value; anything else is a ValidationError listing the grades."""
    try:
        return FindingGrade(str(value))
    except ValueError:
        allowed = ", ".join(g.value for g in FindingGrade)
        raise ValidationError(f"{value!r} is not a finding grade (one of {allowed})", field) from None


def finding_from_fields(finding_id: str, values: Mapping[str, Any], evidence_ids: tuple[str, ...]) -> Finding:
    """A Finding from the current value of each field register (not validated: merged values may clash)."""
    n19 = values.get("n19_grade")
    try:
        grade = FindingGrade(str(values.get("grade")))
    except ValueError:
        grade = FindingGrade.OBSERVATION
    return Finding(
        finding_id=finding_id,
        item_id=values.get("item_id"),
        clause=str(values.get("clause") or ""),
        grade=grade,
        requirement=str(values.get("requirement") or ""),
        statement=str(values.get("statement") or ""),
        evidence_ids=evidence_ids,
        n19_grade=int(n19) if isinstance(n19, int) else None,
    )
