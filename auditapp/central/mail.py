"""Outgoing e-mail: users' addresses, a queue table, and a background sender that retries with backoff.

Requests only ever add rows to the queue (in their own transaction) and wake the sender; the SMTP
conversation happens on the sender's thread, so a slow or failing mail server never delays an answer
(ADR 0074). A failed send is retried after `retry_s`, doubling up to an hour, until `max_attempts`. Rows
are claimed with a conditional UPDATE, so several API workers never send one mail twice. The SMTP password
is never logged or stored in an error message.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from auditapp.central import trail
from auditapp.central.auth import now
from auditapp.central.database import Database
from auditapp.central.tables import Base
from auditapp.config import SmtpConfig

log = logging.getLogger("auditapp.central.mail")
MAX_BACKOFF = timedelta(hours=1)
CLAIM_FOR = timedelta(minutes=5)
"""A claimed mail whose sender vanished (crash) is claimable again after this."""
BATCH = 20
EMAIL_PATTERN = r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$"
"""A plausible address: something, one @, a domain with a dot; the mail server has the last word."""


class UserEmail(Base):
    """A user's e-mail address for reminders (optional; users without one see reminders in the app only)."""

    __tablename__ = "user_emails"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class QueuedMail(Base):
    """One message waiting to be sent, sent, or given up on; `dedupe_key` keeps a reminder from repeating."""

    __tablename__ = "mail_outbox"
    __table_args__ = (Index("ix_mail_outbox_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued, sending, sent, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


def set_email(session: Session, user_id: str, email: str | None) -> None:
    """Set or clear a user's address."""
    row = session.get(UserEmail, user_id)
    if not email:
        if row is not None:
            session.delete(row)
        return
    if row is None:
        session.add(UserEmail(user_id=user_id, email=email, updated_at=now()))
    else:
        row.email, row.updated_at = email, now()


def change_email(session: Session, user_id: str, email: str | None, actor: str) -> None:
    """Set or clear a user's address, recorded in the audit trail when it changes."""
    old = email_of(session, user_id)
    if old != (email or None):
        set_email(session, user_id, email)
        trail.record(session, actor, "user", user_id, "change_email", {"email": (old, email or None)})


def email_of(session: Session, user_id: str) -> str | None:
    """A user's address, if any."""
    row = session.get(UserEmail, user_id)
    return row.email if row else None


def scrub(text: str, config: SmtpConfig) -> str:
    """The text with the SMTP password blanked out, cut to 500 characters: safe to log and store."""
    if config.password:
        text = text.replace(config.password, "********")
    return text[:500]


def send_message(config: SmtpConfig, to_address: str, subject: str, body: str) -> None:
    """One SMTP conversation that delivers one message, or raises."""
    message = EmailMessage()
    message["From"] = config.sender
    message["To"] = to_address
    message["Subject"] = subject
    message.set_content(body)
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if config.tls == "ssl":
        client = smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout_s, context=context)
    else:
        client = smtplib.SMTP(config.host, config.port, timeout=config.timeout_s)
    with client:
        client.ehlo()
        if config.tls == "starttls":
            client.starttls(context=context)
            client.ehlo()
        if config.user:
            client.login(config.user, config.password)
        client.send_message(message)


def backoff(config: SmtpConfig, attempts: int) -> timedelta:
    """Wait before the next try after `attempts` failures: retry_s doubling, at most an hour."""
    wait = timedelta(seconds=config.retry_s * 2 ** max(0, attempts - 1))
    return min(wait, MAX_BACKOFF)


Sender = Callable[[SmtpConfig, str, str, str], None]


class MailWorker:
    """The background thread that sends queued mail and, every interval, queues reminders."""

    def __init__(
        self,
        db: Database,
        config: SmtpConfig,
        scan: Callable[[Session, datetime], int] | None = None,
        sender: Sender = send_message,
    ):
        self.db = db
        self.config = config
        self._scan = scan
        self._send = sender
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread (once)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="auditapp-mail", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the thread to finish its current send and end."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def wake(self) -> None:
        """Look at the queue now (after a request queued something); returns at once."""
        self._wake.set()

    def _run(self) -> None:
        next_scan = now()
        while not self._stop.is_set():
            try:
                if self._scan is not None and now() >= next_scan:
                    with self.db.transaction() as session:
                        self._scan(session, now())
                    next_scan = now() + timedelta(seconds=self.config.reminder_interval_s)
                self.drain()
            except Exception:  # the thread must outlive a database hiccup; the next round retries
                log.exception("mail round failed")
            self._wake.wait(timeout=min(self.config.retry_s, 30.0))
            self._wake.clear()

    def _claim(self, at: datetime) -> list[QueuedMail]:
        with self.db.transaction() as session:
            ready = or_(
                QueuedMail.status == "queued",
                (QueuedMail.status == "sending") & (QueuedMail.claimed_until < at),
            )
            ids = list(
                session.scalars(
                    select(QueuedMail.id)
                    .where(ready, QueuedMail.next_attempt_at <= at)
                    .order_by(QueuedMail.next_attempt_at, QueuedMail.id)
                    .limit(BATCH)
                )
            )
        claimed: list[QueuedMail] = []
        for mail_id in ids:
            with self.db.transaction() as session:
                won = session.execute(  # type: ignore[attr-defined]
                    update(QueuedMail)
                    .where(QueuedMail.id == mail_id, ready)
                    .values(status="sending", claimed_until=at + CLAIM_FOR)
                    .execution_options(synchronize_session=False)
                ).rowcount
                if won == 1:
                    row = session.get(QueuedMail, mail_id)
                    assert row is not None
                    claimed.append(row)
        return claimed

    def drain(self) -> int:
        """Send every mail that is due now; returns how many were sent."""
        sent = 0
        for mail in self._claim(now()):
            if self._stop.is_set():
                break
            error = ""
            try:
                self._send(self.config, mail.to_address, mail.subject, mail.body)
            except (OSError, smtplib.SMTPException) as exc:
                error = scrub(f"{type(exc).__name__}: {exc}", self.config)
                log.warning(
                    "mail %s to %s not sent (attempt %s): %s",
                    mail.id,
                    mail.to_address,
                    mail.attempts + 1,
                    error,
                )
            with self.db.transaction() as session:
                row = session.get(QueuedMail, mail.id)
                assert row is not None
                row.attempts += 1
                row.claimed_until = None
                if not error:
                    row.status, row.sent_at, row.last_error = "sent", now(), ""
                    sent += 1
                elif row.attempts >= self.config.max_attempts:
                    row.status, row.last_error = "failed", error
                else:
                    row.status, row.last_error = "queued", error
                    row.next_attempt_at = now() + backoff(self.config, row.attempts)
        return sent
