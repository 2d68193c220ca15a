"""The field store on real files: reopening, passphrases, locking, encryption at rest, damaged files."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from auditapp.domain.errors import AuditAppError
from auditapp.domain.events import DomainEvent, EventKind
from auditapp.store import (
    FieldStore,
    StoreCorruptError,
    StoreExistsError,
    StoreLockedError,
    StoreMissingError,
    WrongPassphraseError,
)
from tests.contract.event_samples import factory, notes

PASS = "field passphrase 1"


def fingerprint(folder: Path) -> dict[str, str]:
    """SHA-256 of every file in the store folder (the lock file excluded: it is empty)."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "lock"
    }


def filled(folder: Path, checkpoint_every: int = 1000) -> tuple[list[DomainEvent], str]:
    """A closed store with two audits, some acknowledged events, settings and a photo."""
    make = factory("tablet-1")
    events = notes(make, "audit-a", 5) + notes(make, "audit-b", 3)
    with FieldStore.create(folder, PASS, checkpoint_every=checkpoint_every) as store:
        for event in events:
            store.append([event])
        store.merge_remote(notes(factory("tablet-2"), "audit-a", 2))
        store.acknowledge([events[0].event_id])
        store.put("server_url", "https://quality.example")
        digest = store.photos.put(b"\xff\xd8photo bytes")
    return events, digest


@pytest.mark.req("STO-009")
@pytest.mark.parametrize("checkpoint_every", [1, 3, 1000])
def test_everything_is_back_after_reopening(tmp_path: Path, checkpoint_every: int) -> None:
    events, digest = filled(tmp_path / "s", checkpoint_every)
    with FieldStore.open(tmp_path / "s", PASS, checkpoint_every=checkpoint_every) as store:
        assert store.audit_ids() == ["audit-a", "audit-b"]
        assert store.events("audit-a")[:5] == events[:5]
        assert len(store.events("audit-a")) == 7
        assert store.events("audit-b") == events[5:]
        assert store.pending() == events[1:]
        assert store.last_seq("tablet-1") == 8
        assert store.last_seq("tablet-2") == 2
        assert store.get("server_url") == "https://quality.example"
        assert store.photos.get(digest) == b"\xff\xd8photo bytes"


@pytest.mark.req("STO-001")
def test_a_copy_taken_while_the_store_is_open_holds_every_acknowledged_write(tmp_path: Path) -> None:
    """What is on disk at any moment (a power cut) already holds every write that returned."""
    make = factory("tablet-1")
    store = FieldStore.create(tmp_path / "live", PASS, checkpoint_every=4)
    events = notes(make, "audit-a", 10)
    for event in events:
        store.append([event])
    store.acknowledge([events[0].event_id])
    store.put("device_id", "tablet-1")
    shutil.copytree(tmp_path / "live", tmp_path / "cut", ignore=shutil.ignore_patterns("lock"))
    store.close()
    with FieldStore.open(tmp_path / "cut", PASS) as copy:
        assert copy.events("audit-a") == events
        assert copy.pending() == events[1:]
        assert copy.get("device_id") == "tablet-1"


@pytest.mark.req("STO-005")
def test_passphrase_change_rewraps_the_key_and_leaves_data_files_alone(tmp_path: Path) -> None:
    events, digest = filled(tmp_path / "s")
    before = fingerprint(tmp_path / "s")
    with FieldStore.open(tmp_path / "s", PASS) as store:
        with pytest.raises(WrongPassphraseError):
            store.change_passphrase("not the old one", "new passphrase")
        store.change_passphrase(PASS, "new passphrase")
    after = fingerprint(tmp_path / "s")
    changed = {name for name in before if before[name] != after.get(name)}
    assert changed <= {"key.json", "device.view"}
    with pytest.raises(WrongPassphraseError):
        FieldStore.open(tmp_path / "s", PASS)
    with FieldStore.open(tmp_path / "s", "new passphrase") as store:
        assert store.events("audit-b") == events[5:]
        assert store.photos.get(digest) == b"\xff\xd8photo bytes"


@pytest.mark.req("STO-004")
def test_a_wrong_passphrase_is_a_clear_error_and_touches_nothing(tmp_path: Path) -> None:
    filled(tmp_path / "s")
    before = fingerprint(tmp_path / "s")
    with pytest.raises(WrongPassphraseError, match=r"wrong passphrase .*s; nothing was changed"):
        FieldStore.open(tmp_path / "s", "guess")
    assert fingerprint(tmp_path / "s") == before
    with FieldStore.open(tmp_path / "s", PASS) as store:  # the failed attempt left no lock behind
        assert store.audit_ids() == ["audit-a", "audit-b"]


@pytest.mark.req("STO-006")
def test_a_second_opener_is_refused_with_the_folder_named(tmp_path: Path) -> None:
    folder = tmp_path / "s"
    with FieldStore.create(folder, PASS), pytest.raises(StoreLockedError, match=str(folder)):
        FieldStore.open(folder, PASS)
    with FieldStore.open(folder, PASS):
        pass


@pytest.mark.req("STO-010")
def test_create_refuses_an_existing_store_and_open_a_missing_one(tmp_path: Path) -> None:
    events, digest = filled(tmp_path / "s")
    before = fingerprint(tmp_path / "s")
    with pytest.raises(StoreExistsError, match="already exists"):
        FieldStore.create(tmp_path / "s", "other")
    with pytest.raises(StoreMissingError, match="no field store"):
        FieldStore.open(tmp_path / "empty", PASS)
    assert FieldStore.exists(tmp_path / "s")
    assert not FieldStore.exists(tmp_path / "empty")
    # Neither refusal changed anything: the same files and bytes, and no folder for the missing store.
    assert fingerprint(tmp_path / "s") == before
    assert [p.name for p in tmp_path.iterdir()] == ["s"]
    with pytest.raises(WrongPassphraseError):  # the refused create did not take the new passphrase
        FieldStore.open(tmp_path / "s", "other")
    with FieldStore.open(tmp_path / "s", PASS) as store:
        assert store.events("audit-b") == events[5:]
        assert store.pending() == events[1:]
        assert store.photos.get(digest) == b"\xff\xd8photo bytes"


@pytest.mark.req("FLD-011")
def test_errors_name_the_folder_for_the_log_and_keep_it_off_the_screen(tmp_path: Path) -> None:
    folder = tmp_path / "s"
    filled(folder, checkpoint_every=100_000)
    refusals: list[AuditAppError] = []

    def refused(action: Callable[[], object]) -> None:
        with pytest.raises(AuditAppError) as caught:
            action()
        refusals.append(caught.value)

    refused(lambda: FieldStore.open(folder, "guess"))
    refused(lambda: FieldStore.create(folder, "other"))
    refused(lambda: FieldStore.open(tmp_path / "empty", PASS))
    with FieldStore.open(folder, PASS):
        refused(lambda: FieldStore.open(folder, PASS))
    store = FieldStore.open(folder, PASS)
    store.close()
    refused(lambda: store.append(notes(factory("tablet-1"), "a", 1)))
    for view in [folder / "device.view", *(folder / "audits").iterdir()]:
        view.unlink()
    journal = folder / "journal.bin"
    data = bytearray(journal.read_bytes())
    data[60] ^= 0xFF
    journal.write_bytes(bytes(data))
    refused(lambda: FieldStore.open(folder, PASS))

    on_screen = [e.for_screen for e in refusals]
    assert on_screen == [
        "wrong passphrase; nothing was changed. Passphrases are case-sensitive: check Caps Lock and try "
        "again",
        "this workspace's folder already holds a workspace; open it instead of setting up a new one",
        "this workspace holds no data on this device; set it up first",
        "this workspace is already open in another app window; close the other app window first",
        "this workspace is locked; unlock it again",
        on_screen[-1],
    ]
    assert on_screen[-1].startswith("the workspace's file journal.bin is damaged: record at byte")
    for error, words in zip(refusals, on_screen, strict=True):
        assert str(tmp_path) in str(error), error  # the command line and the log name the folder
        assert "/" not in words, words


@pytest.mark.req("STO-003")
def test_no_captured_text_setting_or_photo_bytes_are_readable_on_disk(tmp_path: Path) -> None:
    make = factory("tablet-1")
    secret_note = "Operator skipped the torque check on line 3"
    photo = b"JFIF-like" + b"pixel data " * 200
    with FieldStore.create(tmp_path / "s", PASS, checkpoint_every=2) as store:
        store.append([make.make("audit-0042", EventKind.NOTE_ADDED, {"text": secret_note})])
        store.append(notes(make, "audit-0042", 3))
        store.put("device_private_key", "PRIVATE-KEY-MATERIAL")
        digest = store.photos.put(photo)
    needles = [secret_note, "PRIVATE-KEY-MATERIAL", "audit-0042", "NoteAdded", "tablet-1", digest]
    for path in (tmp_path / "s").rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            for needle in needles:
                assert needle.encode() not in content, (needle, path)
            assert b"pixel data " not in content


@pytest.mark.req("STO-002")
def test_a_torn_tail_is_dropped_and_later_writes_survive(tmp_path: Path) -> None:
    events, _ = filled(tmp_path / "s")
    journal = tmp_path / "s" / "journal.bin"
    with journal.open("ab") as handle:
        handle.write(os.urandom(37))
    more = notes(factory("tablet-1", 1_900_000_000_000), "audit-b", 2)
    with FieldStore.open(tmp_path / "s", PASS) as store:
        store.append(more)
    with FieldStore.open(tmp_path / "s", PASS) as store:
        assert store.events("audit-b") == events[5:] + more


@pytest.mark.req("STO-002")
def test_damage_in_the_middle_of_the_journal_is_reported_with_the_file(tmp_path: Path) -> None:
    filled(tmp_path / "s", checkpoint_every=100_000)
    journal = tmp_path / "s" / "journal.bin"
    for view in [tmp_path / "s" / "device.view", *(tmp_path / "s" / "audits").iterdir()]:
        view.unlink()  # force a replay of the whole journal
    data = bytearray(journal.read_bytes())
    data[60] ^= 0xFF
    journal.write_bytes(bytes(data))
    with pytest.raises(StoreCorruptError, match=r"journal\.bin is damaged: record at byte"):
        FieldStore.open(tmp_path / "s", PASS)
    assert journal.read_bytes() == bytes(data)


def test_a_tampered_photo_file_is_reported_not_returned(tmp_path: Path) -> None:
    _, digest = filled(tmp_path / "s")
    (photo,) = (tmp_path / "s" / "photos").iterdir()
    data = bytearray(photo.read_bytes())
    data[-1] ^= 1
    photo.write_bytes(bytes(data))
    with FieldStore.open(tmp_path / "s", PASS) as store, pytest.raises(StoreCorruptError, match=digest):
        store.photos.get(digest)


def test_a_closed_store_refuses_writes_clearly(tmp_path: Path) -> None:
    store = FieldStore.create(tmp_path / "s", PASS)
    store.close()
    with pytest.raises(AuditAppError, match="closed"):
        store.append(notes(factory("tablet-1"), "a", 1))


@pytest.mark.req("STO-001")
def test_a_checkpoint_that_fails_loses_nothing_once_the_disk_recovers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from auditapp.store import atomic, views

    make = factory("tablet-1")
    events = notes(make, "audit-a", 4)
    other = notes(make, "audit-b", 2)
    store = FieldStore.create(tmp_path / "s", PASS, checkpoint_every=2)
    store.append(events[:1])

    def disk_full(path: Path, data: bytes) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(views, "write_atomically", disk_full)
    store.append(events[1:2])  # triggers a checkpoint that fails; the append itself succeeded
    store.append(events[2:])
    monkeypatch.setattr(views, "write_atomically", atomic.write_atomically)
    store.append(other)  # the next checkpoint succeeds and must include audit-a's events as well
    store.append(other)
    store.close()
    with FieldStore.open(tmp_path / "s", PASS) as reopened:
        assert reopened.events("audit-a") == events
        assert reopened.events("audit-b") == other
        assert reopened.pending() == events + other


def test_a_journal_replaced_by_another_file_is_reported_not_overwritten(tmp_path: Path) -> None:
    filled(tmp_path / "s")
    journal = tmp_path / "s" / "journal.bin"
    journal.write_bytes(b'{"not": "a journal"}')
    with pytest.raises(StoreCorruptError, match=r"journal\.bin is damaged: it does not start with"):
        FieldStore.open(tmp_path / "s", PASS)
    assert journal.read_bytes() == b'{"not": "a journal"}'


def flip_last_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-1] ^= 1
    path.write_bytes(bytes(data))


@pytest.mark.req("STO-001")
def test_a_damaged_audit_view_is_rebuilt_from_the_journal_and_kept_aside(tmp_path: Path) -> None:
    events, _ = filled(tmp_path / "s", checkpoint_every=2)
    for view in (tmp_path / "s" / "audits").glob("*.view"):
        flip_last_byte(view)
    with FieldStore.open(tmp_path / "s", PASS) as store:
        assert store.events("audit-b") == events[5:]
        assert store.events("audit-a")[:5] == events[:5]
        assert len(store.rebuilt_views) == 2
    assert len(list((tmp_path / "s" / "audits").glob("*.damaged-*"))) == 2
    with FieldStore.open(tmp_path / "s", PASS) as store:
        assert store.rebuilt_views == []
        assert store.events("audit-b") == events[5:]


@pytest.mark.req("STO-007")
def test_a_damaged_device_view_is_rebuilt_with_outbox_settings_and_sequence(tmp_path: Path) -> None:
    events, digest = filled(tmp_path / "s", checkpoint_every=2)
    flip_last_byte(tmp_path / "s" / "device.view")
    with FieldStore.open(tmp_path / "s", PASS) as store:
        assert store.rebuilt_views == ["device.view"]
        assert store.pending() == events[1:]
        assert store.get("server_url") == "https://quality.example"
        assert store.last_seq("tablet-1") == 8
        assert store.audit_ids() == ["audit-a", "audit-b"]
        assert store.photos.get(digest) == b"\xff\xd8photo bytes"


def test_views_are_not_set_aside_when_the_key_file_belongs_to_another_store(tmp_path: Path) -> None:
    filled(tmp_path / "s")
    with FieldStore.create(tmp_path / "other", PASS):
        pass
    shutil.copy(tmp_path / "other" / "key.json", tmp_path / "s" / "key.json")
    before = fingerprint(tmp_path / "s")
    with pytest.raises(StoreCorruptError, match="does not open with this store's key file"):
        FieldStore.open(tmp_path / "s", PASS)
    assert fingerprint(tmp_path / "s") == {**before}


def test_a_missing_audit_view_is_rebuilt_not_shown_as_an_empty_audit(tmp_path: Path) -> None:
    events, _ = filled(tmp_path / "s", checkpoint_every=2)
    for view in (tmp_path / "s" / "audits").glob("*.view"):
        view.unlink()
    with FieldStore.open(tmp_path / "s", PASS) as store:
        assert store.events("audit-b") == events[5:]
    with FieldStore.open(tmp_path / "s", PASS) as store:
        assert store.rebuilt_views == []
        assert store.events("audit-b") == events[5:]
