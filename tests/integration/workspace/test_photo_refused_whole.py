"""A photo that cannot be attached leaves nothing queued for upload: no blob that no audit refers to."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from auditapp.client.blob_queue import BlobQueue
from auditapp.domain.errors import AuditAppError, ValidationError
from auditapp.domain.events import EventKind
from auditapp.store import FieldStore
from tests.integration.workspace.test_upload_queue_on_a_full_tablet import (
    FULL,
    PASSPHRASE,
    Opened,
    files_in,
    jpeg,
)


@pytest.fixture
def opened(tmp_path: Path) -> Iterator[Opened]:
    workspace = Opened(tmp_path / "ws")
    workspace.audits.add_photo(workspace.audit_id, workspace.item_id, jpeg(), "earlier.jpg", "Earlier")
    yield workspace  # with an earlier photo waiting for upload
    workspace.ws.close()


def queue(opened: Opened) -> BlobQueue:
    return BlobQueue(opened.queue_folder)


def captions(opened: Opened) -> list[str]:
    return [p.caption for p in opened.audits.item(opened.audit_id, opened.item_id).photos]


def fsync_fails(monkeypatch: pytest.MonkeyPatch, failing: Callable[[Path], bool], *, skip: int = 0) -> None:
    """Syncing the files `failing` picks fails as on a full tablet once `skip` of them went through (fault
    injection: a tiny filesystem cannot be mounted in a test). Every other file syncs as usual."""
    real_fsync = os.fsync
    seen = 0

    def fsync(fd: int) -> None:
        nonlocal seen
        if failing(Path(os.readlink(f"/proc/self/fd/{fd}"))):
            seen += 1
            if seen > skip:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)


@pytest.mark.req("FLD-114")
def test_a_refused_caption_leaves_nothing_queued_and_names_the_caption(opened: Opened) -> None:
    waiting = queue(opened).pending_blobs()
    files = files_in(opened.queue_folder)
    photos = sorted((opened.folder / "photos").iterdir())

    with pytest.raises(ValidationError) as refused:
        opened.audits.add_photo(opened.audit_id, opened.item_id, jpeg(), "line.jpg", "Line\u202e 3")

    assert refused.value.field == "caption"
    assert str(refused.value).startswith("caption: contains U+202E")
    assert queue(opened).pending_blobs() == waiting
    assert files_in(opened.queue_folder) == files
    assert sorted((opened.folder / "photos").iterdir()) == photos  # nothing of it was kept at all
    assert captions(opened) == ["Earlier"]


@pytest.mark.req("FLD-114")
def test_a_tablet_that_fills_up_between_the_photo_and_its_thumbnail_leaves_nothing_queued(
    opened: Opened, monkeypatch: pytest.MonkeyPatch
) -> None:
    waiting = queue(opened).pending_blobs()
    files = files_in(opened.queue_folder)
    # The image is queued, its thumbnail is not.
    fsync_fails(monkeypatch, lambda path: path.parent == opened.queue_folder, skip=1)

    with pytest.raises(AuditAppError) as refused:
        opened.audits.add_photo(opened.audit_id, opened.item_id, jpeg(), "line.jpg", "Line 3")

    assert refused.value.for_screen == FULL
    assert queue(opened).pending_blobs() == waiting
    assert files_in(opened.queue_folder) == files
    assert captions(opened) == ["Earlier"]


@pytest.mark.req("FLD-114")
def test_a_queue_failing_on_the_thumbnail_with_a_bare_os_error_is_named_and_leaves_nothing_queued(
    opened: Opened, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The error the upload queue did not word itself is worded by the photo intake, and still true."""
    waiting = queue(opened).pending_blobs()
    real_queue = BlobQueue.queue
    calls = 0

    def full_on_the_second(self: BlobQueue, plaintext: bytes) -> object:
        nonlocal calls
        calls += 1
        if calls > 1:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_queue(self, plaintext)

    monkeypatch.setattr(BlobQueue, "queue", full_on_the_second)
    with pytest.raises(AuditAppError) as refused:
        opened.audits.add_photo(opened.audit_id, opened.item_id, jpeg(), "line.jpg", "Line 3")

    assert str(refused.value) == (
        "the tablet is full: free some space on it, then attach line.jpg again; nothing was saved"
    )
    assert queue(opened).pending_blobs() == waiting
    assert captions(opened) == ["Earlier"]


@pytest.mark.req("FLD-114")
def test_a_photo_whose_event_cannot_be_saved_leaves_nothing_queued(
    opened: Opened, monkeypatch: pytest.MonkeyPatch
) -> None:
    waiting = queue(opened).pending_blobs()
    events_waiting = opened.ws.store().pending_count()
    # Both blobs are queued, the event is not.
    fsync_fails(monkeypatch, lambda path: path == opened.folder / "journal.bin")

    with pytest.raises(AuditAppError) as refused:
        opened.audits.add_photo(opened.audit_id, opened.item_id, jpeg(), "line.jpg", "Line 3")

    assert refused.value.for_screen == FULL
    assert queue(opened).pending_blobs() == waiting
    assert opened.ws.store().pending_count() == events_waiting
    monkeypatch.undo()
    assert captions(opened) == ["Earlier"]


@pytest.mark.req("FLD-114")
def test_an_attached_photo_queues_the_image_and_its_thumbnail_its_event_refers_to(opened: Opened) -> None:
    waiting = queue(opened).pending_blobs()

    opened.audits.add_photo(opened.audit_id, opened.item_id, jpeg(), "line.jpg", "Line 3")

    [*_, event] = opened.ws.store().events(opened.audit_id)
    assert event.kind is EventKind.PHOTO_ATTACHED
    new = {event.payload["blob_id"], event.payload["thumbnail_blob_id"]}
    assert len(new) == 2
    assert sorted(queue(opened).pending_blobs()) == sorted({*waiting, *new})
    assert captions(opened) == ["Earlier", "Line 3"]


@pytest.mark.req("FLD-114")
def test_a_save_that_cannot_be_undone_keeps_the_blobs_its_event_may_refer_to(
    opened: Opened, monkeypatch: pytest.MonkeyPatch
) -> None:
    waiting = queue(opened).pending_blobs()
    fsync_fails(monkeypatch, lambda path: path == opened.folder / "journal.bin")

    def ftruncate(_fd: int, _length: int) -> None:
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(os, "ftruncate", ftruncate)  # the failed write cannot be cut back off the journal

    with pytest.raises(AuditAppError) as refused:
        opened.audits.add_photo(opened.audit_id, opened.item_id, jpeg(), "line.jpg", "Line 3")

    assert refused.value.for_screen == (
        "could not save on this device (No space left on device); it may have been saved. Nothing more can "
        "be saved until you lock this workspace and unlock it again: that shows what was saved"
    )
    kept = set(queue(opened).pending_blobs()) - set(waiting)
    assert len(kept) == 2  # the image and its thumbnail stay queued
    monkeypatch.undo()
    # The disk is fine again, but nothing is written over the record that may be whole on disk.
    with pytest.raises(AuditAppError) as again:
        opened.audits.add_photo(opened.audit_id, opened.item_id, jpeg(), "line.jpg", "Line 4")
    assert again.value.for_screen.startswith("Nothing more can be saved until you lock this workspace")
    assert set(queue(opened).pending_blobs()) - set(waiting) == kept  # the refused retry left nothing queued
    opened.ws.close()
    store = FieldStore.open(opened.folder, PASSPHRASE)
    try:
        [*_, event] = store.events(opened.audit_id)  # the record was whole on disk: it is read back
    finally:
        store.close()
    assert event.kind is EventKind.PHOTO_ATTACHED
    assert {event.payload["blob_id"], event.payload["thumbnail_blob_id"]} == kept  # each one will be sent
