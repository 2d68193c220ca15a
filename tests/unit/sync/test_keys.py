"""Device and store keys survive being saved and restored, and never print their secrets."""

from __future__ import annotations

import pytest

from sync.errors import Malformed
from sync.keys import DeviceKeys, PublicKeys, StoreKeys


def test_private_bytes_roundtrip_keeps_the_same_public_keys() -> None:
    keys = DeviceKeys.generate()
    restored = DeviceKeys.from_private_bytes(keys.to_private_bytes())
    assert restored.public == keys.public
    assert len(keys.to_private_bytes()) == 64


def test_public_keys_travel_as_base64() -> None:
    keys = StoreKeys.generate()
    wire = keys.public.to_b64()
    assert PublicKeys.from_b64(wire["signing"], wire["receiving"]) == keys.public
    assert wire["signing"] == keys.signing_public_b64


def test_bad_public_key_text_is_malformed_and_named() -> None:
    with pytest.raises(Malformed, match="receiving public key must be 32 bytes"):
        PublicKeys.from_b64(StoreKeys.generate().signing_public_b64, "AAAA")
    with pytest.raises(Malformed, match="signing public key is not valid base64"):
        PublicKeys.from_b64("not base64!", "AAAA")


def test_short_private_material_is_refused() -> None:
    with pytest.raises(Malformed, match="must be 64 bytes"):
        DeviceKeys.from_private_bytes(b"\x00" * 10)


def test_repr_shows_no_private_material() -> None:
    keys = DeviceKeys.generate()
    assert keys.to_private_bytes().hex() not in repr(keys)
    assert "signing_public=" in repr(keys)
