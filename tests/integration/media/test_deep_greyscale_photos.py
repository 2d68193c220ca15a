"""16-bit greyscale PNGs (inspection and thermal cameras, scanners) through the real photo pipeline."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from auditapp.media import process_photo


def ramp_png(width: int, height: int, top: int) -> bytes:
    """A 16-bit greyscale PNG whose columns rise from 0 to `top`."""
    image = Image.new("I;16", (width, height))
    image.putdata([x * top // (width - 1) for _ in range(height) for x in range(width)])
    out = io.BytesIO()
    image.save(out, format="PNG")
    assert Image.open(io.BytesIO(out.getvalue())).mode == "I;16"
    return out.getvalue()


def middle_row(data: bytes) -> list[int]:
    image = Image.open(io.BytesIO(data)).convert("L")
    return [int(image.getpixel((x, image.height // 2))) for x in range(image.width)]  # type: ignore[arg-type]


@pytest.mark.req("FLD-115")
def test_a_16_bit_ramp_keeps_its_gradient_in_the_display_image_and_the_thumbnail() -> None:
    photo = process_photo(ramp_png(3000, 400, 0xFFFF))
    assert photo.source_format == "PNG"
    for stored in (photo.image, photo.thumbnail):
        row = middle_row(stored)
        assert row[0] < 8
        assert row[-1] > 247
        quarter = len(row) // 4
        assert [row[quarter], row[2 * quarter], row[3 * quarter]] == pytest.approx([64, 128, 191], abs=8)
        assert sum(1 for v in row if v >= 250) < len(row) // 20  # not a white rectangle


@pytest.mark.req("FLD-115")
def test_a_dim_16_bit_picture_is_stored_dim_as_a_viewer_shows_it() -> None:
    row = middle_row(process_photo(ramp_png(600, 100, 0x7FFF)).image)
    assert row[0] < 8
    assert 120 <= row[-1] <= 136  # half of white at half of the 16-bit range
