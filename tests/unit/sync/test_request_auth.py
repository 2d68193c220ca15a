"""Signed pull and blob requests: only the enrolled, active device that signed them gets through."""

from __future__ import annotations

import pytest

from sync.envelope import DeviceRecord
from sync.errors import BadSignature, Malformed, RevokedDevice, UnknownDevice
from sync.keys import DeviceKeys
from sync.request_auth import PullRequest, parse_pull_request, sign_request, verify_request

KEYS = DeviceKeys.generate()


def lookup(status: str = "active"):  # type: ignore[no-untyped-def]
    return lambda device_id: (
        DeviceRecord(status, KEYS.public.signing) if device_id == "tablet-1" else None  # type: ignore[arg-type]
    )


def headers(body: bytes = b"{}", path: str = "/sync/v1/pull", device_id: str = "tablet-1") -> dict[str, str]:
    return sign_request(
        KEYS, device_id=device_id, method="POST", path=path, body=body, timestamp=1_790_000_000
    )


def verify(
    sent: dict[str, str], body: bytes = b"{}", path: str = "/sync/v1/pull", status: str = "active"
) -> str:
    return verify_request(sent, method="POST", path=path, body=body, device_lookup=lookup(status))


def test_signed_request_names_its_device() -> None:
    assert verify(headers()) == "tablet-1"


def test_altered_body_or_path_is_a_bad_signature() -> None:
    with pytest.raises(BadSignature):
        verify(headers(b'{"a":1}'), body=b'{"a":2}')
    with pytest.raises(BadSignature):
        verify(headers(), path="/sync/v1/blobs/x/complete")


def test_unknown_and_revoked_devices_are_refused() -> None:
    with pytest.raises(UnknownDevice, match="tablet-2"):
        verify(headers(device_id="tablet-2"))
    with pytest.raises(RevokedDevice):
        verify(headers(), status="revoked")


def test_missing_header_is_named() -> None:
    sent = headers()
    del sent["X-Sync-Signature"]
    with pytest.raises(Malformed, match="X-Sync-Signature is missing"):
        verify(sent)


def test_clock_skew_is_checked_only_when_asked() -> None:
    with pytest.raises(Malformed, match="more than 300 seconds off"):
        verify_request(
            headers(),
            method="POST",
            path="/sync/v1/pull",
            body=b"{}",
            device_lookup=lookup(),
            max_skew_seconds=300,
            now=1_790_001_000,
        )


def test_pull_request_roundtrip_and_validation() -> None:
    request = PullRequest("tablet-1", "c-9", 100)
    assert parse_pull_request(request.to_body(), authenticated_device="tablet-1") == request
    with pytest.raises(Malformed, match="signed by tablet-2"):
        parse_pull_request(request.to_body(), authenticated_device="tablet-2")
    with pytest.raises(Malformed, match="limit must be an integer from 1 to 1000"):
        parse_pull_request(PullRequest("tablet-1", None, 0).to_body(), authenticated_device="tablet-1")
    with pytest.raises(Malformed, match="must be JSON"):
        parse_pull_request(b"[", authenticated_device="tablet-1")
