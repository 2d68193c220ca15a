"""Photos from phones that Pillow names MPO, and damaged files refused by name, on a real workspace."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from auditapp.bootstrap import FieldStoreOpener
from auditapp.client.device_checklists import DeviceChecklists
from auditapp.demo import demo_plan
from auditapp.domain.errors import ValidationError
from auditapp.media import PhotoError, process_photo
from auditapp.services.field_audits import FieldAudits
from auditapp.services.workspace import FieldWorkspace
from auditapp.store import FieldStore

PASSPHRASE = "a long passphrase"
RED = (255, 0, 0)


class Opened:
    """A set-up workspace with one planned audit and the item photos are attached to."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.ws = FieldWorkspace(folder, FieldStoreOpener(), DeviceChecklists(lambda: self.ws.store()))
        self.ws.set_up(PASSPHRASE, PASSPHRASE)
        self.audits = FieldAudits(self.ws.store, DeviceChecklists(self.ws.store), process_photo)
        self.audit_id = self.ws.plan_audit(demo_plan(dt.date(2026, 11, 2)))
        self.item_id = self.ws.walkthrough(self.audit_id).items[0].item_id

    def attach(self, data: bytes, name: str) -> Image.Image:
        """Attach the file to the item; the stored display image of the new photo, decoded."""
        detail = self.audits.add_photo(self.audit_id, self.item_id, data, name, "gauge")
        stored = stored_photo(self, detail.photos[-1].sha256)
        image = Image.open(io.BytesIO(stored))
        image.load()
        return image

    def photo_files(self) -> list[Path]:
        return sorted((self.folder / "photos").glob("*.photo"))


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


def marked(width: int, height: int, colour: tuple[int, int, int] = (20, 160, 40)) -> Image.Image:
    """A picture whose stored top-left corner is pure red, to see which way up it was stored."""
    image = Image.new("RGB", (width, height), colour)
    ImageDraw.Draw(image).rectangle((0, 0, width // 6, height // 6), fill=RED)
    return image


def is_red(image: Image.Image, xy: tuple[int, int]) -> bool:
    pixel = image.getpixel(xy)
    assert isinstance(pixel, tuple)
    r, g, b = pixel[:3]
    return r > 200 and g < 60 and b < 60


def exif(orientation: int) -> Image.Exif:
    """EXIF with an orientation, a capture time and a GPS position, as a phone writes it."""
    data = Image.Exif()
    data[0x0112] = orientation
    data.get_ifd(0x8769)[0x9003] = "2026:11:02 10:11:12"
    gps = data.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (45.0, 30.0, 10.5), "E", (7.0, 1.0, 2.0)
    return data


def multi_picture(main: Image.Image, orientation: int = 1) -> bytes:
    """A JPEG with a second, smaller picture after it (as an Ultra HDR gain map): Pillow says "MPO"."""
    out = io.BytesIO()
    second = Image.new("RGB", (main.width // 4, main.height // 4), (0, 0, 255))
    main.save(out, format="MPO", save_all=True, append_images=[second], exif=exif(orientation).tobytes())
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).format == "MPO"
    return data


def damaged_heic() -> bytes:
    """A HEIC whose coded image data has one damaged byte (the length prefix of its first unit)."""
    from pillow_heif import register_heif_opener

    register_heif_opener()
    out = io.BytesIO()
    marked(640, 480).save(out, format="HEIF")
    heic = bytearray(out.getvalue())
    heic[heic.find(b"mdat") + 4] = 0xFF
    return bytes(heic)


def portrait_with_damaged_gps() -> bytes:
    """A portrait JPEG (stored on its side, EXIF orientation 6) whose GPS block's entry count is damaged."""
    out = io.BytesIO()
    marked(640, 480).save(out, format="JPEG", quality=95, exif=exif(6).tobytes())
    jpeg = bytearray(out.getvalue())
    tiff = jpeg.find(b"Exif\x00\x00") + 6
    gps_offset = Image.open(io.BytesIO(bytes(jpeg))).getexif()[0x8825]
    jpeg[tiff + gps_offset] = 117
    return bytes(jpeg)


@pytest.mark.req("MED-008")
def test_a_multi_picture_jpeg_attaches_as_one_photo_of_its_main_picture(opened: Opened) -> None:
    stored = opened.attach(multi_picture(marked(640, 480)), "PXL_20261102_101112.jpg")
    assert stored.format == "JPEG"
    assert stored.size == (640, 480)  # the main picture, not the quarter-size one after it
    assert is_red(stored, (10, 10))
    assert not is_red(stored, (600, 440))
    assert not stored.getexif()
    assert len(opened.photo_files()) == 2  # one display image and its thumbnail


@pytest.mark.req("MED-008")
def test_a_portrait_multi_picture_jpeg_is_stored_upright_and_at_display_size() -> None:
    photo = process_photo(multi_picture(marked(4000, 3000), orientation=6))
    stored = Image.open(io.BytesIO(photo.image))
    assert photo.source_format == "JPEG"
    assert stored.height > stored.width
    assert max(stored.size) <= 2048
    assert is_red(stored, (stored.width - 10, 10))  # the stored top-left corner turned to the top right
    assert not stored.getexif()
    assert photo.captured_at == dt.datetime(2026, 11, 2, 10, 11, 12)


@pytest.mark.req("MED-004")
def test_a_heic_with_a_damaged_byte_is_refused_by_name_and_nothing_is_stored(opened: Opened) -> None:
    with pytest.raises(ValidationError) as refused:
        opened.attach(damaged_heic(), "IMG_0412.HEIC")
    assert "IMG_0412.HEIC" in str(refused.value)
    assert "damaged" in str(refused.value)
    assert refused.value.field == "photo"
    assert opened.photo_files() == []
    assert not opened.audits.item(opened.audit_id, opened.item_id).photos


@pytest.mark.req("MED-002", "MED-003", "MED-004")
def test_a_portrait_jpeg_with_a_damaged_gps_block_is_stored_upright_without_exif(opened: Opened) -> None:
    stored = opened.attach(portrait_with_damaged_gps(), "IMG_0413.jpg")
    assert stored.size == (480, 640)
    assert is_red(stored, (470, 10))  # turned a quarter clockwise, as orientation 6 says
    assert not stored.getexif()
    assert b"Exif" not in stored_photo(
        opened, opened.audits.item(opened.audit_id, opened.item_id).photos[-1].sha256
    )


@pytest.mark.req("MED-004")
def test_a_damaged_gps_block_never_breaks_the_pipeline_with_gps_kept() -> None:
    photo = process_photo(portrait_with_damaged_gps(), keep_gps=True)
    assert (photo.width, photo.height) == (480, 640)


@pytest.mark.req("MED-004")
def test_a_decoder_failure_of_any_kind_is_a_photo_error() -> None:
    # libheif refuses coded data larger than the image size the file states with a RuntimeError.
    from pillow_heif import register_heif_opener

    register_heif_opener()
    out = io.BytesIO()
    marked(640, 480).save(out, format="HEIF")
    heic = out.getvalue()
    spatial = heic.find(b"ispe")
    assert spatial > 0
    changed = bytearray(heic)
    changed[spatial + 12 : spatial + 16] = (341).to_bytes(4, "big")  # height 341 instead of 480
    with pytest.raises(PhotoError, match="damaged"):
        process_photo(bytes(changed))
