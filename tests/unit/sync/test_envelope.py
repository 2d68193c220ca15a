"""Envelopes: what a device seals only the store can open, and any alteration is refused with a code."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sync.batch import Record
from sync.envelope import (
    DeviceRecord,
    open_envelope,
    open_pull_response,
    seal,
    seal_pull_response,
)
from sync.errors import (
    BadSignature,
    EnvelopeRejected,
    Malformed,
    RevokedDevice,
    Tampered,
    TooLarge,
    UnknownDevice,
)
from sync.keys import DeviceKeys, StoreKeys

DEVICE = DeviceKeys.generate()
OTHER_DEVICE = DeviceKeys.generate()
STORE = StoreKeys.generate()
CREATED = "2026-11-25T08:00:00Z"

records_strategy = st.lists(
    st.builds(
        Record,
        event_id=st.text(min_size=1, max_size=40),
        seq=st.integers(min_value=0, max_value=2**63 - 1),
        body=st.binary(max_size=300),
    ),
    max_size=12,
    unique_by=lambda record: record.event_id,
)


def lookup(status: str = "active", keys: DeviceKeys = DEVICE):  # type: ignore[no-untyped-def]
    def find(device_id: str) -> DeviceRecord | None:
        return DeviceRecord(status, keys.public.signing) if device_id == "tablet-1" else None  # type: ignore[arg-type]

    return find


def sealed(records: list[Record], keys: DeviceKeys = DEVICE, device_id: str = "tablet-1") -> bytes:
    return seal(
        records,
        sender=keys,
        device_id=device_id,
        recipient_x25519_public=STORE.public.receiving,
        envelope_id="env-1",
        created_at=CREATED,
    )


SAMPLE = [Record("e-1", 1, b'{"kind":"NoteAdded"}'), Record("e-2", 2, b'{"kind":"FindingRaised"}')]


@pytest.mark.req("SYN-001")
@settings(max_examples=200, deadline=None)
@given(records=records_strategy)
def test_seal_then_open_returns_the_same_records(records: list[Record]) -> None:
    opened = open_envelope(sealed(records), recipient=STORE, device_lookup=lookup())
    assert opened.records == records
    assert opened.header.sender == "tablet-1"
    assert opened.header.count == len(records)


@pytest.mark.req("SYN-002")
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=records_strategy, data=st.data())
def test_any_single_flipped_bit_is_rejected(records: list[Record], data: st.DataObject) -> None:
    envelope = bytearray(sealed(records))
    bit = data.draw(st.integers(min_value=0, max_value=len(envelope) * 8 - 1), label="bit")
    envelope[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(EnvelopeRejected) as caught:
        open_envelope(bytes(envelope), recipient=STORE, device_lookup=lookup())
    # A flip inside the device id names another (unknown) device; every other flip breaks the
    # framing, the header or the signature.
    assert caught.value.code in {"bad_signature", "tampered", "malformed", "unknown_device"}


@pytest.mark.req("SYN-003")
def test_unknown_device_is_refused_with_its_id_in_the_message() -> None:
    with pytest.raises(UnknownDevice, match="tablet-9 is not enrolled"):
        open_envelope(sealed(SAMPLE, device_id="tablet-9"), recipient=STORE, device_lookup=lookup())


@pytest.mark.req("SYN-004")
def test_revoked_device_is_refused() -> None:
    with pytest.raises(RevokedDevice, match="tablet-1 was revoked") as caught:
        open_envelope(sealed(SAMPLE), recipient=STORE, device_lookup=lookup("revoked"))
    assert caught.value.http_status == 403


@pytest.mark.req("SYN-005")
def test_envelope_signed_by_another_key_is_a_bad_signature() -> None:
    with pytest.raises(BadSignature):
        open_envelope(sealed(SAMPLE, keys=OTHER_DEVICE), recipient=STORE, device_lookup=lookup())


def test_revoked_status_is_only_reported_after_the_signature_verifies() -> None:
    # A forger must not learn anything from the device's status.
    with pytest.raises(BadSignature):
        open_envelope(sealed(SAMPLE, keys=OTHER_DEVICE), recipient=STORE, device_lookup=lookup("revoked"))


@pytest.mark.req("SYN-006")
def test_envelope_sealed_to_another_store_is_tampered() -> None:
    with pytest.raises(Tampered, match="decryption failed"):
        open_envelope(sealed(SAMPLE), recipient=StoreKeys.generate(), device_lookup=lookup())


@pytest.mark.req("SYN-007")
def test_size_limit_is_checked_before_anything_else() -> None:
    calls: list[str] = []

    def spying_lookup(device_id: str) -> DeviceRecord | None:
        calls.append(device_id)
        return None

    with pytest.raises(TooLarge, match="over the limit of 100"):
        open_envelope(sealed(SAMPLE), recipient=STORE, device_lookup=spying_lookup, max_bytes=100)
    assert calls == []


def test_garbage_is_malformed() -> None:
    with pytest.raises(Malformed):
        open_envelope(b"GET / HTTP/1.1\r\n" * 10, recipient=STORE, device_lookup=lookup())


def test_compression_bomb_is_refused_before_it_is_inflated() -> None:
    big = [Record("e-1", 1, b"\x00" * 2_000_000)]
    with pytest.raises(TooLarge, match="expands to"):
        open_envelope(sealed(big), recipient=STORE, device_lookup=lookup(), max_plain_bytes=1_000_000)


@pytest.mark.req("SYN-008")
def test_pull_response_opens_on_the_device_with_its_cursor() -> None:
    data = seal_pull_response(
        SAMPLE,
        store=STORE,
        device_id="tablet-1",
        device_x25519_public=DEVICE.public.receiving,
        cursor="c-42",
        more=True,
        envelope_id="pull-1",
        created_at=CREATED,
    )
    opened = open_pull_response(
        data, device=DEVICE, device_id="tablet-1", store_signing_public=STORE.public.signing
    )
    assert opened.records == SAMPLE
    assert (opened.header.cursor, opened.header.more) == ("c-42", True)


@pytest.mark.req("SYN-008")
def test_pull_response_from_an_impostor_is_refused() -> None:
    impostor = StoreKeys.generate()
    data = seal_pull_response(
        SAMPLE,
        store=impostor,
        device_id="tablet-1",
        device_x25519_public=DEVICE.public.receiving,
        cursor="c-1",
        more=False,
        envelope_id="pull-1",
        created_at=CREATED,
    )
    with pytest.raises(BadSignature):
        open_pull_response(
            data, device=DEVICE, device_id="tablet-1", store_signing_public=STORE.public.signing
        )


@pytest.mark.req("SYN-008")
def test_pull_response_for_another_device_is_refused() -> None:
    data = seal_pull_response(
        SAMPLE,
        store=STORE,
        device_id="tablet-2",
        device_x25519_public=DEVICE.public.receiving,
        cursor="c-1",
        more=False,
        envelope_id="pull-1",
        created_at=CREATED,
    )
    with pytest.raises(Malformed, match="addressed to device tablet-1"):
        open_pull_response(
            data, device=DEVICE, device_id="tablet-1", store_signing_public=STORE.public.signing
        )


@pytest.mark.req("SYN-008")
def test_pull_response_sealed_to_another_device_cannot_be_opened() -> None:
    data = seal_pull_response(
        SAMPLE,
        store=STORE,
        device_id="tablet-1",
        device_x25519_public=OTHER_DEVICE.public.receiving,
        cursor="c-1",
        more=False,
        envelope_id="pull-1",
        created_at=CREATED,
    )
    with pytest.raises(Tampered):
        open_pull_response(
            data, device=DEVICE, device_id="tablet-1", store_signing_public=STORE.public.signing
        )


@pytest.mark.req("SYN-008")
def test_a_push_envelope_is_not_accepted_as_a_pull_response() -> None:
    with pytest.raises(EnvelopeRejected):
        open_pull_response(
            sealed(SAMPLE), device=DEVICE, device_id="tablet-1", store_signing_public=DEVICE.public.signing
        )


def test_duplicate_event_ids_in_one_batch_are_refused_when_sealing() -> None:
    with pytest.raises(Malformed, match="appears twice"):
        sealed([Record("e-1", 1, b"a"), Record("e-1", 2, b"b")])
