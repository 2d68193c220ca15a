"""Settings contract: small device values stored by key."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.mark.req("STO-009")
def test_put_then_get_returns_the_latest_value(field_store: Any) -> None:
    field_store.put("server_url", "https://quality.example")
    field_store.put("server_url", "https://quality.example:8443")
    field_store.put("device_key", "-----BEGIN PRIVATE KEY-----\nabc\n")
    assert field_store.get("server_url") == "https://quality.example:8443"
    assert field_store.get("device_key") == "-----BEGIN PRIVATE KEY-----\nabc\n"


def test_missing_key_gives_the_default(field_store: Any) -> None:
    assert field_store.get("device_id") is None
    assert field_store.get("device_id", "unset") == "unset"


def test_empty_string_is_a_value_not_a_missing_key(field_store: Any) -> None:
    field_store.put("token", "")
    assert field_store.get("token", "default") == ""
