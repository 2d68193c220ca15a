"""Greyscale deeper than 8 bits (16-bit, 32-bit integer, float) becomes 8-bit RGB scaled, never clipped."""

from __future__ import annotations

import itertools

import pytest
from PIL import Image

from auditapp.media.photo import _to_rgb

WIDTH = 256


def ramp(mode: str, low: float, high: float) -> Image.Image:
    """A left-to-right ramp from `low` to `high` in the given mode (built in memory, as Pillow decodes it)."""
    values = [low + (high - low) * x / (WIDTH - 1) for x in range(WIDTH)]
    if mode == "F":
        image = Image.new("F", (WIDTH, 1))
        image.putdata(values)
        return image
    if mode == "I":
        image = Image.new("I", (WIDTH, 1))
        image.putdata([round(v) for v in values])
        return image
    order = "big" if mode == "I;16B" else "little"
    raw = b"".join(round(v).to_bytes(2, order) for v in values)
    return Image.frombytes(mode, (WIDTH, 1), raw)


def greys(image: Image.Image) -> list[int]:
    rgb = _to_rgb(image)
    assert rgb.mode == "RGB"
    grey = rgb.convert("L")
    return [int(grey.getpixel((x, 0))) for x in range(WIDTH)]  # type: ignore[arg-type]


def keeps_its_gradient(levels: list[int]) -> bool:
    """Dark at one end, light at the other, rising all the way, and not a white (or black) block."""
    rising = all(b >= a for a, b in itertools.pairwise(levels))
    return levels[0] <= 2 and levels[-1] >= 253 and rising and len(set(levels)) > WIDTH // 2


@pytest.mark.req("FLD-115")
@pytest.mark.parametrize("mode", ["I;16", "I;16B", "I"])
def test_a_full_range_16_bit_ramp_keeps_its_gradient(mode: str) -> None:
    assert keeps_its_gradient(greys(ramp(mode, 0, 0xFFFF)))


@pytest.mark.req("FLD-115")
def test_a_dark_16_bit_picture_stays_dark_rather_than_being_stretched() -> None:
    levels = greys(ramp("I;16", 0, 0x3FFF))  # the lowest quarter of the 16-bit range
    assert levels[0] == 0
    assert 60 <= levels[-1] <= 68  # about a quarter of white, as a viewer shows the file


@pytest.mark.req("FLD-115")
@pytest.mark.parametrize(("low", "high"), [(0.0, 1.0), (-40.0, 120.0), (1000.0, 90000.0)])
def test_a_float_picture_is_scaled_from_its_lowest_to_its_highest_value(low: float, high: float) -> None:
    assert keeps_its_gradient(greys(ramp("F", low, high)))


@pytest.mark.req("FLD-115")
def test_32_bit_values_beyond_the_16_bit_range_are_scaled_from_their_own_range() -> None:
    assert keeps_its_gradient(greys(ramp("I", -70_000, 3_000_000)))
    assert set(greys(ramp("I", 90_000, 90_000))) == {255}  # one flat value: nothing to scale, no failure
