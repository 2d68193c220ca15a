"""The workspace form on real folders: blank passphrases, passphrases in either Unicode form, and central
store addresses that cannot work or would keep a password in the workspace list."""

from __future__ import annotations

import datetime as dt
import unicodedata
from pathlib import Path

import pytest

from auditapp.bootstrap import FieldStoreOpener, LibraryChecklists, field_workspaces
from auditapp.config import FieldConfig
from auditapp.demo import demo_plan
from auditapp.domain.errors import ValidationError
from auditapp.services.workspace import FieldWorkspace
from auditapp.services.workspaces import Workspaces, normalise_server_url
from auditapp.store import WrongPassphraseError

PASS = "a long passphrase"
COMPOSED = unicodedata.normalize("NFC", "Grüße aus Köln")
DECOMPOSED = unicodedata.normalize("NFD", COMPOSED)
ADDRESS = "central store address"


def workspaces_in(home: Path) -> Workspaces:
    """The workspace list `auditapp field` gets with AUDITAPP_HOME=home."""
    return field_workspaces(FieldConfig(workspace=home / "field" / "default", reopen_last=True))


def list_file(home: Path) -> str:
    return "".join(p.read_text() for p in home.rglob("workspaces.json"))


@pytest.mark.req("FLD-117")
@pytest.mark.parametrize("blank", [" " * 8, "\t \u00a0 \u3000  \n ", " " * 40])
def test_a_passphrase_of_only_spaces_is_refused_at_set_up_and_recovery(tmp_path: Path, blank: str) -> None:
    workspaces = workspaces_in(tmp_path)
    with pytest.raises(ValidationError, match=r"^passphrase: the passphrase is only spaces") as refused:
        workspaces.create("Client A", "", blank, blank)
    assert refused.value.field == "passphrase"
    assert [e.name for e in workspaces.entries()] == ["Default"]  # nothing new was listed or set up

    ws = FieldWorkspace(tmp_path / "ws", FieldStoreOpener(), LibraryChecklists())
    with pytest.raises(ValidationError, match=r"^passphrase: the passphrase is only spaces"):
        ws.set_up(blank, blank)
    assert ws.needs_setup()
    ws.set_up(PASS, PASS)
    key = ws.take_new_recovery_key()
    assert key is not None
    ws.close()
    with pytest.raises(ValidationError, match=r"^passphrase: the passphrase is only spaces"):
        ws.recover(key, blank, blank)
    ws.unlock(PASS)  # the old passphrase still works: the refused one was not set
    ws.close()


@pytest.mark.req("FLD-117")
def test_an_empty_passphrase_is_refused_with_the_length_rule(tmp_path: Path) -> None:
    ws = FieldWorkspace(tmp_path / "ws", FieldStoreOpener(), LibraryChecklists())
    with pytest.raises(ValidationError, match=r"^passphrase: type a passphrase of at least 8 characters"):
        ws.set_up("", "")
    with pytest.raises(ValidationError, match=r"^passphrase: use at least 8 characters"):
        ws.set_up(" short ", " short ")
    assert ws.needs_setup()


@pytest.mark.req("FLD-117")
def test_a_passphrase_with_spaces_around_words_is_kept_exactly(tmp_path: Path) -> None:
    ws = FieldWorkspace(tmp_path / "ws", FieldStoreOpener(), LibraryChecklists())
    ws.set_up("  two words  ", "  two words  ")
    ws.close()
    with pytest.raises(WrongPassphraseError):
        ws.unlock("two words")
    ws.unlock("  two words  ")
    ws.close()


@pytest.mark.req("FLD-117")
def test_a_passphrase_set_up_composed_unlocks_when_typed_decomposed(tmp_path: Path) -> None:
    workspaces = workspaces_in(tmp_path)
    _, ws = workspaces.create("Köln GmbH", "", COMPOSED, DECOMPOSED)  # one of each: the same passphrase
    ws.plan_audit(demo_plan(dt.date(2026, 11, 2)))
    workspaces.lock()
    assert not ws.unlocked
    ws.unlock(DECOMPOSED)
    assert len(ws.audits()) == 1
    workspaces.lock()
    ws.unlock(COMPOSED)
    assert len(ws.audits()) == 1
    workspaces.close()


@pytest.mark.req("FLD-118")
@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("http://[::1", r"'http://\[::1' is not a web address: an IPv6 address goes in square brackets"),
        ("https://host:99999", r"the port in 'https://host:99999' must be a number from 1 to 65535"),
        ("https://host:abc", r"the port in 'https://host:abc' must be a number from 1 to 65535"),
        ("https://host:0", r"the port in 'https://host:0' must be a number from 1 to 65535"),
        ("http://host/ path", r"'http://host/ path' has a space in it"),
        ("https://quality .example", r"'https://quality \.example' has a space in it"),
    ],
)
def test_an_unusable_store_address_is_refused_by_name_and_nothing_is_kept(
    tmp_path: Path, typed: str, message: str
) -> None:
    with pytest.raises(ValidationError, match=rf"^{ADDRESS}: {message}") as refused:
        normalise_server_url(typed)
    assert refused.value.field == ADDRESS

    workspaces = workspaces_in(tmp_path)
    with pytest.raises(ValidationError, match=rf"{ADDRESS}: {message}"):
        workspaces.create("Client X", typed, PASS, PASS)
    with pytest.raises(ValidationError, match=rf"^{ADDRESS}: {message}"):
        workspaces.set_server_url(workspaces.entries()[0].workspace_id, typed)
    assert [e.name for e in workspaces.entries()] == ["Default"]
    assert "Client X" not in list_file(tmp_path)


@pytest.mark.req("FLD-118")
@pytest.mark.parametrize(
    "typed",
    ["https://ana:s3cret-Pw@quality.example", "https://ana@quality.example:8765", "http://:s3cret-Pw@[::1"],
)
def test_a_store_address_with_a_user_or_password_is_refused_and_never_saved(
    tmp_path: Path, typed: str
) -> None:
    expected = (
        rf"^{ADDRESS}: the address must not contain a user name or password; the app signs in by itself"
    )
    with pytest.raises(ValidationError, match=expected) as refused:
        normalise_server_url(typed)
    assert "s3cret" not in str(refused.value)  # the message may be logged: it never repeats a password

    workspaces = workspaces_in(tmp_path)
    with pytest.raises(ValidationError, match=f"{ADDRESS}: the address must not contain") as refused:
        workspaces.create("Client X", typed, PASS, PASS)
    assert "s3cret" not in str(refused.value)
    with pytest.raises(ValidationError, match=expected):
        workspaces.enroll(typed, "ABCD-1234")
    assert "s3cret" not in list_file(tmp_path)
    assert "ana" not in list_file(tmp_path)


@pytest.mark.req("FLD-118")
def test_usable_store_addresses_are_kept_as_typed(tmp_path: Path) -> None:
    assert (
        normalise_server_url(" https://quality.example:8443/audit/ ") == "https://quality.example:8443/audit"
    )
    assert normalise_server_url("http://[::1]:8765") == "http://[::1]:8765"
    assert normalise_server_url("https://høst.example") == "https://høst.example"
    assert normalise_server_url("http://127.0.0.1:65535") == "http://127.0.0.1:65535"
    workspaces = workspaces_in(tmp_path)
    entry, _ = workspaces.create("Client Y", "http://[::1]:8765/", PASS, PASS)
    assert entry.server_url == "http://[::1]:8765"
    workspaces.close()
