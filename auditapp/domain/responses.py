"""Responses: the auditor's verdict on one checklist item."""

from __future__ import annotations

from enum import StrEnum

from auditapp.domain.errors import ValidationError


class Answer(StrEnum):
    """What the auditor concluded for an item, from the evidence seen."""

    CONFORMING = "conforming"
    NONCONFORMING = "nonconforming"
    OBSERVATION = "observation"
    NOT_APPLICABLE = "not_applicable"
    NOT_AUDITED = "not_audited"


def parse_answer(value: object, field: str = "answer") -> Answer:
    """The Answer named by value; anything else is a ValidationError listing the allowed answers."""
    try:
        return Answer(str(value))
    except ValueError:
        allowed = ", ".join(a.value for a in Answer)
        raise ValidationError(f"{value!r} is not an answer (one of {allowed})", field) from None
