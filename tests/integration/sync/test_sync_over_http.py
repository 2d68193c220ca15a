"""Push, pull and blob upload against a real HTTP store on loopback, through injected network faults."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from auditapp.client.blob_queue import BlobQueue
from sync.batch import Record
from sync.blobs import encrypt_blob
from sync.client import SyncClient
from sync.errors import Refused, TransportError
from sync.keys import DeviceKeys, PublicKeys
from sync.transport import Backoff, HttpTransport

from .device_fakes import MemoryBlobs, MemoryCursor, MemoryOutbox
from .loopback import Fault, StoreState, running_store

DEVICE_ID = "tablet-1"
FAST = Backoff(base=0.001, cap=0.01)


def make_client(
    url: str,
    state: StoreState,
    keys: DeviceKeys,
    *,
    outbox: MemoryOutbox | None = None,
    blobs: MemoryBlobs | None = None,
    cursor: MemoryCursor | None = None,
    batch_size: int = 100,
    chunk_size: int = 64 * 1024,
    max_attempts: int | None = None,
    timeout: tuple[float, float] = (2.0, 10.0),
) -> SyncClient:
    transport = HttpTransport(
        url, device_id=DEVICE_ID, signer=keys, backoff=FAST, max_attempts=max_attempts, timeout=timeout
    )
    cursor = cursor or MemoryCursor()
    return SyncClient(
        transport,
        keys=keys,
        device_id=DEVICE_ID,
        store_public=state.keys.public,
        outbox=outbox or MemoryOutbox(),
        blobs=blobs,
        cursor=cursor,
        on_pulled=cursor.store,
        batch_size=batch_size,
        chunk_size=chunk_size,
    )


def records(count: int) -> list[Record]:
    return [
        Record(f"ev-{seq:05d}", seq, json.dumps({"seq": seq, "note": "label missing"}).encode())
        for seq in range(1, count + 1)
    ]


@pytest.mark.req("SYN-030")
def test_push_through_5xx_lost_acks_and_cuts_delivers_every_record_exactly_once(tmp_path: Path) -> None:
    keys = DeviceKeys.generate()
    outbox = MemoryOutbox(records(1200))
    with running_store(tmp_path) as (url, state):
        state.enroll(DEVICE_ID, keys)
        state.faults += [
            Fault("POST /sync/v1/push", "503", times=4, every=2),
            Fault("POST /sync/v1/push", "lose_ack", times=3, every=3),
            Fault("POST /sync/v1/push", "drop_mid_request", times=2, every=4),
        ]
        client = make_client(url, state, keys, outbox=outbox)
        acknowledged = client.push_all()
        assert acknowledged == 1200
        assert outbox.pending_count() == 0
        assert sorted(state.events) == [record.event_id for record in records(1200)]
        assert set(state.applied.values()) == {1}
        assert client.transport.retries >= 9
        assert all(fault.times == 0 for fault in state.faults)


@pytest.mark.req("SYN-031")
def test_push_after_a_timeout_is_acknowledged_without_applying_twice(tmp_path: Path) -> None:
    keys = DeviceKeys.generate()
    outbox = MemoryOutbox(records(20))
    with running_store(tmp_path) as (url, state):
        state.enroll(DEVICE_ID, keys)
        state.faults.append(Fault("POST /sync/v1/push", "delay", seconds=1.5))
        client = make_client(url, state, keys, outbox=outbox, timeout=(2.0, 0.5))
        assert client.push_all() == 20
        assert state.requests["POST /sync/v1/push"] == 2
        assert set(state.applied.values()) == {1}
        assert len(state.applied) == 20


@pytest.mark.req("SYN-032")
def test_cut_mid_upload_resends_only_the_chunk_in_flight(tmp_path: Path) -> None:
    keys = DeviceKeys.generate()
    blob = encrypt_blob(bytes(range(256)) * 2500)
    blobs = MemoryBlobs()
    blobs.add(blob.blob_id, blob.ciphertext)
    with running_store(tmp_path) as (url, state):
        state.enroll(DEVICE_ID, keys)
        state.faults.append(Fault(f"PUT /sync/v1/blobs/{blob.blob_id}/chunks/4", "drop_mid_request"))
        state.faults.append(Fault(f"PUT /sync/v1/blobs/{blob.blob_id}/chunks/7", "503"))
        result = make_client(url, state, keys, blobs=blobs).upload_blob(blob.blob_id)
        chunk_puts = {k: v for k, v in state.requests.items() if "/chunks/" in k}
        assert len(chunk_puts) == 10  # 640,028 bytes: nine chunks of 64 KiB and a short last one
        assert sum(chunk_puts.values()) == 10 + 2  # chunk 4 and chunk 7 sent twice, nothing else
        assert result.chunks_sent == 10
        assert state.blobs.path(blob.blob_id).read_bytes() == blob.ciphertext
        assert blobs.pending_blobs() == []


@pytest.mark.req("SYN-033")
def test_upload_after_the_app_restarts_resumes_at_the_first_missing_chunk(tmp_path: Path) -> None:
    keys = DeviceKeys.generate()
    blob = encrypt_blob(b"cleanroom door photo" * 30000)  # 600 kB
    blobs = MemoryBlobs()
    blobs.add(blob.blob_id, blob.ciphertext)
    with running_store(tmp_path) as (url, state):
        state.enroll(DEVICE_ID, keys)
        state.faults.append(Fault(f"PUT /sync/v1/blobs/{blob.blob_id}/chunks/6", "drop_mid_request"))
        with pytest.raises(TransportError):
            make_client(url, state, keys, blobs=blobs, max_attempts=1).upload_blob(blob.blob_id)
        state.requests.clear()
        result = make_client(url, state, keys, blobs=blobs).upload_blob(blob.blob_id)
        assert result.resumed_at == 6
        assert result.chunks_sent == 4  # chunks 6, 7, 8 and the short last one 9
        assert sorted(k.rsplit("/", 1)[1] for k in state.requests if "/chunks/" in k) == ["6", "7", "8", "9"]
        assert state.blobs.path(blob.blob_id).read_bytes() == blob.ciphertext


def test_blob_the_store_already_holds_is_not_uploaded_again(tmp_path: Path) -> None:
    keys = DeviceKeys.generate()
    blob = encrypt_blob(b"photo" * 1000)
    blobs = MemoryBlobs()
    blobs.add(blob.blob_id, blob.ciphertext)
    with running_store(tmp_path) as (url, state):
        state.enroll(DEVICE_ID, keys)
        make_client(url, state, keys, blobs=blobs).upload_blob(blob.blob_id)
        state.requests.clear()
        again = make_client(url, state, keys, blobs=blobs).upload_blob(blob.blob_id)
        assert again.already_stored
        assert not [k for k in state.requests if "/chunks/" in k]


@pytest.mark.req("SYN-034")
@pytest.mark.req("SYN-036")
def test_revoked_device_is_refused_at_once_and_told_in_plain_words(tmp_path: Path) -> None:
    keys = DeviceKeys.generate()
    outbox = MemoryOutbox(records(3))
    with running_store(tmp_path) as (url, state):
        state.enroll(DEVICE_ID, keys, status="revoked")
        client = make_client(url, state, keys, outbox=outbox)
        with pytest.raises(Refused) as caught:
            client.sync_once()
        assert caught.value.refusal_code == "revoked_device"
        assert state.requests["POST /sync/v1/push"] == 1
        progress = client.progress()
        assert progress.state == "refused"
        assert progress.last_error is not None
        assert "revoked" in progress.last_error
        assert progress.events_waiting == 3
        assert state.events == {}


@pytest.mark.req("SYN-035")
def test_pull_brings_everything_addressed_to_the_device_since_its_cursor(tmp_path: Path) -> None:
    keys = DeviceKeys.generate()
    cursor = MemoryCursor()
    with running_store(tmp_path) as (url, state):
        state.enroll(DEVICE_ID, keys)
        state.outgoing[DEVICE_ID] = [Record(f"task-{i}", i, b'{"kind":"ReverifyTask"}') for i in range(7)]
        client = make_client(url, state, keys, cursor=cursor)
        assert client.pull(limit=3) == 7
        assert [r.event_id for r in cursor.pulled] == [f"task-{i}" for i in range(7)]
        assert cursor.cursor == "7"
        state.outgoing[DEVICE_ID].append(Record("task-7", 7, b"{}"))
        assert client.pull(limit=3) == 1
        assert cursor.pulled[-1].event_id == "task-7"


@pytest.mark.req("SYN-036")
def test_sync_once_uploads_blobs_pushes_and_reports_nothing_waiting(tmp_path: Path) -> None:
    keys = DeviceKeys.generate()
    blob = encrypt_blob(b"photo" * 50000)
    blobs = MemoryBlobs()
    blobs.add(blob.blob_id, blob.ciphertext)
    outbox = MemoryOutbox(records(250))
    with running_store(tmp_path) as (url, state):
        state.enroll(DEVICE_ID, keys)
        client = make_client(url, state, keys, outbox=outbox, blobs=blobs)
        before = client.progress()
        assert (before.events_waiting, before.bytes_waiting) == (250, len(blob.ciphertext))
        client.sync_once()
        after = client.progress()
        assert after.up_to_date
        assert after.last_success is not None
        assert len(state.events) == 250


def test_push_from_an_unenrolled_device_is_refused(tmp_path: Path) -> None:
    keys = DeviceKeys.generate()
    with running_store(tmp_path) as (url, state):
        client = make_client(url, state, keys, outbox=MemoryOutbox(records(1)))
        with pytest.raises(Refused, match="unknown_device: device tablet-1 is not enrolled"):
            client.push_once()


def test_other_keys_cannot_read_or_fetch_a_devices_blob_status(tmp_path: Path) -> None:
    keys, impostor = DeviceKeys.generate(), DeviceKeys.generate()
    with running_store(tmp_path) as (url, state):
        state.enroll(DEVICE_ID, keys)
        client = make_client(url, state, impostor)
        with pytest.raises(Refused) as caught:
            client.blob_status("a" * 64)
        assert caught.value.refusal_code == "bad_signature"


def test_store_public_keys_from_enrollment_are_what_the_client_uses(tmp_path: Path) -> None:
    keys = DeviceKeys.generate()
    with running_store(tmp_path) as (url, state):
        state.enroll(DEVICE_ID, keys)
        wire = state.keys.public.to_b64()
        public = PublicKeys.from_b64(wire["signing"], wire["receiving"])
        client = make_client(url, state, keys, outbox=MemoryOutbox(records(2)))
        client.store_public = public
        assert client.push_all() == 2


@pytest.mark.req("SYN-007")
def test_batches_the_store_finds_too_large_are_split_until_they_fit(tmp_path: Path) -> None:
    keys = DeviceKeys.generate()
    big = [Record(f"photo-note-{i}", i, os.urandom(200_000)) for i in range(1, 31)]  # ~6 MB, incompressible
    outbox = MemoryOutbox(big)
    with running_store(tmp_path) as (url, state):
        state.enroll(DEVICE_ID, keys)
        client = make_client(url, state, keys, outbox=outbox)
        client.max_push_bytes = 64 * 1024 * 1024  # only the store's own 4 MB limit applies
        assert client.push_all() == 30
        assert state.requests["POST /sync/v1/push"] >= 3
        assert len(state.events) == 30
        assert client.batch_size <= 15


class WithdrawnWhileStarting(BlobQueue):
    """A real blob queue whose first blob is withdrawn as its upload starts (its photo was refused while the
    background round had already listed it)."""

    def __init__(self, folder: Path, withdrawn: str) -> None:
        super().__init__(folder)
        self.withdrawn = withdrawn

    def upload_started(self, blob_id: str) -> bool:
        if blob_id == self.withdrawn:
            self.withdraw(blob_id)  # just before the round marks it started: the mark outlives the blob
        return super().upload_started(blob_id)


@pytest.mark.req("FLD-114")
def test_a_blob_withdrawn_while_its_upload_starts_is_skipped_and_the_others_are_uploaded(
    tmp_path: Path,
) -> None:
    keys = DeviceKeys.generate()
    folder = tmp_path / "queue"
    folder.mkdir()
    first = BlobQueue(folder).queue(os.urandom(3000)).blob_id
    second = BlobQueue(folder).queue(os.urandom(3000)).blob_id
    queue = WithdrawnWhileStarting(folder, withdrawn=first)
    with running_store(tmp_path / "store") as (url, state):
        state.enroll(DEVICE_ID, keys)
        client = make_client(url, state, keys, blobs=queue)  # type: ignore[arg-type]
        client.upload_pending_blobs()  # no error: the withdrawn blob has nothing to send
        assert state.blobs.status(second).state == "complete"
        assert state.blobs.status(first).state == "absent"
        assert queue.pending_blobs() == []
    queue.remove_leftovers()
    assert sorted(path.name for path in folder.iterdir()) == []  # no upload mark of a blob that is gone
