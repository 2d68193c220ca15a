"""Times from the store (ISO 8601, UTC) as people read them: local time, dates, ages in days."""

from __future__ import annotations

import datetime as dt


def parse(value: object) -> dt.datetime | None:
    """A timezone-aware datetime from an ISO 8601 string (naive ones are UTC); None when absent or bad."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def parse_date(value: object) -> dt.date | None:
    """A date from "YYYY-MM-DD" (or the date part of a timestamp); None when absent or bad."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def local(value: object) -> str:
    """ "YYYY-MM-DD HH:MM" in this computer's time zone, or "" when there is no time."""
    moment = parse(value)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M") if moment else ""


def utc(value: object) -> str:
    """ "YYYY-MM-DD HH:MM:SS UTC", or "" when there is no time."""
    moment = parse(value)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if moment else ""


def age_days(value: object, now: dt.datetime) -> int | None:
    """Whole days since the time (0 for today), or None."""
    moment = parse(value)
    return max(0, (now - moment).days) if moment else None


def age_text(days: int | None) -> str:
    """ "today", "1 day", "12 days"."""
    if days is None:
        return ""
    if days == 0:
        return "today"
    return "1 day" if days == 1 else f"{days} days"
