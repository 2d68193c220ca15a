"""Triage decisions: what each needs from the quality manager, checked before anything is sent."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from auditapp.domain.capa import MIN_JUSTIFICATION
from auditapp.domain.errors import ValidationError
from auditapp.services.quality.labels import DECISION_LABEL
from auditapp.services.quality.port import Json, QualityApi


@dataclass(frozen=True)
class DecisionForm:
    """The fields one decision asks for, as (key, label, multiline)."""

    decision: str
    fields: tuple[tuple[str, str, bool], ...]
    explanation: str

    @property
    def label(self) -> str:
        """The decision in words."""
        return DECISION_LABEL[self.decision]


FORMS: dict[str, DecisionForm] = {
    "open_capa": DecisionForm(
        "open_capa",
        (
            ("title", "CAPA title", False),
            ("problem_statement", "Problem statement", True),
            ("owner", "Owner (username)", False),
        ),
        "Open a new CAPA with this finding as its source. The owner can be set later.",
    ),
    "link_capa": DecisionForm(
        "link_capa",
        (("capa_id", "CAPA id", False),),
        "Add this finding as a source of an existing, open CAPA.",
    ),
    "correction_only": DecisionForm(
        "correction_only",
        (("correction", "What was corrected", True),),
        "The instance was fixed and no cause needs removing: say what was corrected.",
    ),
    "no_action": DecisionForm(
        "no_action",
        (("justification", "Justification", True),),
        f"No action is needed: say why (at least {MIN_JUSTIFICATION} characters).",
    ),
    "duplicate": DecisionForm(
        "duplicate",
        (("duplicate_of", "Original finding", False),),
        "This finding repeats another one that is triaged on its own.",
    ),
    "rejected": DecisionForm(
        "rejected",
        (("justification", "Justification", True),),
        f"The finding is not valid: say why (at least {MIN_JUSTIFICATION} characters).",
    ),
}


@dataclass(frozen=True)
class TriageResult:
    """What the store did: the findings' new statuses and the CAPA they went to, if any."""

    statuses: dict[str, str]
    capa_id: str | None


def _need(values: Mapping[str, str], key: str, name: str) -> str:
    text = (values.get(key) or "").strip()
    if not text:
        raise ValidationError("this decision needs it", name)
    return text


def triage_body(decision: str, values: Mapping[str, str]) -> Json:
    """The body of a triage request; ValidationError names the first missing or too short field."""
    form = FORMS.get(decision)
    if form is None:
        raise ValidationError(f"choose one of: {', '.join(DECISION_LABEL.values())}", "Decision")
    names = {key: name for key, name, _ in form.fields}
    body: Json = {"decision": decision}
    if decision == "open_capa":
        capa: Json = {
            "title": _need(values, "title", names["title"]),
            "problem_statement": _need(values, "problem_statement", names["problem_statement"]),
        }
        owner = (values.get("owner") or "").strip()
        if owner:
            capa["owner"] = owner
        body["capa"] = capa
    elif decision in ("no_action", "rejected"):
        text = _need(values, "justification", names["justification"])
        if len(text) < MIN_JUSTIFICATION:
            raise ValidationError(f"give at least {MIN_JUSTIFICATION} characters", names["justification"])
        body["justification"] = text
    else:
        key = form.fields[0][0]
        body[key] = _need(values, key, names[key])
    return body


def _result(reply: Json) -> TriageResult:
    statuses = {str(f["id"]): str(f.get("status") or "") for f in reply.get("findings") or []}
    return TriageResult(statuses, reply.get("capa_id"))


def decide(api: QualityApi, finding_id: str, decision: str, values: Mapping[str, str]) -> TriageResult:
    """Triage one finding."""
    return _result(api.triage(finding_id, triage_body(decision, values)))


def mark_duplicates(api: QualityApi, original_id: str, finding_ids: Sequence[str]) -> TriageResult:
    """Mark several findings as duplicates of one original, in one request."""
    others = [f for f in finding_ids if f != original_id]
    if not original_id:
        raise ValidationError("choose which finding is the original", "Original")
    if not others:
        raise ValidationError("select at least one finding besides the original", "Selection")
    return _result(
        api.bulk_triage({"decision": "duplicate", "duplicate_of": original_id, "finding_ids": others})
    )


@dataclass(frozen=True)
class Candidate:
    """Something a finding can be linked to: an earlier finding (duplicate) or an open CAPA."""

    key: str
    text: str


def duplicate_candidates(
    api: QualityApi, finding_id: str, clause: str, page_size: int = 200
) -> list[Candidate]:
    """Every other finding on the same clause that is not a duplicate itself, newest first: the pages are
    followed to the end, so the original is offered however many findings on the clause came after it."""
    found: list[Candidate] = []
    cursor: str | None = None
    while True:
        page = api.findings({"clause": clause, "sort": "newest"}, cursor, page_size)
        found.extend(
            Candidate(
                str(f["id"]), f"{f.get('audit_title') or f.get('audit_id')} · {f.get('statement', '')}"[:140]
            )
            for f in page.items
            if f.get("id") != finding_id and f.get("status") != "duplicate"
        )
        if not page.next_cursor:
            return found
        cursor = page.next_cursor


def capa_candidates(api: QualityApi, page_size: int = 200) -> list[Candidate]:
    """Every open CAPA a finding can be linked to, newest first: the store filters out closed ones and
    the pages are followed to the end, so an old CAPA still open is offered however many came after."""
    found: list[Candidate] = []
    cursor: str | None = None
    while True:
        page = api.capas({"open_only": "true"}, cursor, page_size)
        found.extend(
            Candidate(str(c["id"]), f"{c.get('title', '')} ({c.get('stage', '')})")
            for c in page.items
            if c.get("stage") != "closed"
        )
        if not page.next_cursor:
            return found
        cursor = page.next_cursor
