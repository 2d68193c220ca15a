"""A forgotten passphrase replaced with the workspace's recovery key, on a real store folder."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from auditapp.store import FieldStore, NoRecoveryKeyError, WrongPassphraseError, WrongRecoveryKeyError
from auditapp.store.keys import normalise_recovery_key
from tests.integration.store.test_field_store_files import PASS, filled, fingerprint

KEY_SHAPE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5}){4}$")


def _with_recovery_key(folder: Path) -> str:
    with FieldStore.open(folder, PASS) as store:
        assert store.recovery_key_made() is None
        key = store.new_recovery_key(PASS)
        assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", store.recovery_key_made() or "")
    return key


@pytest.mark.req("STO-013")
def test_the_recovery_key_sets_a_new_passphrase_and_every_audit_and_photo_is_back(tmp_path: Path) -> None:
    events, digest = filled(tmp_path / "s")
    key = _with_recovery_key(tmp_path / "s")
    assert KEY_SHAPE.match(key), key

    typed = key.lower().replace("-", " ").replace("0", "o")  # as read off paper: case, spaces, O for 0
    with FieldStore.recover(tmp_path / "s", typed, "a new passphrase") as store:
        assert store.events("audit-b") == events[5:]
        assert store.get("server_url") == "https://quality.example"
    with pytest.raises(WrongPassphraseError):
        FieldStore.open(tmp_path / "s", PASS)
    with FieldStore.open(tmp_path / "s", "a new passphrase") as store:
        assert store.photos.get(digest) == b"\xff\xd8photo bytes"
        assert store.recovery_key_made()  # the same key still works next time
    with FieldStore.recover(tmp_path / "s", key, "a third passphrase") as store:
        assert store.events("audit-a")


@pytest.mark.req("STO-013")
def test_a_wrong_or_missing_recovery_key_is_a_clear_error_and_touches_nothing(tmp_path: Path) -> None:
    filled(tmp_path / "s")
    before = fingerprint(tmp_path / "s")
    with pytest.raises(NoRecoveryKeyError, match=r"has no recovery key; only its passphrase opens it"):
        FieldStore.recover(tmp_path / "s", "00000-00000-00000-00000-00000", "a new passphrase")
    assert fingerprint(tmp_path / "s") == before

    key = _with_recovery_key(tmp_path / "s")
    before = fingerprint(tmp_path / "s")
    wrong = ("1" if key[0] != "1" else "2") + key[1:]
    with pytest.raises(
        WrongRecoveryKeyError, match=r"does not open the field store in .*nothing was changed"
    ):
        FieldStore.recover(tmp_path / "s", wrong, "a new passphrase")
    with pytest.raises(WrongRecoveryKeyError):
        FieldStore.recover(tmp_path / "s", "not a key at all", "a new passphrase")
    assert fingerprint(tmp_path / "s") == before
    with FieldStore.open(tmp_path / "s", PASS) as store:  # the failed attempts left no lock behind
        assert store.audit_ids() == ["audit-a", "audit-b"]


@pytest.mark.req("STO-013")
def test_a_new_recovery_key_replaces_the_old_one_and_survives_a_passphrase_change(tmp_path: Path) -> None:
    filled(tmp_path / "s")
    first = _with_recovery_key(tmp_path / "s")
    with FieldStore.open(tmp_path / "s", PASS) as store:
        with pytest.raises(WrongPassphraseError):  # whoever finds the tablet unlocked cannot plant a key
            store.new_recovery_key("not the passphrase")
        second = store.new_recovery_key(PASS)
        store.change_passphrase(PASS, "changed passphrase")
    assert second != first
    with pytest.raises(WrongRecoveryKeyError):
        FieldStore.recover(tmp_path / "s", first, "a new passphrase")
    with FieldStore.recover(tmp_path / "s", second, "a new passphrase") as store:
        assert store.audit_ids() == ["audit-a", "audit-b"]


@pytest.mark.req("STO-003")
def test_the_recovery_key_is_not_readable_from_the_store_files(tmp_path: Path) -> None:
    filled(tmp_path / "s")
    key = _with_recovery_key(tmp_path / "s")
    for path in (tmp_path / "s").rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            assert key.encode() not in content, path
            assert key.replace("-", "").encode() not in content, path


def test_recovery_keys_are_read_back_forgiving_case_spaces_and_misread_letters() -> None:
    assert normalise_recovery_key(" 7k3qd-abcde fghjk-mnpqr-stvwx ") == "7K3QD-ABCDE-FGHJK-MNPQR-STVWX"
    assert normalise_recovery_key("OIL00-00000-00000-00000-00000") == "01100-00000-00000-00000-00000"
    assert normalise_recovery_key("7K3QD-ABCDE") is None
    assert normalise_recovery_key("UUUUU-UUUUU-UUUUU-UUUUU-UUUUU") is None
