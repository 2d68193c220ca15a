"""A sync round against a real store on loopback: what a failing photo, a proxy's 413 or a full tablet does
to the changes, and what the sync panel then says."""

from __future__ import annotations

import base64
import errno
import json
import os
from pathlib import Path

import pytest

from auditapp.services.field_views import SyncView
from auditapp.services.sync_panel import SyncPanel, round_failure, sync_panel
from auditapp.store.errors import StoreError
from sync.batch import Record
from sync.blobs import encrypt_blob
from sync.client import SyncClient
from sync.errors import PLAIN_WORDS, Refused, TransportError
from sync.keys import DeviceKeys
from sync.progress import SyncProgress
from sync.runner import SyncRunner
from sync.transport import Backoff, HttpTransport
from tests.integration.sync_e2e.faulty_proxy import Fault, FaultyProxy

from .device_fakes import MemoryBlobs, MemoryCursor, MemoryOutbox
from .loopback import Fault as StoreFault
from .loopback import StoreState, running_store

DEVICE_ID = "tablet-1"
FAST = Backoff(base=0.001, cap=0.01)
MIB = 1024 * 1024
PROXY_LIMIT = MIB
"""nginx's default client_max_body_size."""


def _client(
    url: str,
    state: StoreState,
    keys: DeviceKeys,
    *,
    outbox: MemoryOutbox | None = None,
    blobs: MemoryBlobs | None = None,
    max_attempts: int | None = 3,
    **options: object,
) -> SyncClient:
    cursor = MemoryCursor()
    transport = HttpTransport(url, device_id=DEVICE_ID, signer=keys, backoff=FAST, max_attempts=max_attempts)
    return SyncClient(
        transport,
        keys=keys,
        device_id=DEVICE_ID,
        store_public=state.keys.public,
        outbox=outbox or MemoryOutbox(),
        blobs=blobs,
        cursor=cursor,
        on_pulled=cursor.store,
        **options,  # type: ignore[arg-type]
    )


def _changes(count: int, body_bytes: int = 0) -> list[Record]:
    def body(seq: int) -> bytes:
        # Random text compresses little, so the envelope is about as large as the records.
        note = base64.b64encode(os.urandom(body_bytes * 3 // 4)).decode() if body_bytes else "label missing"
        return json.dumps({"seq": seq, "note": note}).encode()

    return [Record(f"ev-{seq}", seq, body(seq)) for seq in range(1, count + 1)]


def _panel(progress: SyncProgress) -> SyncPanel:
    """The sync panel as the field agent builds it from the client's progress."""
    view = SyncView(
        configured=True,
        online=progress.state != "waiting",
        waiting_events=progress.events_waiting,
        last_success=progress.last_success,
        last_error=progress.last_error,
        waiting_bytes=progress.bytes_waiting,
        sending=progress.state == "syncing",
        sent_events=progress.events_sent,
        sent_bytes=progress.bytes_sent,
    )
    return sync_panel(view)


# ---------------------------------------------------------------------------------------------- SYN-108
@pytest.mark.req("SYN-108")
@pytest.mark.req("SYN-209")
def test_behind_a_proxy_with_a_1_mib_body_limit_every_change_and_the_whole_photo_arrive_in_one_round(
    tmp_path: Path,
) -> None:
    keys = DeviceKeys.generate()
    photo = encrypt_blob(os.urandom(MIB + MIB // 2))  # one 2 MiB chunk by default: over the proxy's limit
    blobs = MemoryBlobs()
    blobs.add(photo.blob_id, photo.ciphertext)
    outbox = MemoryOutbox(_changes(3))
    with running_store(tmp_path) as (url, state):
        state.enroll(DEVICE_ID, keys)
        proxy = FaultyProxy(url, max_body=PROXY_LIMIT)
        try:
            client = _client(proxy.url, state, keys, outbox=outbox, blobs=blobs)
            client.sync_once()
            assert sorted(state.events) == ["ev-1", "ev-2", "ev-3"]
            assert state.blobs.status(photo.blob_id).state == "complete"
            assert state.blobs.path(photo.blob_id).read_bytes() == photo.ciphertext
            refused = [path for method, path, fault in proxy.log.faults if fault is Fault.TOO_LARGE]
            assert refused == [f"/sync/v1/blobs/{photo.blob_id}/chunks/0"]  # once, then smaller chunks
            chunks = [d.path.rsplit("/", 1)[1] for d in proxy.delivered("PUT", photo.blob_id)]
            assert chunks == ["0", "1"]  # 1 MiB and 0.5 MiB
            progress = client.progress()
            assert (progress.events_waiting, progress.bytes_waiting, progress.last_error) == (0, 0, None)
            assert _panel(progress).waiting == "Nothing waiting to be sent"
        finally:
            proxy.close()


@pytest.mark.req("SYN-108")
@pytest.mark.req("SYN-209")
def test_a_batch_a_proxy_refuses_as_too_large_is_sent_in_smaller_batches(tmp_path: Path) -> None:
    keys = DeviceKeys.generate()
    outbox = MemoryOutbox(_changes(4, body_bytes=600 * 1024))  # about 2.4 MB sealed: over the limit
    with running_store(tmp_path) as (url, state):
        state.enroll(DEVICE_ID, keys)
        proxy = FaultyProxy(url, max_body=PROXY_LIMIT)
        try:
            client = _client(proxy.url, state, keys, outbox=outbox)
            client.sync_once()
            assert sorted(state.events) == ["ev-1", "ev-2", "ev-3", "ev-4"]
            assert any(fault is Fault.TOO_LARGE for _, _, fault in proxy.log.faults)
            assert client.progress().last_error is None
        finally:
            proxy.close()


@pytest.mark.req("SYN-108")
@pytest.mark.req("SYN-209")
def test_a_photo_the_store_holds_in_chunks_a_proxy_refuses_waits_but_the_changes_go_and_the_panel_says_why(
    tmp_path: Path,
) -> None:
    keys = DeviceKeys.generate()
    photo = encrypt_blob(os.urandom(5 * MIB - 28))  # 5 MiB of ciphertext
    blobs = MemoryBlobs()
    blobs.add(photo.blob_id, photo.ciphertext)
    blobs.started.add(photo.blob_id)  # its first 2 MiB chunk reached the store before the proxy came
    outbox = MemoryOutbox(_changes(3))
    with running_store(tmp_path) as (url, state):
        state.enroll(DEVICE_ID, keys)
        first = photo.ciphertext[: 2 * MIB]
        state.blobs.write_chunk(photo.blob_id, 0, first, total_size=5 * MIB, chunk_size=2 * MIB)
        proxy = FaultyProxy(url, max_body=PROXY_LIMIT)
        try:
            client = _client(proxy.url, state, keys, outbox=outbox, blobs=blobs)
            with pytest.raises(Refused) as caught:
                client.sync_once()
            assert caught.value.refusal_code == "http_413"
            # The store keeps the chunk size a blob started with: its 2 MiB chunks cannot pass the proxy,
            # but the changes are not held back by it.
            assert sorted(state.events) == ["ev-1", "ev-2", "ev-3"]
            progress = client.progress()
            assert progress.events_waiting == 0
            assert progress.bytes_waiting == 3 * MIB  # the store holds 2 of the 5 MiB
            panel = _panel(progress)
            assert panel.tone == "problem"
            assert not panel.sending
            assert panel.problem == PLAIN_WORDS["http_413"]
            assert "proxy" in panel.problem
            assert "body size limit" in panel.problem
            assert "413" not in panel.summary
        finally:
            proxy.close()


@pytest.mark.req("SYN-108")
def test_a_cut_photo_upload_does_not_hold_back_the_changes(tmp_path: Path) -> None:
    keys = DeviceKeys.generate()
    photo = encrypt_blob(os.urandom(200 * 1024))
    blobs = MemoryBlobs()
    blobs.add(photo.blob_id, photo.ciphertext)
    outbox = MemoryOutbox(_changes(3))
    with running_store(tmp_path) as (url, state):
        state.enroll(DEVICE_ID, keys)
        state.faults.append(StoreFault("PUT /sync/v1/blobs", "drop_mid_request", times=100))
        client = _client(url, state, keys, outbox=outbox, blobs=blobs, chunk_size=64 * 1024)
        with pytest.raises(TransportError):
            client.sync_once()
        assert sorted(state.events) == ["ev-1", "ev-2", "ev-3"]
        progress = client.progress()
        assert (progress.state, progress.events_waiting, progress.bytes_waiting) == (
            "waiting",
            0,
            len(photo.ciphertext),
        )
        assert progress.last_error is not None
        assert "cannot be reached" in progress.last_error

        state.faults.clear()
        client.sync_once()  # the next round sends the photo
        assert state.blobs.path(photo.blob_id).read_bytes() == photo.ciphertext
        assert client.progress().up_to_date


@pytest.mark.req("SYN-108")
def test_a_revoked_device_is_not_asked_to_push_after_its_photo_is_refused(tmp_path: Path) -> None:
    keys = DeviceKeys.generate()
    photo = encrypt_blob(os.urandom(1000))
    blobs = MemoryBlobs()
    blobs.add(photo.blob_id, photo.ciphertext)
    with running_store(tmp_path) as (url, state):
        state.enroll(DEVICE_ID, keys, status="revoked")
        client = _client(url, state, keys, outbox=MemoryOutbox(_changes(2)), blobs=blobs)
        with pytest.raises(Refused) as caught:
            client.sync_once()
        assert caught.value.refusal_code == "revoked_device"
        assert state.requests["POST /sync/v1/push"] == 0
        assert client.progress().state == "refused"


# ---------------------------------------------------------------------------------------------- SYN-039
class FullTabletOutbox(MemoryOutbox):
    """The tablet's outbox on a full disk: what the store confirmed cannot be written down."""

    def acknowledge(self, event_ids: object) -> None:
        raise StoreError(
            "could not write to /data/ws/journal.bin: No space left on device; nothing was saved",
            on_screen="the tablet is full: free some space on it, then try again; nothing was saved",
        )


class UnreadablePhotos(MemoryBlobs):
    """A queued photo whose file cannot be read (a failing storage card)."""

    def read_blob(self, blob_id: str, offset: int, length: int) -> bytes:
        raise OSError(errno.EIO, os.strerror(errno.EIO), f"/data/ws/upload-queue/{blob_id}.blob")


@pytest.mark.req("SYN-036")
@pytest.mark.req("SYN-039")
def test_a_round_that_fails_on_a_full_tablet_ends_as_failed_and_the_panel_says_why(tmp_path: Path) -> None:
    keys = DeviceKeys.generate()
    outbox = FullTabletOutbox(_changes(2))
    with running_store(tmp_path) as (url, state):
        state.enroll(DEVICE_ID, keys)
        client = _client(url, state, keys, outbox=outbox, failure_words=round_failure)
        runner = SyncRunner(client.sync_once, backoff=Backoff(base=2.0, cap=300.0), rand=lambda: 1.0)
        delays = [runner.run_round() for _ in range(2)]
        assert delays == [2.0, 4.0]  # failed rounds: the runner backs off
        assert sorted(state.events) == ["ev-1", "ev-2"]  # sent; the tablet keeps them until it can note it
        progress = client.progress()
        assert progress.state == "failed"
        panel = _panel(progress)
        assert not panel.sending  # "Sync now" is offered again
        assert panel.connection == "Online"
        assert panel.problem == (
            "Sync stopped on this tablet: the tablet is full: free some space on it, then try again; "
            "nothing was saved. Nothing captured is lost; sync tries again shortly."
        )
        assert "/data" not in panel.summary  # the device's paths stay in the log
        assert panel.waiting == "2 changes waiting to be sent"


@pytest.mark.req("SYN-036")
@pytest.mark.req("SYN-039")
def test_an_unreadable_photo_ends_the_round_as_failed_without_holding_back_the_changes(
    tmp_path: Path,
) -> None:
    keys = DeviceKeys.generate()
    photo = encrypt_blob(os.urandom(1000))
    blobs = UnreadablePhotos()
    blobs.add(photo.blob_id, photo.ciphertext)
    with running_store(tmp_path) as (url, state):
        state.enroll(DEVICE_ID, keys)
        client = _client(
            url, state, keys, outbox=MemoryOutbox(_changes(2)), blobs=blobs, failure_words=round_failure
        )
        with pytest.raises(OSError, match="Input/output error"):
            client.sync_once()
        assert sorted(state.events) == ["ev-1", "ev-2"]
        panel = _panel(client.progress())
        assert not panel.sending
        assert panel.problem == (
            "Sync stopped on this tablet: this tablet could not read or write its files "
            "(Input/output error). Nothing captured is lost; sync tries again shortly."
        )


@pytest.mark.req("SYN-039")
def test_without_words_from_the_app_a_failed_round_shows_the_errors_own_message(tmp_path: Path) -> None:
    keys = DeviceKeys.generate()
    with running_store(tmp_path) as (url, state):
        state.enroll(DEVICE_ID, keys)
        client = _client(url, state, keys, outbox=FullTabletOutbox(_changes(1)))
        with pytest.raises(StoreError):
            client.sync_once()
        progress = client.progress()
        assert progress.state == "failed"
        assert progress.last_error is not None
        assert progress.last_error.startswith("Sync stopped on this tablet: could not write to")
        assert "No space left on device" in progress.last_error


# ---------------------------------------------------------------------------------------------- SYN-208
class WatchedBlobs(MemoryBlobs):
    """Blobs whose reads note what the sync panel shows just before each chunk is sent."""

    def __init__(self) -> None:
        super().__init__()
        self.client: SyncClient | None = None
        self.bars: list[float | None] = []

    def read_blob(self, blob_id: str, offset: int, length: int) -> bytes:
        if self.client is not None:
            self.bars.append(_panel(self.client.progress()).progress)
        return super().read_blob(blob_id, offset, length)


@pytest.mark.req("SYN-036")
@pytest.mark.req("SYN-208")
def test_photo_bytes_waiting_and_the_bar_count_only_what_the_store_lacks(tmp_path: Path) -> None:
    keys = DeviceKeys.generate()
    photo = encrypt_blob(os.urandom(6 * MIB - 28))  # 6 MiB of ciphertext, in six 1 MiB chunks
    blobs = WatchedBlobs()
    blobs.add(photo.blob_id, photo.ciphertext)
    with running_store(tmp_path) as (url, state):
        state.enroll(DEVICE_ID, keys)
        state.faults.append(StoreFault("PUT /sync/v1/blobs", "drop_mid_request", times=1, every=5))
        cut = _client(url, state, keys, blobs=blobs, max_attempts=1, chunk_size=MIB, parallel_uploads=1)
        with pytest.raises(TransportError):
            cut.sync_once()
        assert state.blobs.status(photo.blob_id).received == (0, 1, 2, 3)
        assert _panel(cut.progress()).waiting == "0 changes and 2.0 MB of photos waiting to be sent"

        # The app started again: a new client, which learns what the store holds from its status.
        resumed = _client(url, state, keys, blobs=blobs, chunk_size=MIB, parallel_uploads=1)
        blobs.client = resumed
        resumed.sync_once()
        # Before chunk 4 nothing is sent yet; before chunk 5, one of the two missing MiB is: half way.
        assert blobs.bars == [None, 0.5]
        progress = resumed.progress()
        assert (progress.bytes_sent, progress.bytes_waiting) == (2 * MIB, 0)
        assert _panel(progress).waiting == "Nothing waiting to be sent"
