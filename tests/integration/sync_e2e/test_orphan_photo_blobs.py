"""A photo queued for upload whose event was never saved (a crash between the two) is never uploaded."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditapp.client.blob_queue import QUEUE_FOLDER, BlobQueue
from auditapp.domain.events import EventKind
from auditapp.media.photo import ProcessedPhoto, process_photo
from auditapp.store import FieldStore
from auditapp.store.errors import StoreCorruptError
from tests.integration.media.photo_samples import camera_jpeg
from tests.integration.sync_e2e.devices import issue_code, login
from tests.integration.sync_e2e.faulty_proxy import FaultyProxy
from tests.integration.sync_e2e.test_field_agent import Field
from tests.integration.sync_e2e.test_photos import _get, _photograph
from tests.support.processes import Running

NO_STORE = "http://127.0.0.1:9"  # never asked: the device is not enrolled


@pytest.fixture(scope="module")
def photo() -> ProcessedPhoto:
    return process_photo(camera_jpeg(1200, 900))


def photo_blobs(field: Field, audit_id: str) -> set[str]:
    """The blob ids the saved photo events of an audit refer to."""
    return {
        str(event.payload[key])
        for event in field.ws.events(audit_id)
        if event.kind is EventKind.PHOTO_ATTACHED
        for key in ("blob_id", "thumbnail_blob_id")
    }


def crashed_between_queue_and_save(folder: Path, data: bytes) -> str:
    """What a crash after queueing a photo's blob and before saving its event leaves: the blob alone."""
    return BlobQueue(folder / QUEUE_FOLDER).queue(data).blob_id


def pending(folder: Path) -> set[str]:
    return set(BlobQueue(folder / QUEUE_FOLDER).pending_blobs())


@pytest.mark.req("SYN-221")
def test_a_photo_queued_but_never_saved_before_a_crash_is_never_uploaded(
    central: Running, tmp_path: Path, photo: ProcessedPhoto
) -> None:
    proxy = FaultyProxy(central.url)
    folder = tmp_path / "field"
    field = Field(folder, proxy.url)
    try:
        field.agent.enroll(issue_code(central))
        audit_id, _ = _photograph(field, photo)
        saved = photo_blobs(field, audit_id)
    finally:
        field.ws.close()
    orphan = crashed_between_queue_and_save(folder, photo.image)
    assert pending(folder) == {*saved, orphan}

    reopened = Field.reopen(folder, proxy.url)
    try:
        view = reopened.ws.sync_now()
        assert (view.last_error, view.waiting_events, view.waiting_bytes) == (None, 0, 0)
        assert proxy.delivered("PUT", orphan) == []
        assert proxy.delivered("GET", orphan) == []
        assert {d.path.split("/")[-3] for d in proxy.delivered("PUT", "/blobs/")} == saved
        assert _get(central, f"/api/photos/{photo.sha256}", login(central)).content == photo.image
    finally:
        reopened.ws.close()
        proxy.close()
    assert pending(folder) == set()


@pytest.mark.req("SYN-221")
def test_only_blobs_found_at_opening_that_no_event_refers_to_are_withdrawn(
    tmp_path: Path, photo: ProcessedPhoto
) -> None:
    folder = tmp_path / "field"
    field = Field(folder, NO_STORE)
    try:
        audit_id, _ = _photograph(field, photo)
        saved = photo_blobs(field, audit_id)
    finally:
        field.ws.close()
    crashed_between_queue_and_save(folder, photo.image)

    reopened = Field.reopen(folder, NO_STORE)
    try:
        # A photo being captured right now: its blob is queued, its event not saved yet.
        in_flight = crashed_between_queue_and_save(folder, photo.thumbnail)
        view = reopened.ws.sync_now()
        assert view.last_error is not None
        assert "not enrolled" in view.last_error
        assert pending(folder) == {*saved, in_flight}
        assert view.waiting_bytes == sum(
            (folder / QUEUE_FOLDER / f"{blob_id}.blob").stat().st_size for blob_id in (*saved, in_flight)
        )
        reopened.ws.sync_now()  # once per opening: the blob in flight stays whatever happens to it
        assert pending(folder) == {*saved, in_flight}
    finally:
        reopened.ws.close()


@pytest.mark.req("SYN-221")
def test_a_store_that_cannot_be_read_keeps_every_queued_blob_and_sync_goes_on(
    tmp_path: Path, photo: ProcessedPhoto, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "field"
    field = Field(folder, NO_STORE)
    try:
        audit_id, _ = _photograph(field, photo)
        saved = photo_blobs(field, audit_id)
    finally:
        field.ws.close()
    orphan = crashed_between_queue_and_save(folder, photo.image)

    def damaged(self: FieldStore, audit_id: str) -> list[object]:
        raise StoreCorruptError(folder / "audits", "a view could not be read")

    reopened = Field.reopen(folder, NO_STORE)
    try:
        monkeypatch.setattr(FieldStore, "events", damaged)
        view = reopened.ws.sync_now()
        assert view.last_error is not None
        assert "not enrolled" in view.last_error
        assert pending(folder) == {*saved, orphan}  # in doubt, nothing is withdrawn
    finally:
        monkeypatch.undo()
        reopened.ws.close()
