"""The photo pipeline on real Pillow images: sizes, orientation, EXIF removal, formats, hostile files."""

from __future__ import annotations

import hashlib
import io
from datetime import datetime, timedelta, timezone

import pytest
from PIL import Image

from auditapp.media import PhotoError, process_photo
from auditapp.media.photo import MAX_PIXELS
from auditapp.services import ports
from tests.integration.media.photo_samples import (
    SERIAL,
    camera_exif,
    camera_jpeg,
    camera_pixels,
    encoded,
    png_claiming_size,
    png_with_alpha,
)


def rgb(image: Image.Image, xy: tuple[int, int]) -> tuple[int, int, int]:
    """The pixel at xy of an RGB image."""
    pixel = image.getpixel(xy)
    assert isinstance(pixel, tuple)
    return pixel[0], pixel[1], pixel[2]


def is_red(pixel: tuple[int, int, int]) -> bool:
    """Pure red after JPEG compression."""
    r, g, b = pixel
    return r > 200 and g < 60 and b < 60


def decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.mark.req("MED-002")
def test_a_camera_photo_becomes_a_display_image_and_a_thumbnail() -> None:
    photo = process_photo(camera_jpeg(4000, 3000))
    as_the_services_see_it: ports.ProcessedPhoto = photo  # type-checked: the pipeline fits the port
    assert as_the_services_see_it.image == photo.image
    display, thumb = decoded(photo.image), decoded(photo.thumbnail)
    assert display.format == thumb.format == "JPEG"
    assert max(display.size) <= 2048
    assert max(display.size) >= 1536
    assert display.size == (photo.width, photo.height)
    assert display.width / display.height == pytest.approx(4 / 3, rel=0.01)
    assert max(thumb.size) == 256
    assert photo.source_format == "JPEG"


@pytest.mark.req("MED-006")
def test_the_recorded_sha256_is_that_of_the_stored_display_image() -> None:
    photo = process_photo(camera_jpeg())
    assert photo.sha256 == hashlib.sha256(photo.image).hexdigest()


@pytest.mark.req("MED-003")
def test_no_exif_gps_or_serial_number_survives_in_stored_images() -> None:
    source = camera_jpeg()
    assert SERIAL.encode() in source
    photo = process_photo(source, keep_gps=True)
    for stored in (photo.image, photo.thumbnail):
        assert b"Exif" not in stored
        assert SERIAL.encode() not in stored
        assert b"TabletMaker" not in stored
        assert not decoded(stored).getexif()


@pytest.mark.req("MED-003")
def test_capture_time_is_kept_as_a_field_and_gps_only_when_opted_in() -> None:
    source = camera_jpeg()
    without = process_photo(source)
    assert without.captured_at == datetime(2026, 3, 14, 9, 26, 53, tzinfo=timezone(timedelta(hours=1)))
    assert without.gps is None
    opted_in = process_photo(source, keep_gps=True)
    assert opted_in.gps is not None
    assert opted_in.gps.latitude == pytest.approx(47.375, abs=1e-6)
    assert opted_in.gps.longitude == pytest.approx(-8.54, abs=1e-6)
    assert opted_in.gps_altitude_m == pytest.approx(412.5)


def test_a_photo_without_exif_has_no_capture_time() -> None:
    photo = process_photo(encoded(camera_pixels(800, 600), "JPEG"))
    assert photo.captured_at is None
    assert photo.gps is None


@pytest.mark.req("MED-002")
def test_a_photo_taken_with_the_tablet_turned_is_stored_upright() -> None:
    # Orientation 6: the sensor's top-left corner belongs at the top right of the upright picture.
    photo = process_photo(camera_jpeg(1600, 1200, orientation=6, marker=True))
    display = decoded(photo.image)
    assert display.width < display.height
    assert is_red(rgb(display, (display.width - 20, 20)))
    assert not is_red(rgb(display, (20, 20)))


def test_a_small_photo_is_not_enlarged() -> None:
    photo = process_photo(camera_jpeg(900, 600))
    assert (photo.width, photo.height) == (900, 600)


@pytest.mark.req("MED-007")
def test_transparent_areas_of_a_png_become_white() -> None:
    photo = process_photo(png_with_alpha())
    display = decoded(photo.image)
    assert photo.source_format == "PNG"
    assert min(rgb(display, (20, 200))) > 240
    r, _, b = rgb(display, (580, 200))
    assert b > 150
    assert r < 60


@pytest.mark.req("MED-001")
def test_heic_photos_are_accepted() -> None:
    pillow_heif = pytest.importorskip("pillow_heif")
    pillow_heif.register_heif_opener()
    photo = process_photo(encoded(camera_pixels(1200, 900), "HEIF", quality=80))
    assert photo.source_format == "HEIC"
    assert decoded(photo.image).size == (1200, 900)


@pytest.mark.req("MED-001")
@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF", "WEBP"])
def test_other_image_formats_are_refused_naming_the_format(fmt: str) -> None:
    with pytest.raises(PhotoError, match=rf"^{fmt} images are not accepted as photos; use JPEG, PNG or HEIC"):
        process_photo(encoded(camera_pixels(200, 100), fmt))


@pytest.mark.req("MED-001")
def test_a_text_file_is_refused_as_not_a_photo() -> None:
    with pytest.raises(PhotoError, match="not a photo: the file is a text file; accepted formats are JPEG"):
        process_photo(b"Batch record 2026-114, signed by QA\n" * 20)


@pytest.mark.req("MED-004")
def test_a_truncated_jpeg_is_a_clear_error() -> None:
    source = camera_jpeg()
    with pytest.raises(PhotoError, match="JPEG file is damaged or cut short"):
        process_photo(source[: len(source) * 2 // 3])


@pytest.mark.req("MED-004")
def test_random_bytes_after_a_jpeg_header_are_a_clear_error() -> None:
    source = camera_jpeg()
    with pytest.raises(PhotoError, match="damaged"):
        process_photo(source[:600] + bytes(range(256)) * 40)


@pytest.mark.req("MED-005")
@pytest.mark.parametrize("side", [9_000, 40_000])
def test_a_decompression_bomb_is_refused_before_decoding(side: int) -> None:
    assert side * side > MAX_PIXELS
    with pytest.raises(PhotoError, match="photo refused"):
        process_photo(png_claiming_size(side, side))


def test_a_png_just_under_the_limit_claim_is_not_a_bomb_error() -> None:
    # 7000 x 7000 = 49 MP is allowed by the limit; the file is still damaged (it has 8x8 pixels of data).
    with pytest.raises(PhotoError, match="damaged"):
        process_photo(png_claiming_size(7_000, 7_000))


@pytest.mark.req("MED-002")
def test_a_turned_heic_photo_is_stored_upright_once_not_twice() -> None:
    pillow_heif = pytest.importorskip("pillow_heif")
    pillow_heif.register_heif_opener()
    image = camera_pixels(800, 600)
    image.paste((255, 0, 0), (0, 0, 100, 75))
    photo = process_photo(encoded(image, "HEIF", quality=90, exif=camera_exif(6).tobytes()))
    display = decoded(photo.image)
    assert display.size == (600, 800)
    assert is_red(rgb(display, (display.width - 20, 20)))
    assert photo.captured_at is not None


@pytest.mark.req("MED-002")
@pytest.mark.parametrize(
    ("fmt", "size", "expected"), [("JPEG", (2592, 1944), (2048, 1536)), ("PNG", (3000, 2000), (2048, 1365))]
)
def test_photos_larger_than_the_display_size_are_scaled_to_a_2048_px_long_edge(
    fmt: str, size: tuple[int, int], expected: tuple[int, int]
) -> None:
    photo = process_photo(encoded(camera_pixels(*size), fmt))
    assert (photo.width, photo.height) == expected
    assert decoded(photo.image).size == expected
