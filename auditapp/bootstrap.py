"""Composition root: wires the real adapters (encrypted store, checklist library, sync) into the services."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import checklists
from auditapp.config import FieldConfig
from auditapp.domain.errors import NotFoundError
from auditapp.services.catalog import ChecklistInfo, ChecklistItemRef
from auditapp.services.workspace import ChecklistItemText, FieldWorkspace, WorkspaceStore
from auditapp.store import FieldStore


class FieldStoreOpener:
    """StoreOpener over the encrypted, crash-safe FieldStore."""

    def exists(self, folder: Path) -> bool:
        """Whether a store is set up in the folder."""
        return FieldStore.exists(folder)

    def create(self, folder: Path, passphrase: str) -> WorkspaceStore:
        """A new store."""
        return FieldStore.create(folder, passphrase)

    def open(self, folder: Path, passphrase: str) -> WorkspaceStore:
        """An existing store."""
        return FieldStore.open(folder, passphrase)


class LibraryChecklists:
    """ChecklistTexts over the checklist library shipped with the app."""

    def items(self, checklist_id: str) -> list[ChecklistItemText]:
        """Items of a library checklist in document order."""
        return list(_library_items(checklist_id))

    def get(self, checklist_id: str) -> ChecklistInfo:
        """Identity and item refs of a library checklist (the services' ChecklistCatalog)."""
        return _library_info(checklist_id)

    def checklist(self, checklist_id: str) -> checklists.Checklist:
        """The whole checklist."""
        return _library_checklist(checklist_id)


@lru_cache(maxsize=16)
def _library_checklist(checklist_id: str) -> checklists.Checklist:
    try:
        return checklists.get_library_checklist(checklist_id)
    except LookupError as exc:
        raise NotFoundError(str(exc)) from None


@lru_cache(maxsize=16)
def _library_info(checklist_id: str) -> ChecklistInfo:
    checklist = _library_checklist(checklist_id)
    return ChecklistInfo(
        checklist.id,
        checklist.version,
        checklist.content_hash,
        checklist.title,
        tuple(ChecklistItemRef(item.id, item.clause) for item in checklist.items),
    )


@lru_cache(maxsize=16)
def _library_items(checklist_id: str) -> tuple[ChecklistItemText, ...]:
    checklist = _library_checklist(checklist_id)
    titles = {section.clause: section.title for section in checklist.sections}
    return tuple(
        ChecklistItemText(item.id, item.clause, titles.get(item.clause, ""), item.text, item.guidance)
        for item in checklist.items
    )


def field_workspace(config: FieldConfig) -> FieldWorkspace:
    """The field workspace with the real store, the library and (when a server is set) sync."""
    sync_factory = None
    if config.server_url:
        from auditapp.client.field_sync import sync_factory_for

        sync_factory = sync_factory_for(config.server_url, config.sync_interval_s)
    return FieldWorkspace(config.workspace, FieldStoreOpener(), LibraryChecklists(), sync_factory)
