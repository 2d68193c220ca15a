"""Any single bit flipped on the way back to a device is caught: in a pull response and in a photo's blob."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sync.batch import Record
from sync.blobs import blob_id_of, decrypt_blob, encrypt_blob
from sync.envelope import open_pull_response, seal_pull_response
from sync.errors import BadSignature, BlobHashMismatch, Malformed
from tests.unit.sync.test_envelope import CREATED, DEVICE, STORE, records_strategy


def flip(data: bytes, bit: int) -> bytes:
    flipped = bytearray(data)
    flipped[bit // 8] ^= 1 << (bit % 8)
    return bytes(flipped)


@pytest.mark.req("SYN-002")
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    records=records_strategy,
    cursor=st.text(min_size=1, max_size=30),
    more=st.booleans(),
    data=st.data(),
)
def test_any_single_flipped_bit_in_a_pull_response_is_rejected_by_the_device(
    records: list[Record], cursor: str, more: bool, data: st.DataObject
) -> None:
    sealed = seal_pull_response(
        records,
        store=STORE,
        device_id="tablet-1",
        device_x25519_public=DEVICE.public.receiving,
        cursor=cursor,
        more=more,
        envelope_id="pull-1",
        created_at=CREATED,
    )
    bit = data.draw(st.integers(min_value=0, max_value=len(sealed) * 8 - 1), label="bit")
    with pytest.raises((BadSignature, Malformed)):
        # The store's signature covers every byte but itself: a flip that still parses never gets past
        # it, so nothing altered is decrypted, let alone handed to the device's handler.
        open_pull_response(
            flip(sealed, bit), device=DEVICE, device_id="tablet-1", store_signing_public=STORE.public.signing
        )


@pytest.mark.req("SYN-002")
@settings(max_examples=300, deadline=None)
@given(plaintext=st.binary(max_size=3000), data=st.data())
def test_any_single_flipped_bit_in_an_encrypted_blob_is_rejected(
    plaintext: bytes, data: st.DataObject
) -> None:
    blob = encrypt_blob(plaintext)
    bit = data.draw(st.integers(min_value=0, max_value=len(blob.ciphertext) * 8 - 1), label="bit")
    damaged = flip(blob.ciphertext, bit)
    assert blob_id_of(damaged) != blob.blob_id  # the store's check on upload refuses it
    with pytest.raises(BlobHashMismatch):
        decrypt_blob(damaged, blob.key, blob_id=blob.blob_id)
    with pytest.raises(Malformed, match="does not decrypt"):  # nonce, ciphertext or tag: GCM refuses it
        decrypt_blob(damaged, blob.key)
