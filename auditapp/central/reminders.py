"""Reminders: CAPA actions and effectiveness windows that are coming due or overdue, for their owners.

An action reminds its owner when it is planned or in progress and its due date is within the coming days
(AUDITAPP_REMINDER_DAYS, 7) or past. An effectiveness check reminds the CAPA's owner when it is still
pending in the CAPA's current round and its window ends within those days or has ended (a check of an
earlier round, superseded when the CAPA was reopened, can never be decided and reminds nobody). Closed
CAPAs remind nobody. The same list is shown in the app (GET /api/reminders) and mailed: once when
something comes due, then once a week while it is overdue (the queue's dedupe key holds the state, date
and week).
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, String, and_, cast, func, literal, select, union_all
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from auditapp.central.capa_tables import CapaActionRow, CapaRow, EffectivenessCheckRow
from auditapp.central.mail import QueuedMail, UserEmail
from auditapp.central.tables import User

log = logging.getLogger("auditapp.central.reminders")
OPEN_ACTION_STATUSES = ("planned", "in_progress")
KIND_ACTION = "action"
KIND_EFFECTIVENESS = "effectiveness_window"


@dataclass(frozen=True)
class Reminder:
    """Something an owner should do soon, or should have done."""

    kind: str
    item_id: str
    capa_id: str
    capa_title: str
    what: str
    due: date
    owner_id: str

    def state(self, today: date) -> str:
        """`overdue` once the due date has passed, else `due`."""
        return "overdue" if self.due < today else "due"


def current_pending_check() -> ColumnElement[bool]:
    """A check waiting for its result in its CAPA's current round (the query joins CapaRow); one of an
    earlier round was superseded by a reopening and can never be decided, so nothing is due on it."""
    return and_(EffectivenessCheckRow.result == "pending", EffectivenessCheckRow.round == CapaRow.round)


def capa_due_dates(session: Session, capa_ids: Collection[str]) -> dict[str, date]:
    """When each CAPA is next due: the earliest due date of its planned or in-progress actions, else the
    end of the window of its pending current-round check; CAPAs with neither are left out.

    The one rule behind the CAPA log's due date and overdue mark, the field's prior findings and these
    reminders, matching the dashboard's overdue actions (actions implemented or cancelled are not due).
    """
    if not capa_ids:
        return {}
    actions = (
        select(CapaActionRow.capa_id, func.min(CapaActionRow.due_date))
        .where(
            CapaActionRow.capa_id.in_(capa_ids),
            CapaActionRow.status.in_(OPEN_ACTION_STATUSES),
            CapaActionRow.due_date.is_not(None),
        )
        .group_by(CapaActionRow.capa_id)
    )
    out: dict[str, date] = {str(capa_id): due for capa_id, due in session.execute(actions) if due}
    rest = [capa_id for capa_id in capa_ids if capa_id not in out]
    if rest:
        checks = (
            select(EffectivenessCheckRow.capa_id, func.min(EffectivenessCheckRow.window_end))
            .join(CapaRow, CapaRow.id == EffectivenessCheckRow.capa_id)
            .where(EffectivenessCheckRow.capa_id.in_(rest), current_pending_check())
            .group_by(EffectivenessCheckRow.capa_id)
        )
        out.update({str(capa_id): end for capa_id, end in session.execute(checks) if end})
    return out


def due_items(today: date, days: int) -> Any:
    """A subquery of every reminder on the store: kind, item_id, capa_id, capa_title, what, due, owner_id."""
    horizon = today + timedelta(days=days)
    actions = (
        select(
            cast(literal(KIND_ACTION), String(30)).label("kind"),
            CapaActionRow.id.label("item_id"),
            CapaRow.id.label("capa_id"),
            CapaRow.title.label("capa_title"),
            CapaActionRow.description.label("what"),
            CapaActionRow.due_date.label("due"),
            CapaActionRow.owner_id.label("owner_id"),
        )
        .join(CapaRow, CapaRow.id == CapaActionRow.capa_id)
        .where(
            CapaActionRow.status.in_(OPEN_ACTION_STATUSES),
            CapaActionRow.due_date.is_not(None),
            CapaActionRow.due_date <= horizon,
            CapaRow.stage != "closed",
        )
    )
    checks = (
        select(
            cast(literal(KIND_EFFECTIVENESS), String(30)).label("kind"),
            EffectivenessCheckRow.id.label("item_id"),
            CapaRow.id.label("capa_id"),
            CapaRow.title.label("capa_title"),
            EffectivenessCheckRow.criterion.label("what"),
            EffectivenessCheckRow.window_end.label("due"),
            CapaRow.owner_id.label("owner_id"),
        )
        .join(CapaRow, CapaRow.id == EffectivenessCheckRow.capa_id)
        .where(
            current_pending_check(),
            EffectivenessCheckRow.window_end <= horizon,
            CapaRow.stage != "closed",
        )
    )
    return union_all(actions, checks).subquery("reminders")


def for_owner(reminders: Any, owner_id: str) -> Select[Any]:
    """The reminders of one user."""
    return select(reminders).where(reminders.c.owner_id == owner_id)


def from_row(row: Any) -> Reminder:
    """A reminder from a row of `due_items`."""
    due = row.due if isinstance(row.due, date) else date.fromisoformat(str(row.due)[:10])
    return Reminder(row.kind, row.item_id, row.capa_id, row.capa_title, row.what, due, row.owner_id)


def dedupe_key(reminder: Reminder, today: date) -> str:
    """One mail when it comes due, then one per ISO week while overdue; a new due date starts again."""
    key = f"{reminder.kind}:{reminder.item_id}:{reminder.state(today)}:{reminder.due.isoformat()}"
    if reminder.state(today) == "overdue":
        year, week, _ = today.isocalendar()
        key += f":{year}-W{week:02d}"
    return key


def message(reminder: Reminder, today: date, display_name: str) -> tuple[str, str]:
    """Subject and body of the reminder mail."""
    if reminder.kind == KIND_ACTION:
        thing = "CAPA action"
        when = "was due" if reminder.state(today) == "overdue" else "is due"
    else:
        thing = "effectiveness check window"
        when = "ended" if reminder.state(today) == "overdue" else "ends"
    label = "Overdue" if reminder.state(today) == "overdue" else "Coming due"
    subject = f"[auditapp] {label}: {thing} on CAPA {reminder.capa_title!r} {when} {reminder.due.isoformat()}"
    body = (
        f"Hello {display_name},\n\n"
        f"The {thing} below {when} on {reminder.due.isoformat()}.\n\n"
        f"CAPA: {reminder.capa_title} ({reminder.capa_id})\n"
        f"{'Action' if reminder.kind == KIND_ACTION else 'Criterion'}: {reminder.what}\n\n"
        "Open the quality app to record what was done.\n"
    )
    return subject[:300], body


def queue_mail(session: Session, at: datetime, days: int) -> int:
    """Queue a mail for every reminder whose owner has an address and was not told yet; returns how many.

    Reminders of owners without an address are only shown in the app; how many there are is logged
    (a count, no names or addresses), so a store where nobody gets mail is not silent about it.
    """
    today = at.date()
    reminders = due_items(today, days)
    rows = session.execute(
        select(reminders, UserEmail.email, User.display_name)
        .outerjoin(UserEmail, UserEmail.user_id == reminders.c.owner_id)
        .join(User, and_(User.id == reminders.c.owner_id, User.active.is_(True)))
    ).all()
    unmailed = [row for row in rows if not row.email]
    if unmailed:
        log.info(
            "%d reminders not mailed: %d owners have no e-mail address (they see them in the app only)",
            len(unmailed),
            len({row.owner_id for row in unmailed}),
        )
    values = []
    for row in rows:
        if not row.email:
            continue
        reminder = from_row(row)
        subject, body = message(reminder, today, row.display_name)
        values.append(
            {
                "dedupe_key": dedupe_key(reminder, today),
                "to_address": row.email,
                "subject": subject,
                "body": body,
                "status": "queued",
                "attempts": 0,
                "next_attempt_at": at,
                "last_error": "",
                "created_at": at,
            }
        )
    if not values:
        return 0
    # ON CONFLICT DO NOTHING: several API workers may queue the same reminder at once; one row wins.
    make = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = make(QueuedMail).values(values).on_conflict_do_nothing(index_elements=["dedupe_key"])
    # Count the rows RETURNING gives: psycopg reports no rowcount (-1) for this statement.
    return len(session.execute(statement.returning(QueuedMail.id)).all())
