"""Importers: CSV, XLSX, CISO Assistant YAML and Excel, each giving the same checklist model."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from checklists.importers.ciso import import_ciso_xlsx, import_ciso_yaml
from checklists.importers.tabular import import_csv, import_xlsx
from checklists.importers.workbook import XLS_UNSUPPORTED
from checklists.loader import load_file
from checklists.model import Checklist
from checklists.problems import ChecklistError, Problem
from checklists.sniffing import with_extension_note

IMPORTERS: dict[str, Callable[[Path], Checklist]] = {
    "yaml": load_file,
    "csv": import_csv,
    "xlsx": import_xlsx,
    "ciso-yaml": import_ciso_yaml,
    "ciso-xlsx": import_ciso_xlsx,
}
FORMATS = tuple(IMPORTERS)


def detect_format(path: Path) -> str:
    """The format of a file from its extension and, for YAML and XLSX, a look at its content."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv", ".txt"):
        return "csv"
    if suffix in (".xlsx", ".xlsm"):
        try:
            import zipfile

            with zipfile.ZipFile(path) as archive:
                names = archive.read("xl/workbook.xml").decode("utf-8", "replace")
        except (OSError, KeyError, zipfile.BadZipFile):
            return "xlsx"
        return "ciso-xlsx" if "_content" in names else "xlsx"
    if suffix in (".yaml", ".yml"):
        try:
            head = path.read_text(encoding="utf-8-sig")[:20000]
        except (OSError, UnicodeDecodeError):
            return "yaml"
        return "ciso-yaml" if "requirement_nodes" in head else "yaml"
    if suffix == ".xls":
        raise ChecklistError([Problem(str(path), message=XLS_UNSUPPORTED)])
    raise ChecklistError(
        [
            Problem(
                str(path),
                message=f"unknown file type {suffix or '(none)'!r}; use --format " + "|".join(FORMATS),
            )
        ]
    )


def import_file(path: str | Path, format: str | None = None) -> Checklist:
    """Import a checklist from any supported format (detected when `format` is None)."""
    path = Path(path)
    if not path.exists():
        raise ChecklistError([Problem(str(path), message="file not found")])
    chosen = format or detect_format(path)
    if chosen not in IMPORTERS:
        raise ChecklistError(
            [Problem(str(path), message=f"unknown format {chosen!r}; use one of {', '.join(FORMATS)}")]
        )
    try:
        return IMPORTERS[chosen](path)
    except ChecklistError as exc:
        if format:
            raise
        raise with_extension_note(exc, path, chosen) from None
