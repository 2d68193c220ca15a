"""Pure rules of the photo pipeline: how far the JPEG decoder may shrink, and reading EXIF fields."""

from __future__ import annotations

from datetime import datetime

import pytest
from PIL import Image

from auditapp.media.metadata import capture_time, gps_altitude, gps_position
from auditapp.media.photo import DISPLAY_LONG_EDGE, MIN_DRAFT_EDGE, _draft_size


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ((4000, 3000), (2000, 1500)),  # 12 MP camera: half-scale decode is already display size
        ((4032, 3024), (2016, 1512)),
        ((8000, 6000), (2000, 1500)),  # 48 MP: quarter scale
        ((3000, 4000), (1500, 2000)),  # portrait
        ((2592, 1944), (2592, 1944)),  # 5 MP: half scale would be too small, decode fully
        ((900, 600), (900, 600)),
    ],
)
def test_the_decoder_is_asked_for_the_smallest_scale_still_large_enough(
    size: tuple[int, int], expected: tuple[int, int]
) -> None:
    assert _draft_size(*size) == expected


def test_every_drafted_long_edge_is_between_the_minimum_and_the_display_size() -> None:
    for long_edge in range(MIN_DRAFT_EDGE, 16_000, 97):
        drafted = max(_draft_size(long_edge, long_edge * 3 // 4))
        if drafted != long_edge:
            assert MIN_DRAFT_EDGE <= drafted <= 2 * DISPLAY_LONG_EDGE


def test_capture_time_without_offset_is_naive_and_garbage_is_none() -> None:
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = "2025:12:01 16:05:00"
    assert capture_time(exif) == datetime(2025, 12, 1, 16, 5)
    exif.get_ifd(0x8769)[0x9003] = "0000:00:00 00:00:00"
    assert capture_time(exif) is None
    assert capture_time(Image.Exif()) is None


def test_gps_in_the_southern_and_eastern_hemispheres() -> None:
    exif = Image.Exif()
    gps = exif.get_ifd(0x8825)
    gps.update({1: "S", 2: (33.0, 51.0, 36.0), 3: "E", 4: (151.0, 12.0, 36.0)})
    position = gps_position(exif)
    assert position is not None
    assert position.latitude == pytest.approx(-33.86)
    assert position.longitude == pytest.approx(151.21)
    assert gps_altitude(exif) is None


def test_incomplete_gps_is_no_position() -> None:
    exif = Image.Exif()
    exif.get_ifd(0x8825).update({1: "N", 2: (47.0, 0.0, 0.0)})
    assert gps_position(exif) is None
