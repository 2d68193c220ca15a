"""Reminders in the app and by e-mail: the caller's list, queueing mail now, and the sender's lifetime."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from typing import Any

from fastapi import APIRouter, BackgroundTasks, FastAPI, Request
from pydantic import BaseModel

from auditapp.central import reminders
from auditapp.central.auth import now
from auditapp.central.database import Database
from auditapp.central.deps import CapaManager, Db, Reader
from auditapp.central.mail import MailWorker
from auditapp.central.paging import Page, PageQuery, SortKey, keyset_page
from auditapp.config import SmtpConfig

router = APIRouter(tags=["reminders"])


class ReminderOut(BaseModel):
    """An action or effectiveness window of the caller's that is coming due or overdue."""

    kind: str
    item_id: str
    capa_id: str
    capa_title: str
    what: str
    due: date
    state: str


class MailQueued(BaseModel):
    """How many reminder mails were queued; they are sent in the background."""

    queued: int
    mail_enabled: bool


def _config(request: Request) -> SmtpConfig:
    config: SmtpConfig = request.app.state.smtp
    return config


@router.get("/api/reminders")
def my_reminders(request: Request, s: Db, caller: Reader, page: PageQuery) -> Page[ReminderOut]:
    """The caller's actions and effectiveness windows due within the coming days or overdue, soonest first."""
    today = now().date()
    due = reminders.due_items(today, _config(request).reminder_days)
    keys = [SortKey(due.c.due), SortKey(due.c.kind), SortKey(due.c.item_id)]

    def item(row: object) -> ReminderOut:
        reminder = reminders.from_row(row)
        return ReminderOut(
            kind=reminder.kind,
            item_id=reminder.item_id,
            capa_id=reminder.capa_id,
            capa_title=reminder.capa_title,
            what=reminder.what,
            due=reminder.due,
            state=reminder.state(today),
        )

    query = reminders.for_owner(due, caller.id)
    return keyset_page(s, query, keys, page, lambda r: (r.due, r.kind, r.item_id), item)


@router.post("/api/reminders/send", status_code=202)
def send_reminders(request: Request, s: Db, _caller: CapaManager, tasks: BackgroundTasks) -> MailQueued:
    """Queue reminder mails for everything coming due now, without waiting for the hourly round."""
    config = _config(request)
    if not config.enabled:
        return MailQueued(queued=0, mail_enabled=False)
    queued = reminders.queue_mail(s, now(), config.reminder_days)
    worker: MailWorker | None = request.app.state.mail_worker
    if worker is not None:
        tasks.add_task(worker.wake)  # after the reply, so after the commit: the sender sees the rows
    return MailQueued(queued=queued, mail_enabled=True)


def install(app: FastAPI, db: Database, config: SmtpConfig | None = None) -> None:
    """Serve the reminder routes and run the mail sender while the app runs (when SMTP is configured)."""
    config = config or SmtpConfig.from_env()
    app.state.smtp = config
    app.state.mail_worker = None
    app.include_router(router)
    if not config.enabled:
        return
    worker = MailWorker(
        db, config, scan=lambda session, at: reminders.queue_mail(session, at, config.reminder_days)
    )
    app.state.mail_worker = worker
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(running: FastAPI) -> AsyncIterator[Any]:
        worker.start()
        try:
            async with inner(running) as state:
                yield state
        finally:
            worker.stop()

    app.router.lifespan_context = lifespan
