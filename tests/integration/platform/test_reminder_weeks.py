"""Reminder mail over the calendar: once when an item comes due, then once per ISO week while overdue."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from auditapp.central.capa_tables import CapaActionRow
from auditapp.central.database import Database
from auditapp.central.mail import QueuedMail
from auditapp.central.reminders import queue_mail
from auditapp.central.service import create_user
from tests.integration.platform.capa_rows import action_row, capa_row

DUE = date(2026, 3, 4)  # a Wednesday in ISO week 2026-W10
DAYS = 7


def _queue_on(database: Database, day: date) -> int:
    """Run the reminder round as if today were `day`; returns how many mails it queued."""
    with database.transaction() as s:
        return queue_mail(s, datetime(day.year, day.month, day.day, 9, tzinfo=UTC), DAYS)


def _subjects(database: Database) -> list[str]:
    with database.transaction() as s:
        return [m.subject for m in s.scalars(select(QueuedMail).order_by(QueuedMail.created_at))]


@pytest.mark.req("PLT-013")
def test_an_overdue_action_is_mailed_again_once_in_each_new_iso_week(database: Database) -> None:
    owner = create_user(
        database, "olive", "owner-password-1", "capa_owner", "Olive Owner", email="o@example.test"
    )
    with database.transaction() as s:
        capa = capa_row(owner, "action", 10, title="Gowning practice")
        s.add(capa)
        s.flush()
        action = action_row(capa, owner, "in_progress", DUE, what="Retrain night shift")
        s.add(action)
        action_id = action.id

    assert _queue_on(database, date(2026, 3, 3)) == 1  # coming due
    assert _queue_on(database, date(2026, 3, 4)) == 0  # due today: still the same "coming due" mail
    assert _queue_on(database, date(2026, 3, 5)) == 1  # overdue, first mail of week 10
    assert _queue_on(database, date(2026, 3, 8)) == 0  # Sunday, still week 10
    assert _queue_on(database, date(2026, 3, 9)) == 1  # Monday of week 11: one more
    assert _queue_on(database, date(2026, 3, 9)) == 0  # a second round the same day adds nothing
    assert _queue_on(database, date(2026, 3, 15)) == 0  # Sunday, still week 11
    assert _queue_on(database, date(2026, 3, 16)) == 1  # week 12

    subjects = _subjects(database)
    assert len(subjects) == 4
    assert subjects[0].startswith("[auditapp] Coming due: CAPA action on CAPA 'Gowning practice'")
    assert all(
        s.startswith("[auditapp] Overdue: CAPA action on CAPA 'Gowning practice' was due")
        for s in subjects[1:]
    )

    with database.transaction() as s:  # done: no more reminders
        row = s.get(CapaActionRow, action_id)
        assert row is not None
        row.status = "implemented"
    assert _queue_on(database, date(2026, 3, 23)) == 0
    assert len(_subjects(database)) == 4
