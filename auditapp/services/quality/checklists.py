"""Checklists published to the field devices: the list, and publishing a file chosen on the desktop."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath

from auditapp.domain.errors import ValidationError
from auditapp.services.quality import timefmt
from auditapp.services.quality.people import NOBODY, People
from auditapp.services.quality.port import Json, QualityApi

FILE_TYPES = ("yaml", "yml", "xlsx", "csv")
"""What the store's importers read by extension (CISO files are YAML or XLSX too)."""
MAX_FILE_BYTES = 8 * 1024 * 1024
"""The store takes checklist files up to this size (a large XLSX checklist is well under 1 MiB)."""


@dataclass(frozen=True)
class PublishedRow:
    """One published checklist version."""

    number: int
    checklist_id: str
    version: str
    title: str
    items: int
    content_hash: str
    source_name: str
    published_at: str
    published_by: str
    new: bool = True

    @property
    def short_hash(self) -> str:
        """The first 12 hex digits of the content hash: enough to tell versions apart on screen."""
        return self.content_hash[:12]

    @property
    def outcome(self) -> str:
        """What publishing it did, in a sentence."""
        return self.outcome_naming(NOBODY)

    def outcome_naming(self, people: People) -> str:
        """What publishing it did, in a sentence naming who published it first by their printed name."""
        name = f"{self.title} version {self.version}"
        if self.new:
            return f"{name} is published: every field device receives it with its next sync."
        return (
            f"{name} was already published on {self.published_at} by {people.name(self.published_by)}; "
            "nothing was sent again."
        )


def rows_from(items: Sequence[Json]) -> list[PublishedRow]:
    """Rows from the store's publication objects."""
    return [
        PublishedRow(
            int(p.get("number") or 0),
            str(p["checklist_id"]),
            str(p.get("version") or ""),
            str(p.get("title") or p["checklist_id"]),
            int(p.get("items") or 0),
            str(p.get("content_hash") or ""),
            str(p.get("source_name") or ""),
            timefmt.local(p.get("published_at")),
            str(p.get("published_by") or ""),
            bool(p.get("new", True)),
        )
        for p in items
    ]


def load_published(api: QualityApi) -> list[PublishedRow]:
    """Every published version, the newest first."""
    return rows_from(api.published_checklists())


def base_name(file_name: str) -> str:
    """The file's name without its folder (from a browser, a desktop or a Windows path)."""
    return PurePath(file_name.replace("\\", "/")).name


def check_file(file_name: str, data: bytes) -> None:
    """Refuse, naming the file, what the store could not read before anything is sent."""
    name = base_name(file_name) or "the file"
    extension = PurePath(name).suffix.lower().lstrip(".")
    if extension not in FILE_TYPES:
        kinds = ", ".join(f".{t}" for t in FILE_TYPES)
        raise ValidationError(f"{name} is not a checklist file: choose a {kinds} file", "Checklist file")
    if not data:
        raise ValidationError(f"{name} is empty", "Checklist file")
    if len(data) > MAX_FILE_BYTES:
        raise ValidationError(
            f"{name} is {len(data) // (1024 * 1024)} MiB; the store takes checklist files up to "
            f"{MAX_FILE_BYTES // (1024 * 1024)} MiB",
            "Checklist file",
        )


def publish(api: QualityApi, file_name: str, data: bytes) -> PublishedRow:
    """Publish a checklist file; the store checks it like `auditapp checklist validate` and names problems."""
    check_file(file_name, data)
    return rows_from([api.publish_checklist(base_name(file_name), data)])[0]
