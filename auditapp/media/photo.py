"""The photo pipeline: a camera file in, a small upright display image and thumbnail out, with no EXIF.

Only what the audit needs is kept: the pixels (display size), the capture time and, when the auditor opts
in, the GPS position, as evidence fields. Everything else in the file (GPS, device serial numbers, maker
notes, thumbnails of the uncropped picture) is dropped because the stored image is re-encoded from pixels.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import threading
import warnings
from dataclasses import dataclass
from datetime import datetime

from PIL import Image, UnidentifiedImageError

from auditapp.domain.errors import AuditAppError
from auditapp.media.metadata import GpsPosition, capture_time, gps_altitude, gps_position

DISPLAY_LONG_EDGE = 2048
# JPEG decoding can shrink by 1/2, 1/4 or 1/8 almost for free; a display edge down to this size is taken
# straight from the decoder instead of decoding at full size and resizing (see ADR 0033).
MIN_DRAFT_EDGE = 1536
THUMBNAIL_LONG_EDGE = 256
DISPLAY_QUALITY = 85
THUMBNAIL_QUALITY = 80
# 64 megapixels: above the 48-50 MP of the largest tablet and phone cameras, below what would exhaust a
# tablet's memory when decoded (about 200 MB as RGB). Larger files are refused as decompression bombs.
MAX_PIXELS = 64_000_000
# Pillow names a JPEG that carries more pictures after the main one (Multi-Picture Format: the gain map of
# an Android Ultra HDR photo, a depth map) "MPO"; it is a JPEG, and only its first, main picture is used.
ACCEPTED = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "HEIF": "HEIC"}
# EXIF orientation -> the turn or flip that makes the stored picture upright.
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}

_setup_lock = threading.Lock()
_setup_done = False


class PhotoError(AuditAppError):
    """A file that cannot become photo evidence; the message says why. Nothing is stored."""


@dataclass(frozen=True)
class ProcessedPhoto:
    """A photo ready to store: display JPEG (`image`), thumbnail JPEG, their facts, the evidence fields.

    Satisfies `auditapp.services.ports.ProcessedPhoto`. `gps` and `gps_altitude_m` are None unless the
    caller passed keep_gps=True.
    """

    image: bytes
    thumbnail: bytes
    sha256: str
    width: int
    height: int
    source_format: str
    captured_at: datetime | None
    gps: GpsPosition | None
    gps_altitude_m: float | None = None


def _setup() -> None:
    """Register the HEIC opener and the pixel limit once, on first use rather than at import."""
    global _setup_done
    with _setup_lock:
        if _setup_done:
            return
        from pillow_heif import register_heif_opener

        register_heif_opener()
        Image.MAX_IMAGE_PIXELS = MAX_PIXELS
        _setup_done = True


# Files an auditor may pick by mistake, by their first bytes (offset, magic, what to call the file).
_MAGIC = (
    (0, b"%PDF", "a PDF document"),
    (0, b"PK\x03\x04", "a ZIP archive or office document"),
    (0, b"PK\x05\x06", "a ZIP archive or office document"),
    (0, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an older office document (.doc, .xls, .msg)"),
    (0, b"GIF8", "GIF"),
    (0, b"II*\x00", "a TIFF image or camera raw file (CR2, NEF, DNG)"),
    (0, b"MM\x00*", "a TIFF image or camera raw file (CR2, NEF, DNG)"),
    (0, b"\x1aE\xdf\xa3", "a video (MKV or WebM)"),
    (8, b"AVI ", "a video (AVI)"),
    (8, b"WAVE", "a sound recording (WAV)"),
)
# ISO base media files ("ftyp" at byte 4) that are images; every other brand is a video or sound file.
_IMAGE_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif", b"avis"}
_AUDIO_BRANDS = {b"M4A ", b"M4B ", b"M4P "}
_TEXT_SAMPLE = 512
_TEXT_CONTROLS = frozenset("\t\n\r\f")


def _iso_media(brand: bytes) -> str:
    """What an ISO base media file (MP4, MOV, 3GP, HEIF) with this major brand is, for the error message."""
    if brand in _IMAGE_BRANDS:
        return "a HEIF/AVIF image of a kind that cannot be read"
    if brand in _AUDIO_BRANDS:
        return "a sound recording (M4A)"
    if brand == b"qt  ":
        return "a video (MOV)"
    return "a video (MP4, MOV or 3GP)"


def _is_text(data: bytes) -> bool:
    """Whether the start of the data reads as text: valid UTF-8, and printable apart from line breaks."""
    sample = data[:_TEXT_SAMPLE]
    if b"\x00" in sample:
        return False
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(sample, final=len(data) <= _TEXT_SAMPLE)
    except UnicodeDecodeError:
        return False
    if not text:
        return False
    printable = sum(1 for ch in text if ch.isprintable() or ch in _TEXT_CONTROLS)
    return printable >= 0.95 * len(text)


def _describe(data: bytes) -> str:
    """A short name for data Pillow does not recognise, for the error message."""
    if not data:
        return "an empty file"
    for offset, magic, name in _MAGIC:
        if data[offset : offset + len(magic)] == magic:
            return name
    if data[4:8] == b"ftyp":
        return _iso_media(data[8:12])
    if _is_text(data):
        return "a text file"
    return "an unrecognised binary file"


def _reason(exc: Exception) -> str:
    """What a decoder said about a file it could not read, for the error message."""
    return str(exc) or type(exc).__name__


def _open(data: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
    except UnidentifiedImageError:
        raise PhotoError(
            f"not a photo: the file is {_describe(data)}; accepted formats are JPEG, PNG, HEIC"
        ) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise PhotoError(f"photo refused: too many pixels for a photo ({exc})") from None
    except MemoryError:
        raise
    except Exception as exc:  # a damaged file can make a decoder raise almost anything (EOFError, ...)
        raise PhotoError(f"the photo file is damaged and cannot be read ({_reason(exc)})") from None
    if image.format not in ACCEPTED:
        raise PhotoError(f"{image.format} images are not accepted as photos; use JPEG, PNG or HEIC")
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise PhotoError(
            f"photo refused: {width}x{height} is {width * height / 1e6:.0f} megapixels, "
            f"more than the limit of {MAX_PIXELS / 1e6:.0f}"
        )
    return image


def _draft_size(width: int, height: int) -> tuple[int, int]:
    """The size to ask the JPEG decoder for: the smallest 1/k scale still at least MIN_DRAFT_EDGE long."""
    long_edge = max(width, height)
    for k in (8, 4, 2):
        if -(-long_edge // k) >= MIN_DRAFT_EDGE:
            return width // k, height // k
    return width, height


def _fit(size: tuple[int, int], long_edge: int) -> tuple[int, int]:
    """The size scaled down so its long edge is `long_edge`, keeping the aspect ratio (never enlarged)."""
    width, height = size
    scale = min(1.0, long_edge / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _to_eight_bit(image: Image.Image) -> Image.Image:
    """Deep greyscale (16-bit, 32-bit integer, float) as 8-bit "L", scaled down rather than clipped.

    Pillow's own conversion clips every value above 255 to white, which turns a 16-bit picture into a white
    rectangle. 16-bit data map from the full 16-bit range (so a dark picture stays dark, as viewers show it);
    32-bit and float data, which have no fixed range, map from the lowest to the highest value they hold.
    """
    wide = image if image.mode in ("I", "F") else image.convert("I")
    extrema = wide.getextrema()  # one band: (lowest, highest)
    low, high = float(extrema[0]), float(extrema[1])  # type: ignore[arg-type]
    if image.mode.startswith("I;16") or (image.mode == "I" and low >= 0 and high <= 0xFFFF):
        low, high = 0.0, float(0xFFFF)
    if high <= low:
        return wide.convert("L")  # one flat value: nothing to scale
    scale = 255 / (high - low)
    offset = -low * scale
    return wide.point(lambda value: value * scale + offset).convert("L")


def _to_rgb(image: Image.Image) -> Image.Image:
    """RGB pixels; transparent areas become white (as on paper), not black; deep greys scaled to 8 bits."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    if image.mode in ("I", "F") or image.mode.startswith("I;16"):
        image = _to_eight_bit(image)
    return image if image.mode == "RGB" else image.convert("RGB")


def _encode(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    image.info = {}  # nothing from the source file (EXIF, XMP, ICC, comments) goes into the stored image
    image.save(out, format="JPEG", quality=quality)
    return out.getvalue()


def _upright(pixels: Image.Image, orientation: object) -> Image.Image:
    """The pixels turned as the EXIF orientation says, so the picture shows upright without EXIF.

    Unlike ImageOps.exif_transpose this does not re-serialise the source EXIF, which fails on a damaged
    block (a GPS entry count) that the stored image drops anyway. An unknown orientation leaves the pixels
    as stored.
    """
    method = _UPRIGHT.get(orientation) if isinstance(orientation, int) else None
    return pixels if method is None else pixels.transpose(method)


def _decode(data: bytes) -> tuple[Image.Image, Image.Exif, str]:
    """Pixels at (close to) display size, upright, RGB; plus the source EXIF and format name.

    Any failure to decode the file is a PhotoError naming it damaged: a damaged file can make Pillow or
    pillow_heif raise EOFError, RuntimeError, TypeError and others besides OSError.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        image = _open(data)
        source_format = ACCEPTED[str(image.format)]
        try:
            exif = image.getexif()
            if source_format == "JPEG":
                image.draft("RGB", _draft_size(*image.size))
            image.load()  # of an MPO, the first (main) picture only
            pixels = _to_rgb(image)
            if max(pixels.size) > DISPLAY_LONG_EDGE:
                size = _fit(pixels.size, DISPLAY_LONG_EDGE)
                pixels = pixels.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
            pixels = _upright(pixels, exif.get(0x0112, 1))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise PhotoError(f"photo refused: too many pixels for a photo ({exc})") from None
        except MemoryError:
            raise
        except Exception as exc:
            raise PhotoError(
                f"the {source_format} file is damaged or cut short and cannot be read ({_reason(exc)})"
            ) from None
    return pixels, exif, source_format


def process_photo(data: bytes, *, keep_gps: bool = False) -> ProcessedPhoto:
    """Turn a camera file into stored photo evidence; PhotoError (and nothing stored) for a bad file."""
    _setup()
    display, exif, source_format = _decode(data)
    thumb = display.resize(
        _fit(display.size, THUMBNAIL_LONG_EDGE), Image.Resampling.LANCZOS, reducing_gap=2.0
    )
    display_bytes = _encode(display, DISPLAY_QUALITY)
    return ProcessedPhoto(
        image=display_bytes,
        thumbnail=_encode(thumb, THUMBNAIL_QUALITY),
        sha256=hashlib.sha256(display_bytes).hexdigest(),
        width=display.width,
        height=display.height,
        source_format=source_format,
        captured_at=capture_time(exif),
        gps=gps_position(exif) if keep_gps else None,
        gps_altitude_m=gps_altitude(exif) if keep_gps else None,
    )
