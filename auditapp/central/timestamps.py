"""Times the API returns: always the UTC instant with its offset, whichever database the value came from.

SQLite gives back the UTC times the store wrote without their time zone, and PostgreSQL gives them in the
connection's zone, so a reply built straight from a row would say `...T21:24:06` on one read and
`...T21:24:06Z` on another. Every reply model declares its times as `UtcDateTime`, which reads a naive
value as UTC (the store only ever writes UTC) and converts an aware one to UTC, so JSON always carries `Z`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator


def as_utc(value: datetime) -> datetime:
    """The same instant in UTC; a naive value is taken as UTC, as the store writes only UTC times."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC)


UtcDateTime = Annotated[datetime, AfterValidator(as_utc)]
"""A reply's date and time: serialised as ISO 8601 in UTC with `Z`, on SQLite and PostgreSQL alike."""
