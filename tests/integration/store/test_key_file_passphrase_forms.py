"""The key file on a real store folder: passphrases in either Unicode form, and damaged scrypt settings."""

from __future__ import annotations

import base64
import json
import secrets
import time
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from auditapp.store import FieldStore, StoreCorruptError, WrongPassphraseError
from tests.integration.store.test_field_store_files import PASS, filled, fingerprint

COMPOSED = unicodedata.normalize("NFC", "Grüße aus Köln")  # as most keyboards type it
DECOMPOSED = unicodedata.normalize("NFD", COMPOSED)  # u + combining diaeresis, as some keyboards and IMEs do


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _key_file_of_earlier_versions(folder: Path, passphrase: str) -> None:
    """Re-wrap the store's data key the way versions before FLD-117 did: the passphrase's bytes exactly as
    typed, without Unicode normalisation (the format and AAD are unchanged)."""
    data_key = _data_key(folder, PASS)
    salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
    kek = Scrypt(salt=salt, length=32, n=2**15, r=8, p=1).derive(passphrase.encode("utf-8"))
    wrapped = AESGCM(kek).encrypt(nonce, data_key, b"auditapp field store data key v1")
    content = {
        "format": "auditapp-field-store-key/1",
        "kdf": {"name": "scrypt", "n": 2**15, "r": 8, "p": 1, "salt": _b64(salt)},
        "wrap": {"name": "AES-256-GCM", "nonce": _b64(nonce), "wrapped_key": _b64(wrapped)},
    }
    (folder / "key.json").write_text(json.dumps(content))


def _data_key(folder: Path, passphrase: str) -> bytes:
    content = json.loads((folder / "key.json").read_text())
    kdf, wrap = content["kdf"], content["wrap"]
    kek = Scrypt(salt=base64.b64decode(kdf["salt"]), length=32, n=kdf["n"], r=kdf["r"], p=kdf["p"]).derive(
        unicodedata.normalize("NFC", passphrase).encode("utf-8")
    )
    return AESGCM(kek).decrypt(
        base64.b64decode(wrap["nonce"]),
        base64.b64decode(wrap["wrapped_key"]),
        b"auditapp field store data key v1",
    )


@pytest.mark.req("FLD-117")
@pytest.mark.parametrize(("set_up_with", "typed"), [(COMPOSED, DECOMPOSED), (DECOMPOSED, COMPOSED)])
def test_the_same_passphrase_typed_in_another_unicode_form_unlocks(
    tmp_path: Path, set_up_with: str, typed: str
) -> None:
    with FieldStore.create(tmp_path / "s", set_up_with) as store:
        store.put("server_url", "https://quality.example")
    with FieldStore.open(tmp_path / "s", typed) as store:
        assert store.get("server_url") == "https://quality.example"
    with pytest.raises(WrongPassphraseError):
        FieldStore.open(tmp_path / "s", unicodedata.normalize("NFC", "Grusse aus Koln"))


@pytest.mark.req("FLD-117")
def test_a_passphrase_changed_or_replaced_in_one_form_unlocks_in_the_other(tmp_path: Path) -> None:
    events, _ = filled(tmp_path / "s")
    with FieldStore.open(tmp_path / "s", PASS) as store:
        store.change_passphrase(PASS, DECOMPOSED)
        key = store.new_recovery_key(COMPOSED)  # the passphrase asked again, typed the other way
    with FieldStore.open(tmp_path / "s", COMPOSED) as store:
        assert store.events("audit-b") == events[5:]
        store.change_passphrase(DECOMPOSED, "plain ascii passphrase")
    with FieldStore.recover(tmp_path / "s", key, DECOMPOSED) as store:
        assert store.events("audit-b") == events[5:]
    with FieldStore.open(tmp_path / "s", COMPOSED) as store:
        assert store.events("audit-b") == events[5:]


@pytest.mark.req("FLD-117")
@pytest.mark.parametrize("set_up_with", [DECOMPOSED, COMPOSED])
def test_a_workspace_set_up_before_normalisation_still_unlocks_with_what_its_user_types(
    tmp_path: Path, set_up_with: str
) -> None:
    events, _ = filled(tmp_path / "s")
    _key_file_of_earlier_versions(tmp_path / "s", set_up_with)
    before = fingerprint(tmp_path / "s")
    with FieldStore.open(tmp_path / "s", set_up_with) as store:  # exactly as it was typed at set-up
        assert store.events("audit-b") == events[5:]
    with FieldStore.open(tmp_path / "s", COMPOSED) as store:  # and as most keyboards type it
        assert store.events("audit-b") == events[5:]
    with pytest.raises(WrongPassphraseError):
        FieldStore.open(tmp_path / "s", PASS)
    assert fingerprint(tmp_path / "s")["key.json"] == before["key.json"]


def _altered(folder: Path, section: str, values: dict[str, Any]) -> None:
    """The key file with the same values changed in its passphrase wrap and in its recovery wrap."""
    content = json.loads((folder / "key.json").read_text())
    content[section].update(values)
    content["recovery"][section].update(values)
    (folder / "key.json").write_text(json.dumps(content))


@pytest.mark.req("STO-014")
@pytest.mark.parametrize(
    ("section", "values"),
    [
        ("kdf", {"n": 2**30}),  # a terabyte of memory: MemoryError before
        ("kdf", {"n": 2**22}),  # 4 GiB: more than a tablet has
        ("kdf", {"n": 3}),  # not a power of two
        ("kdf", {"n": 2**8}),  # far weaker than anything the app writes
        ("kdf", {"r": 0}),
        ("kdf", {"p": 0}),
        ("kdf", {"p": 64}),  # a minute or more of work on a tablet
        ("kdf", {"n": True}),
        ("kdf", {"salt": ""}),
        ("wrap", {"nonce": _b64(b"1234")}),
    ],
)
def test_key_settings_outside_what_the_app_writes_are_reported_as_a_damaged_key_file(
    tmp_path: Path, section: str, values: dict[str, Any]
) -> None:
    filled(tmp_path / "s")
    with FieldStore.open(tmp_path / "s", PASS) as store:
        recovery_key = store.new_recovery_key(PASS)
    _altered(tmp_path / "s", section, values)
    before = fingerprint(tmp_path / "s")
    started = time.monotonic()
    with pytest.raises(StoreCorruptError) as refused:
        FieldStore.open(tmp_path / "s", PASS)
    assert time.monotonic() - started < 2
    assert refused.value.for_screen.startswith("the workspace's file key.json is damaged: ")
    assert "it is the file that holds this workspace's encryption key" in refused.value.for_screen
    assert "keep a copy of the workspace folder" in refused.value.for_screen
    assert fingerprint(tmp_path / "s") == before
    with pytest.raises(StoreCorruptError):  # the recovery wrap is checked the same way
        FieldStore.recover(tmp_path / "s", recovery_key, "a new passphrase")
    assert fingerprint(tmp_path / "s") == before
