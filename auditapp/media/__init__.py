"""The photo pipeline (Pillow): the only place that imports PIL."""

from auditapp.media.metadata import GpsPosition
from auditapp.media.photo import PhotoError, ProcessedPhoto, process_photo

__all__ = ["GpsPosition", "PhotoError", "ProcessedPhoto", "process_photo"]
