"""A damaged photo file on the tablet is repaired by attaching the photo again; the damaged copy is kept."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from auditapp.bootstrap import FieldStoreOpener
from auditapp.client.device_checklists import DeviceChecklists
from auditapp.demo import demo_plan
from auditapp.media import process_photo
from auditapp.services.field_audits import FieldAudits
from auditapp.services.workspace import FieldWorkspace
from auditapp.store import FieldStore, StoreCorruptError

PASSPHRASE = "a long passphrase"


class Opened:
    """A set-up workspace with one planned audit and the item photos are attached to."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.ws = FieldWorkspace(folder, FieldStoreOpener(), DeviceChecklists(lambda: self.ws.store()))
        self.ws.set_up(PASSPHRASE, PASSPHRASE)
        self.audits = FieldAudits(self.ws.store, DeviceChecklists(self.ws.store), process_photo)
        self.audit_id = self.ws.plan_audit(demo_plan(dt.date(2026, 11, 2)))
        self.item_id = self.ws.walkthrough(self.audit_id).items[0].item_id


def stored_photo(opened: Opened, sha256: str) -> bytes:
    """The bytes the workspace's field store holds under a photo's SHA-256."""
    store = opened.ws.store()
    assert isinstance(store, FieldStore)
    return store.photos.get(sha256)


@pytest.fixture
def opened(tmp_path: Path) -> Iterator[Opened]:
    workspace = Opened(tmp_path / "ws")
    yield workspace
    workspace.ws.close()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[FieldStore]:
    field_store = FieldStore.create(tmp_path / "field", PASSPHRASE)
    yield field_store
    field_store.close()


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1200, 900), (200, 30, 30)).save(out, format="JPEG")
    return out.getvalue()


def flip_a_byte(path: Path, at: int = 40) -> bytes:
    """Damage the file as a bad flash sector would; the damaged bytes."""
    data = bytearray(path.read_bytes())
    data[at] ^= 0xFF
    path.write_bytes(bytes(data))
    return bytes(data)


def set_aside(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.photo.damaged-*"))


@pytest.mark.req("STO-017")
def test_attaching_a_photo_again_repairs_its_damaged_files(opened: Opened) -> None:
    photo = jpeg()
    first = opened.audits.add_photo(opened.audit_id, opened.item_id, photo, "gauge.jpg", "gauge 17")
    stored = first.photos[-1]
    files = sorted((opened.folder / "photos").glob("*.photo"))
    assert len(files) == 2  # the display image and its thumbnail
    damaged = {path.name: flip_a_byte(path) for path in files}
    assert opened.audits.photo_thumbnail(stored.thumbnail_sha256).problem

    again = opened.audits.add_photo(opened.audit_id, opened.item_id, photo, "gauge.jpg", "gauge 17 again")

    repaired = again.photos[-1]
    assert repaired.sha256 == stored.sha256
    thumbnail = opened.audits.photo_thumbnail(repaired.thumbnail_sha256)
    assert not thumbnail.problem
    assert thumbnail.data
    image = Image.open(io.BytesIO(stored_photo(opened, repaired.sha256)))
    assert image.size == (1200, 900)
    kept = set_aside(opened.folder / "photos")
    assert {path.read_bytes() for path in kept} == set(damaged.values())  # the damaged copies, unchanged


@pytest.mark.req("STO-017")
def test_a_photo_file_cut_short_is_written_again_and_the_short_copy_kept(store: FieldStore) -> None:
    data = b"photo bytes " * 1000
    digest = store.photos.put(data)
    (path,) = (store.folder / "photos").glob("*.photo")
    short = path.read_bytes()[:5]
    path.write_bytes(short)
    with pytest.raises(StoreCorruptError):
        store.photos.get(digest)

    assert store.photos.put(data) == digest

    assert store.photos.get(digest) == data
    assert store.photos.count() == 1
    assert [p.read_bytes() for p in set_aside(store.folder / "photos")] == [short]


@pytest.mark.req("STO-017")
def test_damaged_twice_in_a_row_keeps_both_damaged_copies(store: FieldStore) -> None:
    data = b"evidence" * 500
    digest = store.photos.put(data)
    (path,) = (store.folder / "photos").glob("*.photo")
    first = flip_a_byte(path, at=30)
    store.photos.put(data)
    second = flip_a_byte(path, at=50)
    store.photos.put(data)
    assert store.photos.get(digest) == data
    assert {p.read_bytes() for p in set_aside(store.folder / "photos")} == {first, second}


@pytest.mark.req("STO-017")
def test_putting_an_intact_photo_again_leaves_its_file_alone(store: FieldStore) -> None:
    data = b"intact" * 500
    store.photos.put(data)
    (path,) = (store.folder / "photos").glob("*.photo")
    before = path.stat()
    store.photos.put(data)
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)  # not rewritten
    assert set_aside(store.folder / "photos") == []
