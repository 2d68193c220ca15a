"""PhotoStore contract: bytes in, SHA-256 out, the same bytes back."""

from __future__ import annotations

import hashlib
import os
from typing import Any

import pytest

from auditapp.domain.errors import NotFoundError


@pytest.mark.req("STO-011")
def test_put_returns_the_sha256_and_get_returns_the_same_bytes(field_store: Any) -> None:
    data = os.urandom(50_000)
    digest = field_store.photos.put(data)
    assert digest == hashlib.sha256(data).hexdigest()
    assert field_store.photos.has(digest)
    assert field_store.photos.get(digest) == data


def test_putting_the_same_bytes_twice_is_harmless(field_store: Any) -> None:
    data = b"\xff\xd8 jpeg-ish"
    assert field_store.photos.put(data) == field_store.photos.put(data)
    assert field_store.photos.get(hashlib.sha256(data).hexdigest()) == data


@pytest.mark.req("STO-011")
def test_an_unknown_digest_is_a_clear_not_found_error(field_store: Any) -> None:
    digest = hashlib.sha256(b"never stored").hexdigest()
    assert not field_store.photos.has(digest)
    with pytest.raises(NotFoundError, match=digest):
        field_store.photos.get(digest)


def test_empty_photo_bytes_round_trip(field_store: Any) -> None:
    digest = field_store.photos.put(b"")
    assert field_store.photos.get(digest) == b""
