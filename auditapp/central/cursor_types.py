"""A cursor must carry values of its sort key's types: a cursor of another sort order (or a forged one)
would otherwise compare, say, an integer column with text, which PostgreSQL refuses with a server error."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from auditapp.central.errors import ApiError
from auditapp.central.paging import PageParams, decode_cursor


def check_cursor(page: PageParams, types: Sequence[type]) -> None:
    """Refuse (422 `invalid_cursor`) a cursor whose values are not of the given types, in order."""
    if not page.cursor:
        return
    values = decode_cursor(page.cursor, len(types))
    for value, kind in zip(values, types, strict=True):
        ok = isinstance(value, kind) and not isinstance(value, bool)
        if kind is datetime and ok and value.tzinfo is None:  # type: ignore[union-attr]
            ok = False
        if not ok:
            raise ApiError(
                422,
                "invalid_cursor",
                "cursor: not a cursor of this list and sort; start again without a cursor",
            )
