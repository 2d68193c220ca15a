"""The field app's photo chunk size is configurable (AUDITAPP_SYNC_CHUNK_SIZE, `auditapp field --chunk-size`)
and reaches the real upload to a real `auditapp server`."""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from auditapp.bootstrap import field_workspace
from auditapp.cli import build_parser
from auditapp.cli.field import config_from
from auditapp.client.blob_queue import blob_queue_for
from auditapp.config import FieldConfig
from sync.blobs import DEFAULT_CHUNK_SIZE
from tests.integration.sync_e2e.devices import issue_code
from tests.integration.sync_e2e.faulty_proxy import Fault, FaultyProxy
from tests.support.processes import Running

PASSPHRASE = "a long passphrase"


@pytest.fixture
def proxy(central: Running) -> Iterator[FaultyProxy]:
    """A proxy without faults in front of the store: it logs every request that reached it."""
    made = FaultyProxy(central.url, lambda _m, _p, _n: Fault.NONE)
    try:
        yield made
    finally:
        made.close()


def _upload_a_photo(config: FieldConfig, central: Running) -> tuple[int, int, str]:
    """Set up the workspace the configuration describes (as `auditapp field` does), enroll it and sync one
    photo. Returns the encrypted blob's size, the number of chunks it takes at the configured size, and its
    id."""
    ws = field_workspace(config)
    try:
        ws.set_up(PASSPHRASE, PASSPHRASE)
        ws.enroll(issue_code(central))
        queue = blob_queue_for(ws.store())
        assert queue is not None
        ref = queue.queue(os.urandom(200_000))
        size = queue.blob_size(ref.blob_id)
        view = ws.sync_now()
        assert view.last_error is None, view.last_error
        assert queue.pending_blobs() == []
        return size, math.ceil(size / (config.sync_chunk_size or DEFAULT_CHUNK_SIZE)), ref.blob_id
    finally:
        ws.close()


def _stored(central: Running, blob_id: str) -> bytes:
    home = Path(central.env["AUDITAPP_HOME"])  # type: ignore[attr-defined]
    return (home / "central" / "blobs" / "complete" / blob_id[:2] / blob_id).read_bytes()


@pytest.mark.req("SYN-106")
@pytest.mark.parametrize(
    ("option", "variable"), [(["--chunk-size", "65536"], None), ([], "65000"), ([], None)]
)
def test_the_field_app_uploads_photos_in_chunks_of_the_configured_size(
    central: Running,
    proxy: FaultyProxy,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    option: list[str],
    variable: str | None,
) -> None:
    monkeypatch.setenv("AUDITAPP_HOME", str(tmp_path / "home"))
    if variable is not None:
        monkeypatch.setenv("AUDITAPP_SYNC_CHUNK_SIZE", variable)
    args = build_parser("field").parse_args(
        ["field", "--workspace", str(tmp_path / "field"), "--server-url", proxy.url, *option]
    )
    config = config_from(args)
    expected_chunk = int(option[1]) if option else int(variable) if variable else DEFAULT_CHUNK_SIZE
    assert (config.sync_chunk_size or DEFAULT_CHUNK_SIZE) == expected_chunk

    size, chunks, blob_id = _upload_a_photo(config, central)

    puts = [d for d in proxy.delivered("PUT", "/chunks/") if d.status < 300]
    assert len(puts) == chunks == math.ceil(size / expected_chunk)
    assert [d.path.rsplit("/", 1)[1] for d in puts] == [str(n) for n in range(chunks)]
    assert chunks == (1 if expected_chunk == DEFAULT_CHUNK_SIZE else 4)  # 200 kB: four chunks, or one
    assert hashlib.sha256(_stored(central, blob_id)).hexdigest() == blob_id
