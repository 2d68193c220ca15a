"""The store's key pair: created once in a private file, and a different file is refused at start."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from auditapp.central.api import create_app
from auditapp.central.enrollment import StoreKeyMismatch, load_store_keys
from auditapp.central.service import open_database
from auditapp.config import ServerConfig


def test_key_file_is_created_once_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "central" / "store-keys.bin"
    first = load_store_keys(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_store_keys(path).public == first.public
    assert "signing_public" in repr(first)  # never the private bytes


def test_server_refuses_a_key_file_other_than_the_one_devices_enrolled_with(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = open_database(f"sqlite:///{tmp_path / 'central.db'}")
    config = ServerConfig(database_url="unused", blob_dir=tmp_path / "central" / "blobs")
    try:
        create_app(config, database)
        (tmp_path / "central" / "store-keys.bin").rename(tmp_path / "lost.bin")
        with pytest.raises(StoreKeyMismatch, match="restore the backed-up key file"):
            create_app(config, database)
        monkeypatch.setenv("AUDITAPP_STORE_KEY_FILE", str(tmp_path / "lost.bin"))
        create_app(config, database)  # the original file, wherever it lives, is accepted
    finally:
        database.dispose()
