"""Plain words for the codes both apps show: finding grades, finding statuses and CAPA stages."""

from __future__ import annotations

GRADE_LABEL = {
    "major_nc": "Major nonconformity",
    "minor_nc": "Minor nonconformity",
    "observation": "Observation",
    "ofi": "Opportunity for improvement",
    "good_practice": "Good practice",
}
STATUS_LABEL = {
    "new": "New",
    "capa": "In a CAPA",
    "corrected": "Corrected",
    "no_action": "No action",
    "duplicate": "Duplicate",
    "rejected": "Rejected",
    "closed": "Closed",
}
"""Finding statuses, as triage leaves them."""
STAGE_LABEL = {
    "open": "Open",
    "investigation": "Investigation",
    "action": "Action",
    "verification": "Verification",
    "effectiveness": "Effectiveness",
    "reopened": "Reopened",
    "closed": "Closed",
}
"""CAPA stages, in lifecycle order."""


def label(table: dict[str, str], code: object) -> str:
    """The label of a code, or the code itself when it is new to this version of the app."""
    text = str(code or "")
    return table.get(text, text.replace("_", " "))


def finding_state(status: str, capa_stage: str | None = None) -> str:
    """Where a finding stands: its triage status, and its CAPA's stage when it has one."""
    state = label(STATUS_LABEL, status)
    return f"{state}, CAPA stage {label(STAGE_LABEL, capa_stage)}" if capa_stage else state


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """'1 finding', '3 findings': a count with its noun in the right number."""
    return f"{number} {noun if number == 1 else plural or noun + 's'}"
