"""Hypothesis strategies for requests built from the app's OpenAPI schema: mostly well-formed, often not."""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from hypothesis import strategies as st

from auditapp.central.paging import encode_cursor

JSON_LEAVES = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30)
ANY_JSON = st.recursive(
    JSON_LEAVES,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
CURSOR_VALUES = (
    JSON_LEAVES
    | st.builds(lambda day: {"t": day.isoformat()}, st.datetimes(timezones=st.just(UTC)))
    | st.builds(lambda day: {"d": day.isoformat()}, st.dates())
)
CURSORS = st.lists(CURSOR_VALUES, max_size=4).map(encode_cursor)
"""Cursors that decode, with values of every type: a cursor is opaque but a client can forge one."""
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60)


@dataclass(frozen=True)
class FuzzRequest:
    """One generated request."""

    method: str
    path: str
    params: dict[str, str]
    body: bytes | None
    content_type: str | None


def _resolve(schema: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = spec["components"]["schemas"][name]
    return schema


def value_for(schema: dict[str, Any], spec: dict[str, Any], depth: int = 0) -> st.SearchStrategy[Any]:
    """Values that fit the schema's type, with edge cases and now and then a value of the wrong type."""
    schema = _resolve(schema, spec)
    options = schema.get("anyOf") or schema.get("oneOf")
    if options:
        return st.one_of(*(value_for(o, spec, depth) for o in options))
    if "enum" in schema:
        fitting: st.SearchStrategy[Any] = st.sampled_from(schema["enum"])
    elif schema.get("type") == "integer":
        fitting = st.integers(-(2**63), 2**63) | st.sampled_from([0, -1, 1, 200, 201, 2**31])
    elif schema.get("type") == "number":
        fitting = st.floats(allow_nan=False) | st.integers()
    elif schema.get("type") == "boolean":
        fitting = st.booleans()
    elif schema.get("type") == "array" and depth < 3:
        fitting = st.lists(value_for(schema.get("items", {}), spec, depth + 1), max_size=4)
    elif schema.get("type") == "object" and depth < 3:
        fitting = object_for(schema, spec, depth + 1)
    elif schema.get("type") == "null":
        fitting = st.none()
    else:
        lengths = st.integers(0, int(schema.get("maxLength", 60)) + 2)
        fitting = (
            TEXT | lengths.map(lambda n: "a" * n) | st.sampled_from(["", "2026-01-01T00:00:00Z", "x" * 500])
        )
    return st.one_of(fitting, fitting, fitting, ANY_JSON)


def object_for(
    schema: dict[str, Any], spec: dict[str, Any], depth: int = 0
) -> st.SearchStrategy[dict[str, Any]]:
    """Objects with the schema's properties, some missing, some extra."""
    properties = schema.get("properties", {})
    return st.fixed_dictionaries(
        {},
        optional={name: value_for(sub, spec, depth) for name, sub in properties.items()},
    ) | st.dictionaries(st.text(max_size=10), ANY_JSON, max_size=3)


def _param_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    return json.dumps(value)


def request_for(
    method: str, path: str, operation: dict[str, Any], spec: dict[str, Any]
) -> st.SearchStrategy[FuzzRequest]:
    """Requests for one operation of the schema."""
    path_parts: dict[str, st.SearchStrategy[str]] = {}
    query_parts: dict[str, st.SearchStrategy[str]] = {}
    for param in operation.get("parameters", []):
        values = value_for(param.get("schema", {}), spec).map(_param_text)
        if param["in"] == "path":
            path_parts[param["name"]] = values.filter(bool)
        elif param["in"] == "query" and param["name"] == "cursor":
            query_parts["cursor"] = values | CURSORS
        elif param["in"] == "query":
            query_parts[param["name"]] = values
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        body_schema = content["application/json"].get("schema", {})
        bodies: st.SearchStrategy[tuple[bytes | None, str | None]] = st.one_of(
            value_for(body_schema, spec).map(lambda v: (json.dumps(v).encode(), "application/json")),
            value_for(body_schema, spec).map(lambda v: (json.dumps(v).encode(), "application/json")),
            st.binary(max_size=200).map(lambda b: (b, "application/json")),
            st.just((None, None)),
        )
    else:
        bodies = st.one_of(
            st.just((None, None)), st.binary(max_size=200).map(lambda b: (b, "application/octet-stream"))
        )

    def build(
        parts: dict[str, str], query: dict[str, str], body: tuple[bytes | None, str | None]
    ) -> FuzzRequest:
        url = path
        for name, value in parts.items():
            url = url.replace("{" + name + "}", urllib.parse.quote(value, safe=""))
        return FuzzRequest(method.upper(), url, query, body[0], body[1])

    return st.builds(
        build,
        st.fixed_dictionaries(path_parts),
        st.fixed_dictionaries({}, optional=query_parts),
        bodies,
    )


def requests_for(spec: dict[str, Any]) -> st.SearchStrategy[FuzzRequest]:
    """Requests for any operation of the schema."""
    operations = [
        request_for(method, path, op, spec)
        for path, ops in sorted(spec["paths"].items())
        for method, op in sorted(ops.items())
    ]
    return st.one_of(*operations)
