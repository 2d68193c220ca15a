"""Real images made in the test: camera-like JPEGs with EXIF, PNGs with alpha, damaged and hostile files."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image, ImageDraw

SERIAL = "SN-7731-CAMERA"


def camera_pixels(width: int, height: int) -> Image.Image:
    """Sensor-like content: smooth light gradients, shapes with edges, and per-pixel noise."""
    base = Image.linear_gradient("L").resize((width, height))
    other = Image.radial_gradient("L").resize((width, height))
    noise = [Image.effect_noise((width, height), 40 + 10 * i) for i in range(3)]
    channels = [Image.blend(Image.blend(base, other, 0.3 * i), n, 0.35) for i, n in enumerate(noise)]
    image = Image.merge("RGB", channels)
    draw = ImageDraw.Draw(image)
    for i in range(12):
        x, y = (i * 997) % width, (i * 613) % height
        draw.rectangle((x, y, x + width // 10, y + height // 12), outline=(20 * i, 255 - 20 * i, 90), width=6)
    return image


def camera_exif(orientation: int = 1, with_gps: bool = True) -> Image.Exif:
    """EXIF as a camera writes it: orientation, capture time with offset, maker, serial number, GPS."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "TabletMaker"
    exif[0x0110] = "FieldTab 11"
    details = exif.get_ifd(0x8769)
    details[0x9003] = "2026:03:14 09:26:53"
    details[0x9011] = "+01:00"
    details[0xA431] = SERIAL
    if with_gps:
        gps = exif.get_ifd(0x8825)
        gps[1] = "N"
        gps[2] = (47.0, 22.0, 30.0)
        gps[3] = "W"
        gps[4] = (8.0, 32.0, 24.0)
        gps[5] = b"\x00"
        gps[6] = 412.5
    return exif


def camera_jpeg(width: int = 1600, height: int = 1200, orientation: int = 1, marker: bool = False) -> bytes:
    """A JPEG as a tablet camera saves it; `marker` paints the stored top-left corner pure red."""
    image = camera_pixels(width, height)
    if marker:
        ImageDraw.Draw(image).rectangle((0, 0, width // 8, height // 8), fill=(255, 0, 0))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=92, exif=camera_exif(orientation).tobytes())
    return out.getvalue()


def png_with_alpha(width: int = 600, height: int = 400) -> bytes:
    """A screenshot-like PNG whose left half is fully transparent."""
    image = Image.new("RGBA", (width, height), (0, 0, 200, 255))
    ImageDraw.Draw(image).rectangle((0, 0, width // 2, height), fill=(0, 0, 0, 0))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def encoded(image: Image.Image, fmt: str, **options: object) -> bytes:
    """The image saved in another format (GIF, BMP, TIFF, HEIF)."""
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def png_claiming_size(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height: a decompression bomb as it reaches the decoder."""
    small = io.BytesIO()
    Image.new("L", (8, 8)).save(small, format="PNG")
    data = bytearray(small.getvalue())
    ihdr = data.index(b"IHDR")
    data[ihdr + 4 : ihdr + 12] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[ihdr : ihdr + 17]))
    data[ihdr + 17 : ihdr + 21] = struct.pack(">I", crc)
    return bytes(data)
