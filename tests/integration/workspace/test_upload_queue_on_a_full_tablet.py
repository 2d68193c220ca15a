"""A photo that cannot be queued for upload on a full tablet: refused in plain words, no file left behind."""

from __future__ import annotations

import datetime as dt
import errno
import io
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from auditapp.bootstrap import FieldStoreOpener
from auditapp.client.blob_queue import QUEUE_FOLDER, BlobQueue
from auditapp.client.device_checklists import DeviceChecklists
from auditapp.demo import demo_plan
from auditapp.domain.errors import AuditAppError
from auditapp.media import process_photo
from auditapp.services.field_audits import FieldAudits
from auditapp.services.workspace import FieldWorkspace

PASSPHRASE = "a long passphrase"
FULL = "the tablet is full: free some space on it, then try again; nothing was saved"


class Opened:
    """A set-up workspace (its photos queued for upload) with one planned audit and an item to capture on."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.ws = FieldWorkspace(folder, FieldStoreOpener(), DeviceChecklists(lambda: self.ws.store()))
        self.ws.set_up(PASSPHRASE, PASSPHRASE)
        self.audits = FieldAudits(self.ws.store, DeviceChecklists(self.ws.store), process_photo)
        self.audit_id = self.ws.plan_audit(demo_plan(dt.date(2026, 11, 2)))
        self.item_id = self.ws.walkthrough(self.audit_id).items[0].item_id

    @property
    def queue_folder(self) -> Path:
        return self.folder / QUEUE_FOLDER


@pytest.fixture
def opened(tmp_path: Path) -> Iterator[Opened]:
    workspace = Opened(tmp_path / "ws")
    yield workspace
    workspace.ws.close()


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (200, 30, 30)).save(out, format="JPEG")
    return out.getvalue()


def a_full_queue_folder(monkeypatch: pytest.MonkeyPatch, folder: Path, code: int = errno.ENOSPC) -> None:
    """Make the queue's files in `folder` fail to reach the disk as on a full tablet: the bytes were handed
    to the file, then syncing them fails with `code` (fault injection: a tiny filesystem cannot be mounted
    in a test). Every other file syncs as usual."""
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        if Path(os.readlink(f"/proc/self/fd/{fd}")).parent == folder:
            raise OSError(code, os.strerror(code))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@pytest.mark.req("FLD-119")
def test_a_photo_that_cannot_be_queued_on_a_full_tablet_is_refused_in_plain_words_and_leaves_no_file(
    opened: Opened, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = files_in(opened.queue_folder)
    a_full_queue_folder(monkeypatch, opened.queue_folder)

    with pytest.raises(AuditAppError) as refused:
        opened.audits.add_photo(opened.audit_id, opened.item_id, jpeg(), "line.jpg", "Line 3")

    assert refused.value.for_screen == FULL
    assert files_in(opened.queue_folder) == before  # no half-written .tmp file, no blob nothing refers to
    assert opened.audits.item(opened.audit_id, opened.item_id).photos == ()

    monkeypatch.undo()  # space freed: the same photo goes in, queued for upload
    detail = opened.audits.add_photo(opened.audit_id, opened.item_id, jpeg(), "line.jpg", "Line 3")
    assert [p.caption for p in detail.photos] == ["Line 3"]
    queued = files_in(opened.queue_folder)
    assert [n for n in queued if n.endswith(".tmp")] == []
    assert len([n for n in queued if n.endswith(".blob")]) == 2  # the photo and its thumbnail


@pytest.mark.req("FLD-119")
@pytest.mark.parametrize(
    ("code", "said"),
    [
        (errno.ENOSPC, FULL),
        (
            errno.EIO,
            "could not save the photo on this device (Input/output error); nothing was saved: try again",
        ),
    ],
)
def test_the_upload_queue_turns_a_failed_write_into_words_and_removes_its_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int, said: str
) -> None:
    folder = tmp_path / QUEUE_FOLDER
    queue = BlobQueue(folder)
    queue.queue(b"an earlier photo")
    waiting = queue.pending_blobs()
    a_full_queue_folder(monkeypatch, folder, code)

    with pytest.raises(AuditAppError) as refused:
        queue.queue(b"the photo that does not fit")

    assert refused.value.for_screen == said
    assert "nothing was saved" in str(refused.value)
    assert [p.name for p in folder.glob(".*.tmp")] == []
    assert queue.pending_blobs() == waiting  # the earlier photo still waits for upload, nothing else
