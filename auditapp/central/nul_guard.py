"""Refuse a NUL character (U+0000) in a request's path, query or JSON body before any route sees it.

PostgreSQL cannot store NUL in text (SQLite can), so such a request used to fail as a 500 deep in a route on
one database and be stored on the other. Checking every request in one place refuses it the same way on
both, with 422 `invalid_field` naming where the NUL is, and nothing is changed. Bodies that are not JSON
(sync envelopes, photo chunks) are passed on untouched and unread.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from auditapp.central.errors import ApiError

NUL = "\x00"
MAX_CHECKED_BYTES = 16 * 1024 * 1024
"""A JSON body longer than this is passed on unchecked rather than held in memory (the largest the API
takes, a checklist upload, is under 12 MiB)."""

_REFUSED = "contains the control character U+0000 (NUL), which the store cannot keep: remove it"


def _shown(text: str) -> str:
    return text.replace(NUL, "\\u0000")


def nul_in_path(path: str) -> str | None:
    """The refusal for a NUL in the (decoded) path, or None."""
    if NUL not in path:
        return None
    return f"path: {path.replace(NUL, '%00')} {_REFUSED}"


def nul_in_query(query_string: bytes) -> str | None:
    """The refusal naming the first query parameter whose name or value holds a NUL, or None."""
    # Decoded as Starlette decodes it for the routes.
    for name, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
        if NUL in name:
            return f"{_shown(name)}: the query parameter's name {_REFUSED}"
        if NUL in value:
            return f"{name}: the query parameter {_REFUSED}"
    return None


def _child(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def nul_in_json(body: bytes) -> str | None:
    """The refusal naming the first string (field name or value) of a JSON body that holds a NUL, as a path
    such as `actions[0].description`; None when there is none or the body is not JSON (the route says so)."""
    if b"\\u0000" not in body and b"\x00" not in body:  # NUL is escaped in UTF-8 JSON; raw in UTF-16/32
        return None
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return None
    # Depth first in document order, without recursion: JSON may nest as deep as the parser allows.
    pending: list[tuple[str, Any, bool]] = [("", document, False)]
    while pending:
        where, value, is_name = pending.pop()
        if is_name:
            if NUL in value:
                return f"{where}: the field name {_REFUSED}"
        elif isinstance(value, str):
            if NUL in value:
                return f"{where or 'body'}: the text {_REFUSED}"
        elif isinstance(value, dict):
            for key, item in reversed(value.items()):
                place = _child(where, _shown(key))
                pending += [(place, item, False), (place, key, True)]
        elif isinstance(value, list):
            pending += [
                (f"{where or 'body'}[{i}]", item, False) for i, item in reversed(list(enumerate(value)))
            ]
    return None


def _is_json(scope: Scope) -> bool:
    """Whether the body is read as JSON by the routes (FastAPI: application/json or application/*+json)."""
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            media = bytes(value).decode("latin-1").split(";", 1)[0].strip().lower()
            main, _, sub = media.partition("/")
            return main == "application" and (sub == "json" or sub.endswith("+json"))
    return False


class NulGuard:
    """ASGI middleware: 422 `invalid_field` for a NUL in the path, query or JSON body; otherwise the
    request goes on to the app unchanged (a JSON body is read first and replayed as it arrived)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = nul_in_path(scope["path"]) or nul_in_query(scope.get("query_string", b""))
        if refusal is None and _is_json(scope):
            received, complete = await _read(receive)
            if complete:
                refusal = nul_in_json(b"".join(m.get("body", b"") for m in received))
            receive = _replay(received, receive)
        if refusal is None:
            await self.app(scope, receive, send)
            return
        response = JSONResponse(ApiError(422, "invalid_field", refusal).as_json(), status_code=422)
        await response(scope, receive, send)


async def _read(receive: Receive) -> tuple[list[Message], bool]:
    """The body's messages as they arrived, and whether they hold the whole body (not cut short by a
    disconnect or MAX_CHECKED_BYTES)."""
    received: list[Message] = []
    size = 0
    while True:
        message = await receive()
        received.append(message)
        if message["type"] != "http.request":
            return received, False
        size += len(message.get("body", b""))
        if not message.get("more_body", False):
            return received, True
        if size > MAX_CHECKED_BYTES:
            return received, False


def _replay(received: list[Message], receive: Receive) -> Receive:
    """A receive that gives the messages already read, then reads on."""
    pending = list(received)

    async def replayed() -> Message:
        return pending.pop(0) if pending else await receive()

    return replayed
