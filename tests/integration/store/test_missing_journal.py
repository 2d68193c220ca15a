"""A workspace whose journal file went missing (a restore that left it out): refused, never replaced."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from auditapp.domain.events import DomainEvent
from auditapp.store import FieldStore, StoreCorruptError
from tests.contract.event_samples import factory, notes
from tests.integration.store.test_field_store_files import PASS, filled, fingerprint

ON_SCREEN = (
    "the workspace's file journal.bin is missing from its folder (a copy or restore may have left it "
    "out); this workspace cannot be opened until that file is put back; nothing was changed"
)


def checkpointed(folder: Path) -> list[DomainEvent]:
    """A closed store whose views hold its audits (checkpointed every two records and on close); returns
    the events waiting to be sent."""
    events, _ = filled(folder, checkpoint_every=2)
    return events[1:]  # the first one was acknowledged


def copied_while_open(folder: Path, *, closed_empty_first: bool) -> list[DomainEvent]:
    """What is on disk after a power cut: events in the journal, none of them in a checkpoint yet.

    With `closed_empty_first` the store was closed once while empty, so its device view exists and
    says nothing was checkpointed beyond the journal's header; without it there is no view at all.
    Returns the events waiting to be sent.
    """
    live = folder.with_name(folder.name + "-live")
    FieldStore.create(live, PASS, checkpoint_every=100_000).close()
    if not closed_empty_first:
        (live / "device.view").unlink()
    events = notes(factory("tablet-1"), "audit-a", 4)
    with FieldStore.open(live, PASS, checkpoint_every=100_000) as store:
        store.append(events)
        store.put("server_url", "https://quality.example")
        shutil.copytree(live, folder, ignore=shutil.ignore_patterns("lock"))
    return events


STORES: dict[str, Callable[[Path], list[DomainEvent]]] = {
    "checkpointed": checkpointed,
    "nothing checkpointed beyond the header": lambda f: copied_while_open(f, closed_empty_first=True),
    "never checkpointed": lambda f: copied_while_open(f, closed_empty_first=False),
}


@pytest.mark.req("STO-015")
@pytest.mark.parametrize("kind", list(STORES))
def test_a_missing_journal_is_refused_by_name_and_the_store_reads_the_same_once_it_is_back(
    tmp_path: Path, kind: str
) -> None:
    folder = tmp_path / "s"
    waiting = STORES[kind](folder)
    journal = folder / "journal.bin"
    journal.rename(tmp_path / "journal.bin.restored-later")
    before = fingerprint(folder)

    with pytest.raises(StoreCorruptError) as refused:
        FieldStore.open(folder, PASS)

    assert str(journal) in str(refused.value)
    assert "is missing" in str(refused.value)
    assert refused.value.for_screen == ON_SCREEN
    assert not journal.exists()  # no empty journal was put in its place
    assert fingerprint(folder) == before  # no view set aside or rewritten either

    (tmp_path / "journal.bin.restored-later").rename(journal)
    for _ in range(2):  # and again, from the checkpoint written on close
        with FieldStore.open(folder, PASS) as store:
            assert store.pending() == waiting  # every event is back, read from the audits' views
            assert store.get("server_url") == "https://quality.example"


@pytest.mark.req("STO-015")
def test_a_damaged_device_view_is_not_set_aside_while_the_journal_is_missing(tmp_path: Path) -> None:
    folder = tmp_path / "s"
    waiting = checkpointed(folder)
    view = folder / "device.view"
    data = bytearray(view.read_bytes())
    data[-1] ^= 1
    view.write_bytes(bytes(data))
    (folder / "journal.bin").rename(tmp_path / "journal.bin")
    before = fingerprint(folder)

    with pytest.raises(StoreCorruptError, match=r"journal\.bin is missing"):
        FieldStore.open(folder, PASS)

    assert fingerprint(folder) == before  # the view is where it was: it was not taken for the damage
    (tmp_path / "journal.bin").rename(folder / "journal.bin")
    with FieldStore.open(folder, PASS) as store:  # the journal back, the view is rebuilt from it
        assert store.rebuilt_views == ["device.view"]
        assert store.pending() == waiting


@pytest.mark.req("STO-015")
def test_recovering_with_the_recovery_key_is_refused_too_and_keeps_the_passphrase(tmp_path: Path) -> None:
    folder = tmp_path / "s"
    checkpointed(folder)
    with FieldStore.open(folder, PASS) as store:
        recovery_key = store.new_recovery_key(PASS)
    (folder / "journal.bin").rename(tmp_path / "journal.bin")
    before = fingerprint(folder)

    with pytest.raises(StoreCorruptError, match=r"journal\.bin is missing"):
        FieldStore.recover(folder, recovery_key, "a new passphrase")

    assert fingerprint(folder) == before
    (tmp_path / "journal.bin").rename(folder / "journal.bin")
    with FieldStore.open(folder, PASS) as store:
        assert store.audit_ids() == ["audit-a", "audit-b"]
