"""Login throttling: failed sign-ins are counted per username and per network source, and a username or
source with too many recent failures is refused (429 `too_many_attempts`, with Retry-After) before the
password is even checked, so guessing gets a handful of tries per window (ADR 0071).

An attempt is counted before its password is checked (`claim`): under a lock on the username and the
source, the counts are read and, unless they refuse, a failure is written at once; a right password then
removes it (`clear`). So parallel guesses cannot all pass the check before any of them is counted: at most
the limit of passwords are checked per username and per source in a window. Sign-in commits the claim in a
transaction of its own before the (slow) password check, holding no other connection meanwhile, so failed
sign-ins never wait for a second pooled connection while holding one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, DateTime, Index, Integer, String, delete, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from auditapp.central import locks
from auditapp.central.errors import ApiError
from auditapp.central.tables import Base
from auditapp.config import env_float, env_int

KEEP = timedelta(days=1)
"""Failures older than this are pruned; the window is always shorter."""


class LoginFailure(Base):
    """One failed sign-in: the username tried (lower case) and the source address."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_username_at", "username", "at"),
        Index("ix_login_failures_source_at", "source", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(80))
    source: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True)
class ThrottleLimits:
    """How many failures in how long lock out a username or a source."""

    per_username: int = 5
    per_source: int = 20
    window: timedelta = timedelta(minutes=15)

    @classmethod
    def from_env(cls) -> ThrottleLimits:
        """From AUDITAPP_LOGIN_MAX_FAILURES, _MAX_FAILURES_SOURCE and _WINDOW_MINUTES (5, 20, 15)."""
        return cls(
            per_username=env_int("LOGIN_MAX_FAILURES", 5, 1),
            per_source=env_int("LOGIN_MAX_FAILURES_SOURCE", 20, 1),
            window=timedelta(minutes=env_float("LOGIN_WINDOW_MINUTES", 15, 0, above=True)),
        )


class TooManyAttempts(ApiError):
    """A refused sign-in because of recent failures; says when to try again."""

    def __init__(self, what: str, retry_after_s: int):
        super().__init__(
            429,
            "too_many_attempts",
            f"too many failed sign-ins for this {what}; try again in {retry_after_s} seconds",
        )
        self.retry_after_s = retry_after_s

    def as_json(self) -> dict[str, dict[str, str]]:
        """The error body, with the wait in seconds as text under `retry_after`."""
        body = super().as_json()
        body["error"]["retry_after"] = str(self.retry_after_s)
        return body


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def normalise(username: str) -> str:
    """The username as counted: trimmed, lower case, at most 80 characters."""
    return username.strip().lower()[:80]


def _retry_after(
    session: Session, matches: ColumnElement[bool], limit: int, now: datetime, window: timedelta
) -> int:
    """Seconds until fewer than `limit` failures remain in the window, or 0 when not locked."""
    since = now - window
    recent = (
        select(LoginFailure.at)
        .where(matches, LoginFailure.at >= since)
        .order_by(LoginFailure.at.desc())
        .limit(limit)
    ).subquery()
    count, oldest = session.execute(select(func.count(), func.min(recent.c.at))).one()
    if count < limit or oldest is None:
        return 0
    return max(1, math.ceil((_utc(oldest) + window - now).total_seconds()))


def check(session: Session, username: str, source: str, limits: ThrottleLimits, now: datetime) -> None:
    """Refuse (TooManyAttempts) a username or source that failed too often within the window."""
    by_name = LoginFailure.username == normalise(username)
    wait = _retry_after(session, by_name, limits.per_username, now, limits.window)
    if wait:
        raise TooManyAttempts("account", wait)
    by_source = LoginFailure.source == source[:100]
    wait = _retry_after(session, by_source, limits.per_source, now, limits.window)
    if wait:
        raise TooManyAttempts("network address", wait)


def record_failure(session: Session, username: str, source: str, now: datetime) -> int:
    """Count one failed sign-in, and prune failures too old to matter; the failure's id."""
    session.execute(delete(LoginFailure).where(LoginFailure.at < now - KEEP))
    failure = LoginFailure(username=normalise(username), source=source[:100], at=now)
    session.add(failure)
    session.flush()
    return failure.id


def claim(session: Session, username: str, source: str, limits: ThrottleLimits, now: datetime) -> int:
    """Before a password is checked: refuse (TooManyAttempts) as `check` does, else count the attempt as a
    failure until `clear` removes it; the failure's id. The username's and the source's counts stay locked
    until the session commits, so concurrent attempts are counted one after the other."""
    locks.named_locks(
        session, f"login_failures username {normalise(username)}", f"login_failures source {source[:100]}"
    )
    check(session, username, source, limits, now)
    return record_failure(session, username, source, now)


def clear(session: Session, username: str, up_to: int | None = None) -> None:
    """Forget a username's failures after it signed in with the right password: all of them, or those
    counted up to the attempt `up_to` (a claim's id; attempts still being checked keep counting)."""
    matches = LoginFailure.username == normalise(username)
    if up_to is not None:
        matches = matches & (LoginFailure.id <= up_to)
    session.execute(delete(LoginFailure).where(matches))
