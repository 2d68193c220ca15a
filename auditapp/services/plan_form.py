"""The audit plan form: raw text from the screen checked field by field, then the audit planned or edited.

Every problem is reported at once, keyed by field, so the screen shows each message next to its field
and keeps everything typed; only a form without problems becomes an `AuditPlanned` event.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from auditapp.domain import drafts
from auditapp.domain.errors import ValidationError
from auditapp.domain.payloads import REFUSED_AT_CAPTURE, describe_character
from auditapp.domain.plan import ISO_DAY, AuditPlan, AuditType, ChecklistRef
from auditapp.domain.state import AuditState
from auditapp.services.context import CaptureContext
from auditapp.services.field_views import CompetingValue
from auditapp.services.planning import edit_plan, pin_criteria, plan_audit

AUDIT_TYPES: tuple[tuple[str, str], ...] = (
    ("internal", "Internal"),
    ("supplier", "Supplier"),
    ("stage1_mock", "Stage 1 mock"),
    ("stage2_mock", "Stage 2 mock"),
)
# The days a plan may name. The app's checklists are for ISO 13485:2016, EU MDR and FDA QMSR, so an audit
# dated before 2000 is a typo of the year (0001, 1926), not an old paper audit being typed in. Audit
# programmes are planned a few years ahead (a certification cycle is three years), so a day more than ten
# years ahead is a typo too (2062 for 2026). Both bounds apply to what is typed on the form, never to plans
# already stored or received from other devices.
EARLIEST_PLAN_DAY = dt.date(2000, 1, 1)
MAX_YEARS_AHEAD = 10
ENDS_BEFORE_START = "the audit cannot end before it starts"
REQUIRED_TEXT = ("title", "organisation", "site", "objectives", "scope", "lead_auditor")
FORM_FIELDS = (
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


class PlanFormError(ValidationError):
    """The plan form has problems; `errors` maps each field to what is wrong with it."""

    def __init__(self, errors: Mapping[str, str]):
        self.errors = dict(errors)
        names = ", ".join(name.replace("_", " ") for name in self.errors)
        super().__init__(f"the audit plan is not complete: check {names}")


@dataclass(frozen=True)
class PlanForm:
    """The plan form as typed: criteria as comma-separated checklist ids, team and auditees one per line.

    `pinned` is read-only: the (checklist id, version) of each criterion of a stored plan, so the screen
    can name the ones this device does not hold.
    """

    title: str = ""
    organisation: str = ""
    site: str = ""
    audit_type: str = "internal"
    objectives: str = ""
    scope: str = ""
    criteria: str = ""
    start_date: str = ""
    end_date: str = ""
    lead_auditor: str = ""
    team: str = ""
    auditees: str = ""
    pinned: tuple[tuple[str, str], ...] = dataclasses.field(default=(), init=False, compare=False)

    @classmethod
    def from_values(cls, values: Mapping[str, str], today: dt.date | None = None) -> PlanForm:
        """A form from saved draft values; dates default to today."""
        day = (today or dt.date.today()).isoformat()
        defaults = {"start_date": day, "end_date": day}
        return cls(**{name: str(values.get(name, defaults.get(name, ""))) for name in FORM_FIELDS})

    @classmethod
    def of_plan(cls, plan: AuditPlan) -> PlanForm:
        """The form showing an existing plan."""
        form = cls(
            title=plan.title,
            organisation=plan.organisation,
            site=plan.site,
            audit_type=plan.audit_type.value,
            objectives=plan.objectives,
            scope=plan.scope,
            criteria=", ".join(ref.checklist_id for ref in plan.criteria),
            start_date=plan.start_date.isoformat(),
            end_date=plan.end_date.isoformat(),
            lead_auditor=plan.lead_auditor,
            team="\n".join(plan.team),
            auditees="\n".join(f"{a.name}, {a.role}" if a.role else a.name for a in plan.auditees),
        )
        # Not typed on the form, so not an argument of it (forms are built from dicts of typed text).
        object.__setattr__(form, "pinned", tuple((ref.checklist_id, ref.version) for ref in plan.criteria))
        return form

    @property
    def checklist_ids(self) -> list[str]:
        """The chosen checklists, in order, without repeats."""
        return list(dict.fromkeys(c.strip() for c in self.criteria.split(",") if c.strip()))

    def not_held(self, held: Collection[str]) -> list[tuple[str, str]]:
        """The stored criteria whose checklist is not on this device: (id, pinned version), in order."""
        return [(checklist_id, version) for checklist_id, version in self.pinned if checklist_id not in held]


def parse_team(text: str) -> list[str]:
    """Team members, one per line or separated by commas."""
    return [name.strip() for line in text.splitlines() for name in line.split(",") if name.strip()]


def parse_auditees(text: str) -> list[dict[str, str]]:
    """Auditees, one per line as 'name, role'."""
    out: list[dict[str, str]] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        name, _, role = line.partition(",")
        out.append({"name": name.strip(), "role": role.strip()})
    return out


def latest_plan_day(today: dt.date) -> dt.date:
    """The last day a plan may name: MAX_YEARS_AHEAD years after today (28 February for 29 February)."""
    year = today.year + MAX_YEARS_AHEAD
    try:
        return today.replace(year=year)
    except ValueError:
        return today.replace(year=year, day=28)


def _check_day(text: str, today: dt.date) -> dt.date | str:
    """The day typed, or what is wrong with it."""
    if not ISO_DAY.fullmatch(text):
        return "enter a date as YYYY-MM-DD, e.g. 2026-03-02"
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:  # the right shape, but no such day (2026-02-30, 2026-13-45)
        return f"{text} is not a day in the calendar: check the month and the day"
    if day < EARLIEST_PLAN_DAY:
        return f"{text} is before {EARLIEST_PLAN_DAY.year}: check the year"
    latest = latest_plan_day(today)
    if day > latest:
        return (
            f"{text} is more than {MAX_YEARS_AHEAD} years ahead (after {latest.isoformat()}): check the year"
        )
    return day


def check_plan_form(
    form: PlanForm, checklists: Collection[str], today: dt.date | None = None
) -> dict[str, str]:
    """Every problem of the form, by field (empty when the form can be planned); `today` defaults to now."""
    errors: dict[str, str] = {}
    for name in REQUIRED_TEXT:
        if not str(getattr(form, name)).strip():
            errors[name] = f"enter the {name.replace('_', ' ')}"
    if form.audit_type not in {value for value, _ in AUDIT_TYPES}:
        errors["audit_type"] = "choose internal, supplier, Stage 1 mock or Stage 2 mock"
    ids = form.checklist_ids
    unknown = [c for c in ids if c not in checklists]
    if not ids:
        errors["criteria"] = "choose at least one checklist as the audit criteria"
    elif unknown:
        errors["criteria"] = f"checklist {unknown[0]!r} is not on this device"
    dates: dict[str, dt.date] = {}
    for name in ("start_date", "end_date"):
        day = _check_day(getattr(form, name).strip(), today or dt.date.today())
        if isinstance(day, str):
            errors[name] = day
        else:
            dates[name] = day
    if len(dates) == 2 and dates["end_date"] < dates["start_date"]:
        errors["end_date"] = ENDS_BEFORE_START
    if any(not a["name"] for a in parse_auditees(form.auditees)):
        errors["auditees"] = "each line needs a name first: 'name, role'"
    for item in dataclasses.fields(form):
        typed = getattr(form, item.name)
        found = REFUSED_AT_CAPTURE.search(typed) if isinstance(typed, str) else None
        if found and item.name not in errors:  # under its field, at its place in what was typed (FLD-113)
            char = found.group()
            errors[item.name] = (
                f"contains U+{ord(char):04X} ({describe_character(char)}) at position {found.start() + 1}"
            )
    return errors


def create_audit(
    ctx: CaptureContext, form: PlanForm, checklists: Collection[str], today: dt.date | None = None
) -> str:
    """Plan the audit the form describes; PlanFormError lists every problem and nothing is stored."""
    errors = check_plan_form(form, checklists, today)
    if errors:
        raise PlanFormError(errors)
    return plan_audit(
        ctx,
        title=form.title.strip(),
        organisation=form.organisation.strip(),
        site=form.site.strip(),
        audit_type=AuditType(form.audit_type),
        objectives=form.objectives.strip(),
        scope=form.scope.strip(),
        criteria=form.checklist_ids,
        start_date=form.start_date.strip(),
        end_date=form.end_date.strip(),
        lead_auditor=form.lead_auditor.strip(),
        team=parse_team(form.team),
        auditees=parse_auditees(form.auditees),
    )


def edit_plan_field(
    ctx: CaptureContext,
    audit_id: str,
    name: str,
    text: str,
    checklists: Collection[str],
    today: dt.date | None = None,
) -> AuditState:
    """Save one field of an existing plan as typed (autosave on blur); a bad value is refused, by field."""
    state = ctx.open_for_capture(audit_id)
    assert state.plan is not None
    criteria: list[ChecklistRef | str] = []
    if name == "criteria":
        # The screen offers only the checklists held here: the others stay as stored (FLD-120).
        criteria = criteria_after(state.plan.criteria, PlanForm(criteria=text).checklist_ids, checklists)
        text = ", ".join(c if isinstance(c, str) else c.checklist_id for c in criteria)
        kept_elsewhere = {c.checklist_id for c in criteria if isinstance(c, ChecklistRef)}
        checklists = {*checklists, *kept_elsewhere}
    typed: dict[str, Any] = {name: text}
    form = dataclasses.replace(PlanForm.of_plan(state.plan), **typed)
    problems = check_plan_form(form, checklists, today)
    # A new start after the stored end is this field's problem; the stored end's own (a day outside the
    # window, in a plan made before the window was checked) is not, and must not block this edit.
    if name in problems or (name == "start_date" and problems.get("end_date") == ENDS_BEFORE_START):
        raise PlanFormError({name: problems.get(name) or problems["end_date"]})
    value: Any
    if name == "team":
        value = parse_team(text)
    elif name == "auditees":
        value = parse_auditees(text)
    elif name == "criteria":
        return _edit_criteria(ctx, audit_id, state, criteria)
    else:
        value = text.strip()
    return edit_plan(ctx, audit_id, **{name: value})


def criteria_after(
    stored: Sequence[ChecklistRef], chosen: Sequence[str], held: Collection[str]
) -> list[ChecklistRef | str]:
    """The plan's criteria after a choice among the checklists held on this device.

    Stored criteria stay in their order with the version they were pinned with; a checklist this device
    does not hold cannot be chosen on it, so it is kept whatever `chosen` says; a held one not chosen is
    dropped; newly chosen ids follow, in the order given.
    """
    wanted = set(chosen)
    kept = [ref for ref in stored if ref.checklist_id not in held or ref.checklist_id in wanted]
    present = {ref.checklist_id for ref in kept}
    return [*kept, *(c for c in chosen if c not in present)]


def _edit_criteria(
    ctx: CaptureContext, audit_id: str, state: AuditState, criteria: Sequence[ChecklistRef | str]
) -> AuditState:
    """Record the criteria: only new checklists are pinned (planning.edit_plan would look up every stored
    one in this device's catalog and refuse those it does not hold)."""
    assert state.plan is not None
    new = iter(pin_criteria(ctx, [c for c in criteria if isinstance(c, str)]))
    refs = tuple(c if isinstance(c, ChecklistRef) else next(new) for c in criteria)
    if refs == state.plan.criteria and state.conflict_on("plan", "criteria") is None:
        return state  # unchanged; saved all the same when in conflict, which settles it (SYN-207)
    plan = state.plan.with_field("criteria", refs)
    ctx.record(audit_id, [drafts.plan_edited("criteria", plan.criteria, state.version("plan", "criteria"))])
    return ctx.state(audit_id)


def plan_conflicts(state: AuditState) -> dict[str, tuple[CompetingValue, ...]]:
    """Plan fields edited differently on tablets that had not seen each other's edit: per form field, each
    value as the form shows it, the one shown first (saving the field again settles it)."""
    out: dict[str, tuple[CompetingValue, ...]] = {}
    if state.plan is None:
        return out
    for conflict in state.conflicts:
        if len(conflict.key) != 2 or conflict.key[0] != "plan" or conflict.key[1] not in FORM_FIELDS:
            continue
        name = conflict.key[1]
        out[name] = tuple(
            CompetingValue(_form_text(state.plan, name, v.value), v.device_id) for v in conflict.values
        )
    return out


def _form_text(plan: AuditPlan, name: str, value: Any) -> str:
    """One plan field's stored value as the form shows it (the value itself when it does not decode)."""
    try:
        text = str(getattr(PlanForm.of_plan(plan.with_field(name, value)), name))
    except (ValidationError, TypeError, ValueError):
        text = str(value)
    return dict(AUDIT_TYPES).get(text, text) if name == "audit_type" else text
