"""Closing a real field store whose disk is full: the final checkpoint fails, the close does not."""

from __future__ import annotations

import errno
import logging
import os
from pathlib import Path

import pytest

from auditapp.store import FieldStore, StoreError
from tests.contract.event_samples import factory, notes
from tests.integration.store.test_field_store_files import PASS, filled


def _disk_full(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Make every checkpoint write fail as on a full disk; returns the files it tried to write."""
    tried: list[Path] = []

    def full(path: Path, data: bytes) -> None:
        tried.append(path)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path) + ".tmp")

    monkeypatch.setattr("auditapp.store.views.write_atomically", full)
    return tried


@pytest.mark.req("STO-014")
def test_close_releases_the_store_when_the_final_checkpoint_finds_the_disk_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    events, digest = filled(tmp_path / "s")
    later = notes(factory("tablet-3"), "audit-c", 3)
    store = FieldStore.open(tmp_path / "s", PASS)
    store.append(later)
    store.put("sync.token", "a secret token")
    tried = _disk_full(monkeypatch)

    with caplog.at_level(logging.WARNING, logger="auditapp.store"):
        store.close()  # no error: the journal already holds every record

    assert tried, "the close tried to checkpoint"
    with pytest.raises(StoreError, match="is closed"):
        store.append(notes(factory("tablet-4"), "audit-c", 1))
    [warning] = [r for r in caplog.records if r.levelno == logging.WARNING]
    logged = warning.getMessage()
    assert "could not write its views" in logged
    assert "No space left on device" in logged
    for secret in (PASS, "a secret token", "für"):  # no passphrase, setting or audit text
        assert secret not in logged

    monkeypatch.undo()  # space freed
    with FieldStore.open(tmp_path / "s", PASS) as again:  # the lock was released, and nothing is lost
        assert again.events("audit-c") == later
        assert again.events("audit-b") == events[5:]
        assert again.get("sync.token") == "a secret token"
        assert again.photos.get(digest) == b"\xff\xd8photo bytes"
    with FieldStore.open(tmp_path / "s", PASS) as again:
        assert again.events("audit-c") == later
