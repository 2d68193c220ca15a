"""What the photo's EXIF says that the audit keeps as evidence fields: capture time and, if allowed, GPS."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, NamedTuple

from PIL import ExifTags, Image

_DATETIME_ORIGINAL = 0x9003
_OFFSET_TIME_ORIGINAL = 0x9011
ORIENTATION = 0x0112


class GpsPosition(NamedTuple):
    """Where the photo was taken, in decimal degrees (WGS 84); a (latitude, longitude) pair."""

    latitude: float
    longitude: float


def capture_time(exif: Image.Exif) -> datetime | None:
    """EXIF DateTimeOriginal (with its offset when the camera wrote one); None when absent or garbled."""
    ifd = exif.get_ifd(ExifTags.IFD.Exif)
    text = ifd.get(_DATETIME_ORIGINAL)
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.strptime(text.strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None  # a camera with an unset clock writes "0000:00:00 00:00:00"
    offset = ifd.get(_OFFSET_TIME_ORIGINAL)
    if isinstance(offset, str) and len(offset) >= 6 and offset[0] in "+-":
        try:
            sign = 1 if offset[0] == "+" else -1
            delta = timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6]))
            moment = moment.replace(tzinfo=timezone(sign * delta))
        except ValueError:
            pass
    return moment


def _degrees(value: Any, ref: Any, negative: str) -> float | None:
    try:
        d, m, s = (float(part) for part in value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    result = d + m / 60 + s / 3600
    return -result if str(ref).upper().startswith(negative) else result


def gps_altitude(exif: Image.Exif) -> float | None:
    """Metres above sea level from the EXIF GPS block, or None."""
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    raw = gps.get(ExifTags.GPS.GPSAltitude)
    if raw is None:
        return None
    try:
        altitude = float(raw)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return -altitude if gps.get(ExifTags.GPS.GPSAltitudeRef) in (1, b"\x01") else altitude


def gps_position(exif: Image.Exif) -> GpsPosition | None:
    """The GPS position in the EXIF GPS block, or None when there is none or it is incomplete."""
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    if not gps:
        return None
    latitude = _degrees(gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef), "S")
    longitude = _degrees(gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef), "W")
    if latitude is None or longitude is None:
        return None
    return GpsPosition(round(latitude, 7), round(longitude, 7))
