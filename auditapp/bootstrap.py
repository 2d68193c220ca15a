"""Composition root: wires the real adapters (encrypted store, checklist library, sync) into the services."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from auditapp.client.device_checklists import DeviceChecklists
from auditapp.config import FieldConfig
from auditapp.domain.errors import AuditAppError
from auditapp.services.field_audits import FieldAudits
from auditapp.services.workspace import FieldWorkspace, SyncFactory, WorkspaceStore
from auditapp.services.workspaces import WorkspaceEntry, WorkspaceList, Workspaces
from auditapp.store import FieldStore
from auditapp.store.atomic import write_atomically

WORKSPACE_LIST = "workspaces.json"
WORKSPACE_LIST_FORMAT = "auditapp-workspaces/1"


class FieldStoreOpener:
    """StoreOpener over the encrypted, crash-safe FieldStore."""

    def exists(self, folder: Path) -> bool:
        """Whether a store is set up in the folder."""
        return FieldStore.exists(folder)

    def create(self, folder: Path, passphrase: str) -> WorkspaceStore:
        """A new store (its photos are also queued for upload as encrypted blobs)."""
        return _with_uploads(FieldStore.create(folder, passphrase))

    def open(self, folder: Path, passphrase: str) -> WorkspaceStore:
        """An existing store (its photos are also queued for upload as encrypted blobs)."""
        return _with_uploads(FieldStore.open(folder, passphrase))

    def recover(self, folder: Path, recovery_key: str, passphrase: str) -> WorkspaceStore:
        """An existing store opened with its recovery key, under a new passphrase."""
        return _with_uploads(FieldStore.recover(folder, recovery_key, passphrase))


def _with_uploads(store: FieldStore) -> FieldStore:
    """Photos travel as encrypted blobs whether or not a central store is configured yet (ADR 0046)."""
    from auditapp.client.blob_queue import with_photo_uploads

    with_photo_uploads(store)
    return store


class LibraryChecklists(DeviceChecklists):
    """The checklist library shipped with the app alone (the workspace's received checklists not included)."""

    def __init__(self) -> None:
        super().__init__(None)


def field_audits(workspaces: Workspaces) -> FieldAudits:
    """The audit screens' use cases over the current workspace, the library and the photo pipeline."""
    from auditapp.media import process_photo

    def store() -> WorkspaceStore:
        return workspaces.workspace.store()

    return FieldAudits(store, DeviceChecklists(store), process_photo)


def field_workspace(config: FieldConfig) -> FieldWorkspace:
    """The field workspace with the real store, the library and (when a server is set) sync."""
    sync_factory = None
    if config.server_url:
        from auditapp.client.field_sync import sync_factory_for

        sync_factory = sync_factory_for(config.server_url, config.sync_interval_s, config.sync_chunk_size)
    workspace = FieldWorkspace(
        config.workspace, FieldStoreOpener(), DeviceChecklists(lambda: workspace.store()), sync_factory
    )
    return workspace


class JsonWorkspaceIndex:
    """WorkspaceIndex in `workspaces.json`: names, folders and central store addresses, no secrets.

    Folders inside the list's own folder are kept relative, so the whole folder can be moved or restored
    from a backup as one piece.
    """

    def __init__(self, root: Path):
        self.root = Path(root)
        self.path = self.root / WORKSPACE_LIST

    def load(self) -> WorkspaceList:
        """The saved list; an unreadable file is reported, never silently replaced."""
        if not self.path.exists():
            return WorkspaceList()
        try:
            content = json.loads(self.path.read_bytes())
            if content.get("format") != WORKSPACE_LIST_FORMAT:
                raise ValueError(f"unknown format {content.get('format')!r}")
            entries = tuple(
                WorkspaceEntry(
                    str(item["id"]),
                    str(item["name"]),
                    self.root / item["folder"],
                    item.get("server_url") or None,
                )
                for item in content["workspaces"]
            )
            current = content.get("current")
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise AuditAppError(
                f"the workspace list {self.path} cannot be read ({exc}): restore it from a backup or move it "
                "aside to start a new list; the workspace folders themselves are untouched"
            ) from None
        return WorkspaceList(entries, current if any(e.workspace_id == current for e in entries) else None)

    def save(self, listing: WorkspaceList) -> None:
        """Replace the file atomically (a crash leaves the old or the new list, whole)."""
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        content = {
            "format": WORKSPACE_LIST_FORMAT,
            "current": listing.current,
            "workspaces": [
                {
                    "id": entry.workspace_id,
                    "name": entry.name,
                    "folder": self._relative(entry.folder),
                    "server_url": entry.server_url,
                }
                for entry in listing.entries
            ],
        }
        write_atomically(self.path, json.dumps(content, indent=2).encode("utf-8"))

    def new_folder(self, workspace_id: str) -> Path:
        """`root/<id>`, or `root/<id>-2`... when a file or folder of that name is there already."""
        candidate, n = self.root / workspace_id, 2
        while candidate.exists():
            candidate, n = self.root / f"{workspace_id}-{n}", n + 1
        return candidate

    def _relative(self, folder: Path) -> str:
        try:
            return str(Path(folder).resolve().relative_to(self.root.resolve()))
        except ValueError:
            return str(Path(folder).resolve())


def sync_for(interval_s: float, chunk_size: int | None = None) -> Callable[[str], SyncFactory]:
    """Makes the sync factory of a central store address (the agent is imported only when needed)."""

    def factory(server_url: str) -> SyncFactory:
        from auditapp.client.field_sync import sync_factory_for

        return sync_factory_for(server_url, interval_s, chunk_size)

    return factory


def workspace_name(folder: Path) -> str:
    """The name a folder gets in the list when it joins without one (e.g. the single earlier workspace)."""
    return folder.name.replace("-", " ").replace("_", " ").strip().capitalize() or "Default"


def field_workspaces(config: FieldConfig) -> Workspaces:
    """The workspace list with the start workspace current (the configured one, or the one opened last).

    The configured folder joins the list where it is, so the single workspace of earlier versions keeps
    its data and place; it becomes the first entry of the list.
    """
    make_sync = sync_for(config.sync_interval_s, config.sync_chunk_size)

    def make(entry: WorkspaceEntry) -> FieldWorkspace:
        factory = make_sync(entry.server_url) if entry.server_url else None
        workspace = FieldWorkspace(
            entry.folder, FieldStoreOpener(), DeviceChecklists(lambda: workspace.store()), factory
        )
        return workspace

    workspaces = Workspaces(JsonWorkspaceIndex(config.workspace_list_folder), make, make_sync)
    last = workspaces.current
    if config.reopen_last and last is not None:
        start = last
        if FieldStore.exists(config.workspace):
            workspaces.register(config.workspace, workspace_name(config.workspace))
    else:
        start = workspaces.register(config.workspace, workspace_name(config.workspace))
    if config.server_url:
        start = workspaces.set_server_url(start.workspace_id, config.server_url)
    if last is None or last.workspace_id != start.workspace_id:
        workspaces.switch(start.workspace_id)
    return workspaces
