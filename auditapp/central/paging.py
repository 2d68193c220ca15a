"""Cursor paging for list endpoints: keyset pages over indexed sort keys, never OFFSET (ADR 0072).

A route takes `PageQuery` (query `limit` 1..200, default 50, and `cursor`), builds its filtered SELECT,
and calls `keyset_page` with the sort columns (the last one unique, usually the id). The cursor is the last
row's sort key, base64url JSON, opaque to clients; a cursor that does not decode, or does not fit the
sort, is refused as 422 `invalid_cursor`. Sort keys must not be NULL.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, and_, or_, tuple_
from sqlalchemy.orm import QueryableAttribute, Session

from auditapp.central.errors import ApiError

T = TypeVar("T")
DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_CURSOR = 1000
Key = str | int | float | datetime | date
WRONG_CURSOR = "cursor: not a cursor of this list and sort; start again without a cursor"


class Page(BaseModel, Generic[T]):
    """One page of a list: its items and the cursor of the next page (null on the last page)."""

    items: list[T]
    next_cursor: str | None = None


@dataclass(frozen=True)
class PageParams:
    """The validated `limit` and `cursor` of a request."""

    limit: int = DEFAULT_LIMIT
    cursor: str | None = None


def _params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="items per page (1-200)")] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None, Query(max_length=MAX_CURSOR, description="next_cursor of the previous page")
    ] = None,
) -> PageParams:
    return PageParams(limit=limit, cursor=cursor or None)


PageQuery = Annotated[PageParams, Depends(_params)]
"""The `limit` and `cursor` query parameters of a list route."""


@dataclass(frozen=True)
class SortKey:
    """One column a list is sorted by, and its direction."""

    column: ColumnElement[Any] | QueryableAttribute[Any]
    descending: bool = False


def _plain(value: Key) -> object:
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return {"t": aware.astimezone(UTC).isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    return value


def _typed(value: object) -> Key:
    if isinstance(value, dict) and set(value) == {"t"} and isinstance(value["t"], str):
        return datetime.fromisoformat(value["t"])
    if isinstance(value, dict) and set(value) == {"d"} and isinstance(value["d"], str):
        return date.fromisoformat(value["d"])
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError("a cursor value must be text, a number or a time")
    # What no row of ours can hold, and the databases refuse with an error instead of an empty page: an
    # integer beyond 64 bits, text with half a surrogate pair or a NUL (PostgreSQL), a float that is none.
    if isinstance(value, int) and not -(2**63) <= value < 2**63:
        raise ValueError("a cursor number out of range")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("a cursor number that is not finite")
    if isinstance(value, str) and ("\x00" in value or not _encodable(value)):
        raise ValueError("a cursor text no row holds")
    return value


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def encode_cursor(values: Sequence[Key]) -> str:
    """The opaque cursor for a row's sort key."""
    raw = json.dumps([_plain(v) for v in values], separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str, size: int) -> list[Key]:
    """The sort key a cursor holds; 422 `invalid_cursor` when it is not one of ours for this sort."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw.decode("utf-8"))
        if not isinstance(values, list) or len(values) != size:
            raise ValueError("wrong number of values")
        return [_typed(v) for v in values]
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise ApiError(
            422, "invalid_cursor", "cursor: not a cursor of this list; start again without a cursor"
        ) from exc


def _python_type(key: SortKey) -> type | None:
    try:
        kind: type = key.column.type.python_type
    except (AttributeError, NotImplementedError):
        return None
    return kind


def check_types(keys: Sequence[SortKey], values: Sequence[Key]) -> None:
    """Refuse (422 `invalid_cursor`) values that are not of their sort column's type.

    A cursor of another list or sort, or a forged one, would otherwise compare a date column with text,
    which PostgreSQL answers with an error instead of an empty page.
    """
    for key, value in zip(keys, values, strict=True):
        kind = _python_type(key)
        if kind is None:
            continue
        if kind is float:
            ok = isinstance(value, int | float)
        elif kind is date:  # a datetime is a date too; a Date column wants exactly a date
            ok = type(value) is date
        elif kind is datetime:
            ok = isinstance(value, datetime) and value.tzinfo is not None
        else:
            ok = isinstance(value, kind)
        if not ok or (isinstance(value, bool) and kind is not bool):
            raise ApiError(
                422,
                "invalid_cursor",
                "cursor: not a cursor of this list and sort; start again without a cursor",
            )


def after(keys: Sequence[SortKey], values: Sequence[Key]) -> ColumnElement[bool]:
    """The condition 'sorts after this key': a row-value comparison, or its expansion for mixed directions."""
    if len({k.descending for k in keys}) == 1:
        columns = tuple_(*(k.column for k in keys))
        bound = tuple_(*values)
        return columns < bound if keys[0].descending else columns > bound
    clauses = []
    for i, key in enumerate(keys):
        equal = [keys[j].column == values[j] for j in range(i)]
        beyond = key.column < values[i] if key.descending else key.column > values[i]
        clauses.append(and_(*equal, beyond))
    return or_(*clauses)


def keyset_page(
    session: Session,
    query: Select[*tuple[Any, ...]],
    keys: Sequence[SortKey],
    page: PageParams,
    key_of: Callable[[Any], Sequence[Key]],
    item: Callable[[Any], T],
) -> Page[T]:
    """Run one page of `query` sorted by `keys`, after the cursor; rows become items through `item`."""
    if page.cursor:
        values = decode_cursor(page.cursor, len(keys))
        check_types(keys, values)
        query = query.where(after(keys, values))
    ordered = query.order_by(*(k.column.desc() if k.descending else k.column.asc() for k in keys))
    rows = list(session.execute(ordered.limit(page.limit + 1)))
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    shaped = [r[0] if len(r) == 1 else r for r in rows]
    next_cursor = encode_cursor(key_of(shaped[-1])) if more and shaped else None
    return Page[T](items=[item(r) for r in shaped], next_cursor=next_cursor)
