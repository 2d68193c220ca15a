"""The photo pipeline: a camera file in, a small upright display image and thumbnail out, with no EXIF.

Only what the audit needs is kept: the pixels (display size), the capture time and, when the auditor opts
in, the GPS position, as evidence fields. Everything else in the file (GPS, device serial numbers, maker
notes, thumbnails of the uncropped picture) is dropped because the stored image is re-encoded from pixels.
"""

from __future__ import annotations

import hashlib
import io
import threading
import warnings
from dataclasses import dataclass
from datetime import datetime

from PIL import Image, ImageOps, UnidentifiedImageError

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
ACCEPTED = {"JPEG": "JPEG", "PNG": "PNG", "HEIF": "HEIC"}

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


def _describe(data: bytes) -> str:
    """A short name for data Pillow does not recognise, for the error message."""
    head = data[:16]
    known = {b"%PDF": "a PDF document", b"PK\x03\x04": "a ZIP archive or office document", b"GIF8": "GIF"}
    for magic, name in known.items():
        if head.startswith(magic):
            return name
    if not data:
        return "an empty file"
    try:
        head.decode("utf-8")
        return "a text file"
    except UnicodeDecodeError:
        return "an unrecognised format"


def _open(data: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
    except UnidentifiedImageError:
        raise PhotoError(
            f"not a photo: the file is {_describe(data)}; accepted formats are JPEG, PNG, HEIC"
        ) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise PhotoError(f"photo refused: too many pixels for a photo ({exc})") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise PhotoError(f"the photo file is damaged and cannot be read ({exc})") from None
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


def _to_rgb(image: Image.Image) -> Image.Image:
    """RGB pixels; transparent areas become white (as on paper), not black."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image if image.mode == "RGB" else image.convert("RGB")


def _encode(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    image.info = {}  # nothing from the source file (EXIF, XMP, ICC, comments) goes into the stored image
    image.save(out, format="JPEG", quality=quality)
    return out.getvalue()


def _decode(data: bytes) -> tuple[Image.Image, Image.Exif, str]:
    """Pixels at (close to) display size, upright, RGB; plus the source EXIF and format name."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        image = _open(data)
        source_format = ACCEPTED[str(image.format)]
        try:
            exif = image.getexif()
            if image.format == "JPEG":
                image.draft("RGB", _draft_size(*image.size))
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise PhotoError(f"photo refused: too many pixels for a photo ({exc})") from None
        except (OSError, SyntaxError, ValueError) as exc:
            raise PhotoError(
                f"the {source_format} file is damaged or cut short and cannot be read ({exc})"
            ) from None
    orientation = exif.get(0x0112, 1)
    pixels = _to_rgb(image)
    if max(pixels.size) > DISPLAY_LONG_EDGE:
        size = _fit(pixels.size, DISPLAY_LONG_EDGE)
        pixels = pixels.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    if orientation != 1:
        pixels.getexif()[0x0112] = orientation
        pixels = ImageOps.exif_transpose(pixels)
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
