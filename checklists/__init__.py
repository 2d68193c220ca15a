"""Audit checklists: the YAML format, its loader with located errors, the library, and importers."""

from checklists.export import to_json, to_json_item, to_yaml
from checklists.importers import FORMATS, detect_format, import_file
from checklists.library import (
    ChecklistNotFoundError,
    by_process,
    get_library_checklist,
    library_dir,
    library_views,
    load_document,
    load_library,
)
from checklists.loader import load_file, load_text
from checklists.model import EVIDENCE_KINDS, MDSAP_PROCESSES, Checklist, Item, Section
from checklists.problems import ChecklistError, Problem
from checklists.view import View

__all__ = [
    "EVIDENCE_KINDS",
    "FORMATS",
    "MDSAP_PROCESSES",
    "Checklist",
    "ChecklistError",
    "ChecklistNotFoundError",
    "Item",
    "Problem",
    "Section",
    "View",
    "by_process",
    "detect_format",
    "get_library_checklist",
    "import_file",
    "library_dir",
    "library_views",
    "load_document",
    "load_file",
    "load_library",
    "load_text",
    "to_json",
    "to_json_item",
    "to_yaml",
]
