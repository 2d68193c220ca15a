"""Recording work on a CAPA: each section's form checked and sent, planning checks, signing closure.

Every function takes what the user typed as text and returns the CAPA as the store now holds it; a form
that is incomplete raises ValidationError naming the field, before anything is sent. A new action due on
a date already past comes back as a question instead (`PastDueDate`), until the user confirms that date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from auditapp.domain.capa import MIN_JUSTIFICATION
from auditapp.domain.errors import ValidationError
from auditapp.services.quality.capa_views import CapaView, capa_view
from auditapp.services.quality.labels import ACTION_KIND_LABEL, ACTION_STATUS_LABEL, METHOD_LABEL
from auditapp.services.quality.port import Json, QualityApi

ROOT_CAUSE_METHODS = ("five_whys", "fishbone", "other")
CHECK_METHODS = ("field_reverification", "record_review", "metric")
MEANING = "approved closure"

VERIFICATION_ANSWERS = {"unaffected": "not adversely affected", "affected": "adversely affected"}
"""The two answers to each 8.5.2 e question; the form preselects neither."""
VERIFICATION_QUESTIONS = {
    "compliance_unaffected": "Regulatory compliance",
    "safety_performance_unaffected": "Device safety and performance",
}
"""The 8.5.2 e questions by the key of the store's answer (true: not adversely affected)."""


def _text(values: Mapping[str, str], key: str, name: str, required: bool = True) -> str:
    text = (values.get(key) or "").strip()
    if required and not text:
        raise ValidationError("fill it in", name)
    return text


def _date(value: str, name: str, required: bool = True) -> str | None:
    text = value.strip()
    if not text:
        if required:
            raise ValidationError("enter a date as YYYY-MM-DD", name)
        return None
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise ValidationError(f"{text!r} is not a date: write it as YYYY-MM-DD", name) from None


def _choice(value: str, allowed: tuple[str, ...], table: dict[str, str], name: str) -> str:
    if value not in allowed:
        raise ValidationError(f"choose one of: {', '.join(table.get(a, a) for a in allowed)}", name)
    return value


def _justification(values: Mapping[str, str], name: str) -> str:
    text = _text(values, "justification", name)
    if len(text) < MIN_JUSTIFICATION:
        raise ValidationError(f"give at least {MIN_JUSTIFICATION} characters", name)
    return text


def section_body(section: str, values: Mapping[str, str]) -> Json:
    """The body of PUT /api/capas/{id}/{section}; ValidationError names the field to fix."""
    if section == "problem":
        return {
            "title": _text(values, "title", "Title"),
            "problem_statement": _text(values, "problem_statement", "Problem statement"),
        }
    if section == "containment":
        body = {
            "containment": _text(values, "containment", "Containment", False),
            "correction": _text(values, "correction", "Correction", False),
        }
        if not (body["containment"] or body["correction"]):
            raise ValidationError("say what was contained or corrected", "Containment")
        return body
    if section == "root-cause":
        return {
            "method": _choice(values.get("method") or "", ROOT_CAUSE_METHODS, METHOD_LABEL, "Method"),
            "result": _text(values, "result", "Root cause"),
        }
    if section == "verification":
        return verification_body(values)
    if section == "document-update":
        return {"justification": _justification(values, "Why no document changes")}
    if section == "communication":
        return {"justification": _justification(values, "Why no training or communication is needed")}
    raise ValidationError(f"unknown section {section!r}", "section")


def verification_answer(unaffected: object) -> str | None:
    """The form's answer for a recorded one (True: "unaffected", False: "affected"; else none chosen)."""
    if unaffected is True:
        return "unaffected"
    if unaffected is False:
        return "affected"
    return None


def verification_body(values: Mapping[str, str]) -> Json:
    """8.5.2 e: each question answered by an explicit choice, never by a box left unticked.

    An unanswered question is refused, naming it, before anything is sent.
    """
    comment = _text(values, "comment", "How this was verified")
    unanswered = [
        name for key, name in VERIFICATION_QUESTIONS.items() if values.get(key) not in VERIFICATION_ANSWERS
    ]
    if unanswered:
        choices = " or ".join(f"“{a}”" for a in VERIFICATION_ANSWERS.values())
        each = " for each" if len(unanswered) > 1 else ""
        raise ValidationError(f"not answered: choose {choices}{each}", ", ".join(unanswered))
    body: Json = {key: values.get(key) == "unaffected" for key in VERIFICATION_QUESTIONS}
    body["comment"] = comment
    return body


def record_section(api: QualityApi, capa_id: str, section: str, values: Mapping[str, str]) -> CapaView:
    """Record one section of the CAPA."""
    return capa_view(api.update_capa(capa_id, section, section_body(section, values)))


def action_body(values: Mapping[str, str]) -> Json:
    """The body of a new action; ValidationError names the field to fix."""
    body: Json = {
        "kind": _choice(values.get("kind") or "", tuple(ACTION_KIND_LABEL), ACTION_KIND_LABEL, "Kind"),
        "description": _text(values, "description", "What will be done"),
    }
    owner = _text(values, "owner", "Owner", False)
    if owner:
        body["owner"] = owner
    due = _date(values.get("due_date") or "", "Due date", False)
    if due:
        body["due_date"] = due
    return body


@dataclass(frozen=True)
class PastDueDate:
    """A new action's due date is already past: nothing was sent, and the user either confirms that date
    or changes it. What the form holds stays as typed."""

    due: str

    @property
    def message(self) -> str:
        """The warning, naming the date."""
        return f"The due date {self.due} is already past; save anyway?"

    @property
    def confirm_label(self) -> str:
        """The button that confirms this very date."""
        return f"Save with due date {self.due}"


def past_due(body: Json, today: dt.date) -> PastDueDate | None:
    """The warning for an action body whose due date is before today (today itself is not past)."""
    due = str(body.get("due_date") or "")
    if due and dt.date.fromisoformat(due) < today:
        return PastDueDate(due)
    return None


def add_action(
    api: QualityApi,
    capa_id: str,
    values: Mapping[str, str],
    confirmed_due: str = "",
    today: dt.date | None = None,
) -> CapaView | PastDueDate:
    """Plan an action; one due already past is sent only when `confirmed_due` is that date, else the
    warning comes back and nothing is sent. The rest of the form is checked first, so the warning is
    the last thing standing between the user and the save."""
    body = action_body(values)
    warning = past_due(body, today or dt.date.today())
    if warning is not None and warning.due != confirmed_due:
        return warning
    return capa_view(api.add_action(capa_id, body))


def progress_body(values: Mapping[str, str]) -> Json:
    """The body of an action update (status and evidence of implementation)."""
    status = _choice(values.get("status") or "", tuple(ACTION_STATUS_LABEL), ACTION_STATUS_LABEL, "Status")
    body: Json = {"status": status}
    for key in ("evidence", "document_id", "document_revision", "communication_record", "cancel_reason"):
        if key in values:
            body[key] = (values.get(key) or "").strip()
    if status == "implemented" and not body.get("evidence"):
        raise ValidationError("say what shows the action was implemented", "Evidence of implementation")
    if bool(body.get("document_id")) != bool(body.get("document_revision")):
        name = "New revision" if body.get("document_id") else "Changed document"
        raise ValidationError("a changed document needs both its id and its new revision", name)
    if status == "cancelled" and len(str(body.get("cancel_reason") or "")) < MIN_JUSTIFICATION:
        raise ValidationError(f"say why, in at least {MIN_JUSTIFICATION} characters", "Why cancelled")
    return body


def update_action(api: QualityApi, capa_id: str, action_id: str, values: Mapping[str, str]) -> CapaView:
    """Record progress or evidence on an action."""
    return capa_view(api.update_action(capa_id, action_id, progress_body(values)))


def refilled(typed: Mapping[str, str], shown: Mapping[str, str], stored: Mapping[str, str]) -> dict[str, str]:
    """What a section's form holds once the CAPA was read again: a field the user has not touched since
    it was last filled (`shown`) takes the store's value now, a field the user changed keeps the text.

    So reopening or reloading a CAPA never leaves an earlier copy in its forms, and never throws away
    what someone is typing."""
    out: dict[str, str] = {}
    for key, value in stored.items():
        mine = typed.get(key, "")
        untouched = key not in shown or mine.strip() == shown[key].strip()
        out[key] = value if untouched else mine
    return out


def check_body(values: Mapping[str, str]) -> Json:
    """The body of a new effectiveness check."""
    start = _date(values.get("window_start") or "", "Window opens")
    end = _date(values.get("window_end") or "", "Window closes")
    if start and end and end < start:
        raise ValidationError(f"the window closes ({end}) before it opens ({start})", "Window closes")
    return {
        "criterion": _text(values, "criterion", "Criterion"),
        "method": _choice(values.get("method") or "", CHECK_METHODS, METHOD_LABEL, "Method"),
        "window_start": start,
        "window_end": end,
    }


def plan_check(api: QualityApi, capa_id: str, values: Mapping[str, str]) -> CapaView:
    """Plan an effectiveness check."""
    return capa_view(api.plan_check(capa_id, check_body(values)))


def result_body(values: Mapping[str, str]) -> Json:
    """The body of a desk result (record review, metric)."""
    result = values.get("result") or ""
    if result not in ("passed", "failed"):
        raise ValidationError("choose passed or failed", "Result")
    comment = _text(values, "comment", "What the review showed")
    evidence = [line.strip() for line in (values.get("evidence") or "").splitlines() if line.strip()]
    return {"result": result, "comment": comment, "evidence": evidence}


def record_result(api: QualityApi, capa_id: str, check_id: str, values: Mapping[str, str]) -> CapaView:
    """Record the result of a desk check."""
    return capa_view(api.record_effectiveness(capa_id, check_id, result_body(values)))


def assign(api: QualityApi, capa_id: str, owner: str) -> CapaView:
    """Give the CAPA an owner."""
    if not owner.strip():
        raise ValidationError("enter the owner's username", "Owner")
    return capa_view(api.assign(capa_id, owner.strip()))


def reopen(api: QualityApi, capa_id: str, reason: str) -> CapaView:
    """Reopen a CAPA by hand: a new round starts."""
    if len(reason.strip()) < MIN_JUSTIFICATION:
        raise ValidationError(f"say why, in at least {MIN_JUSTIFICATION} characters", "Reason")
    return capa_view(api.reopen(capa_id, reason.strip()))


def signer_clock(now: dt.datetime | None = None) -> tuple[str, str]:
    """(this computer's UTC offset as +HH:MM, its local time as YYYY-MM-DD HH:MM:SS) for the signature."""
    local = (now or dt.datetime.now(dt.UTC)).astimezone()
    offset = local.strftime("%z") or "+0000"
    return f"{offset[:3]}:{offset[3:]}", local.strftime("%Y-%m-%d %H:%M:%S")


def sign_closure(
    api: QualityApi, capa_id: str, password: str, reviewed_sha256: str = "", now: dt.datetime | None = None
) -> CapaView:
    """Close the CAPA with the signer's re-entered password, bound to the content they reviewed.

    The store refuses while gates are missing (ClosureRefused lists them) or when the CAPA changed since.
    """
    if not password:
        raise ValidationError("re-enter your password to sign", "Password")
    zone, local = signer_clock(now)
    return capa_view(api.sign_closure(capa_id, password, MEANING, zone, local, reviewed_sha256))
