"""The sync package's public names are importable from the package and the error codes are stable."""

from __future__ import annotations

import sync
from sync.errors import ERROR_TYPES, plain_words


def test_every_public_name_is_importable() -> None:
    missing = [name for name in sync.__all__ if not hasattr(sync, name)]
    assert missing == []


def test_error_codes_are_the_documented_ones() -> None:
    assert set(ERROR_TYPES) == {
        "too_large",
        "malformed",
        "unknown_device",
        "revoked_device",
        "bad_signature",
        "tampered",
        "replayed_envelope",
        "conflicting_event",
        "bad_chunk",
        "blob_incomplete",
        "blob_hash_mismatch",
        "blob_conflict",
        "blob_not_found",
    }
    assert {code: cls.http_status for code, cls in ERROR_TYPES.items()} == {
        "too_large": 413,
        "malformed": 400,
        "unknown_device": 401,
        "revoked_device": 403,
        "bad_signature": 401,
        "tampered": 400,
        "replayed_envelope": 409,
        "conflicting_event": 409,
        "bad_chunk": 400,
        "blob_incomplete": 409,
        "blob_hash_mismatch": 422,
        "blob_conflict": 409,
        "blob_not_found": 404,
    }


def test_every_refusal_has_a_plain_sentence_that_says_nothing_is_lost() -> None:
    for code in ("revoked_device", "unknown_device", "conflicting_event", "unavailable"):
        sentence = plain_words(code)
        assert "_" not in sentence
    assert "revoked" in plain_words("revoked_device")
    assert "Nothing is lost" in plain_words("some_new_code")
