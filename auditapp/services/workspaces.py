"""The workspaces on this device: one per client, each its own encrypted store, key and central store.

A consultant picks a workspace from the list, creates one, or switches explicitly; switching locks the
workspace that was open, so at most one client's data is readable at a time. The list itself (names,
folders, central store addresses) is kept by a WorkspaceIndex adapter handed in by the bootstrap.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from auditapp.domain.errors import AuditAppError, NotFoundError, ValidationError
from auditapp.services.workspace import FieldWorkspace, SyncFactory, check_passphrase

MAX_NAME = 60


@dataclass(frozen=True)
class WorkspaceEntry:
    """One workspace in the list: what the picker shows before any store is unlocked."""

    workspace_id: str
    name: str
    folder: Path
    server_url: str | None = None


@dataclass(frozen=True)
class WorkspaceList:
    """Every workspace on the device and the one opened last (shown first at start)."""

    entries: tuple[WorkspaceEntry, ...] = ()
    current: str | None = None


class WorkspaceIndex(Protocol):
    """Where the list of workspaces is kept (a small file beside the workspace folders)."""

    def load(self) -> WorkspaceList:
        """The saved list (empty when none was saved yet)."""

    def save(self, listing: WorkspaceList) -> None:
        """Replace the saved list durably."""

    def new_folder(self, workspace_id: str) -> Path:
        """A folder for a new workspace that no other workspace or file uses."""


WorkspaceMaker = Callable[[WorkspaceEntry], FieldWorkspace]
SyncFor = Callable[[str], SyncFactory]


SERVER_URL_FIELD = "central store address"
_AS_GIVEN = (
    "type it as https://host:port, as your quality manager gave it, or leave it empty to work offline only"
)
_AUTHORITY = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://([^/?#]*)")


def normalise_server_url(value: str) -> str | None:
    """The central store address as http(s)://host[:port][/path] without a trailing slash; '' means none.

    Refused, naming the field (FLD-118): an address that does not parse, a port that is not 1-65535, a
    space inside, and a user name or password (the workspace list is no place for a secret, and the app
    signs in with its own device keys). A refusal never repeats what was typed when it may hold a password.
    """
    text = value.strip().rstrip("/")
    if not text:
        return None
    authority = _AUTHORITY.match(text)
    if "@" in (authority.group(1) if authority else text):
        raise ValidationError(
            "the address must not contain a user name or password; the app signs in by itself: "
            "type only https://host:port",
            SERVER_URL_FIELD,
        )
    if any(c.isspace() for c in text):
        raise ValidationError(f"'{text}' has a space in it: {_AS_GIVEN}", SERVER_URL_FIELD)
    try:
        parts = urlsplit(text)
    except ValueError:  # an unclosed IPv6 bracket (http://[::1), characters a host cannot have
        hint = (
            "an IPv6 address goes in square brackets, as in http://[::1]:8765; check that both are there"
            if "[" in text or "]" in text
            else _AS_GIVEN
        )
        raise ValidationError(f"'{text}' is not a web address: {hint}", SERVER_URL_FIELD) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(f"'{text}' is not a web address: {_AS_GIVEN}", SERVER_URL_FIELD)
    try:
        port = parts.port
    except ValueError:  # not a number, or above 65535
        port = 0
    if port == 0:
        raise ValidationError(
            f"the port in '{text}' must be a number from 1 to 65535: {_AS_GIVEN}", SERVER_URL_FIELD
        )
    return text


def check_name(name: str) -> str:
    """A workspace name, trimmed; refused when empty or too long."""
    text = " ".join(name.split())
    if not text:
        raise ValidationError("give the workspace a name, e.g. the client's", "workspace name")
    if len(text) > MAX_NAME:
        raise ValidationError(f"use at most {MAX_NAME} characters", "workspace name")
    return text


def slug(name: str) -> str:
    """A folder-safe id derived from a name."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:40] or "workspace"


class Workspaces:
    """The list of workspaces and the one open in this app; every screen reaches a workspace through it."""

    def __init__(self, index: WorkspaceIndex, make: WorkspaceMaker, sync_for: SyncFor | None = None):
        self._index = index
        self._make = make
        self._sync_for = sync_for
        self._lock = threading.RLock()
        self._listing = index.load()
        self._open: FieldWorkspace | None = None
        self._background_sync = False
        self.generation = 0
        """Goes up on every switch, so screens of other browser sessions notice and re-route."""

    # ------------------------------------------------------------------ the list
    def entries(self) -> list[WorkspaceEntry]:
        """Every workspace, in the order they were added."""
        return list(self._listing.entries)

    def entry(self, workspace_id: str) -> WorkspaceEntry:
        """One workspace by id; NotFoundError names the ones there are."""
        for entry in self._listing.entries:
            if entry.workspace_id == workspace_id:
                return entry
        known = ", ".join(e.name for e in self._listing.entries) or "none"
        raise NotFoundError(f"no workspace with id {workspace_id} on this device (there are: {known})")

    @property
    def current(self) -> WorkspaceEntry | None:
        """The workspace shown now (open or locked), or None before the first one exists."""
        if self._listing.current is None:
            return None
        return self.entry(self._listing.current)

    def register(self, folder: Path, name: str, server_url: str | None = None) -> WorkspaceEntry:
        """Add an existing or empty folder to the list (kept as it is: no file inside it is moved).

        This is how the single workspace of earlier versions joins the list; a folder already listed is
        returned as listed, with its central store address updated when one is given.
        """
        url = normalise_server_url(server_url or "")
        with self._lock:
            for entry in self._listing.entries:
                if Path(entry.folder).resolve() == Path(folder).resolve():
                    if url and url != entry.server_url:
                        entry = self._replace(replace(entry, server_url=url))
                    return entry
            entry = WorkspaceEntry(self._new_id(folder.name or name), check_name(name), Path(folder), url)
            self._save(replace(self._listing, entries=(*self._listing.entries, entry)))
            return entry

    def set_server_url(self, workspace_id: str, server_url: str) -> WorkspaceEntry:
        """Point a workspace at another central store (or none); an open workspace is locked first."""
        url = normalise_server_url(server_url)
        with self._lock:
            entry = self.entry(workspace_id)
            if url == entry.server_url:
                return entry
            if workspace_id == self._listing.current:
                self.lock()
                self._open = None
            return self._replace(replace(entry, server_url=url))

    def rename(self, workspace_id: str, name: str) -> WorkspaceEntry:
        """Give a workspace another name (its folder and data stay as they are)."""
        text = check_name(name)
        with self._lock:
            self._check_unique(text, workspace_id)
            return self._replace(replace(self.entry(workspace_id), name=text))

    def _check_unique(self, name: str, own_id: str | None = None) -> None:
        for entry in self._listing.entries:
            if entry.workspace_id != own_id and entry.name.casefold() == name.casefold():
                raise ValidationError(f"a workspace called '{entry.name}' exists already", "workspace name")

    def _checked(
        self, name: str, server_url: str, passphrase: str, confirm: str, own_id: str | None = None
    ) -> tuple[str, str | None]:
        """The name and address as kept; every problem of the form at once (one ValidationError naming
        each field), so that the auditor fixes them in one go."""
        problems: list[ValidationError] = []
        text, url = "", None
        try:
            text = check_name(name)
            self._check_unique(text, own_id)
        except ValidationError as exc:
            problems.append(exc)
        try:
            url = normalise_server_url(server_url)
        except ValidationError as exc:
            problems.append(exc)
        try:
            check_passphrase(passphrase, confirm)
        except ValidationError as exc:
            problems.append(exc)
        if len(problems) == 1:
            raise problems[0]
        if problems:
            raise ValidationError("; ".join(str(p) for p in problems))
        return text, url

    def _new_id(self, base: str) -> str:
        taken = {e.workspace_id for e in self._listing.entries}
        stem = slug(base)
        candidate, n = stem, 2
        while candidate in taken:
            candidate, n = f"{stem}-{n}", n + 1
        return candidate

    def _replace(self, entry: WorkspaceEntry) -> WorkspaceEntry:
        entries = tuple(entry if e.workspace_id == entry.workspace_id else e for e in self._listing.entries)
        self._save(replace(self._listing, entries=entries))
        return entry

    def _save(self, listing: WorkspaceList) -> None:
        self._index.save(listing)
        self._listing = listing

    # ------------------------------------------------------------------ the open workspace
    @property
    def workspace(self) -> FieldWorkspace:
        """The current workspace (possibly locked); an error before any workspace exists."""
        opened = self._open
        if opened is not None:  # the common case, without waiting for a slow switch or enrollment
            return opened
        with self._lock:
            entry = self.current
            if entry is None:
                raise AuditAppError("there is no workspace on this device yet: set one up first")
            if self._open is None:
                self._open = self._make(entry)
                if self._background_sync:
                    self._open.start_background_sync()
            return self._open

    def switch(self, workspace_id: str) -> FieldWorkspace:
        """Make another workspace current; the one that was open is locked first (nothing stays readable)."""
        with self._lock:
            self.entry(workspace_id)
            self.lock()
            self._save(replace(self._listing, current=workspace_id))
            self._open = None
            self.generation += 1
            return self.workspace

    def lock(self) -> None:
        """Lock the open workspace: stop its sync and forget its key until the passphrase is typed again."""
        with self._lock:
            if self._open is not None:
                try:
                    self._open.close()  # locked even when this raises (FieldWorkspace.close)
                finally:
                    self.generation += 1

    def create(
        self, name: str, server_url: str, passphrase: str, confirm: str
    ) -> tuple[WorkspaceEntry, FieldWorkspace]:
        """A new workspace with its own store, key and passphrase; it becomes the current one, unlocked."""
        with self._lock:
            text, url = self._checked(name, server_url, passphrase, confirm)
            workspace_id = self._new_id(text)
            entry = WorkspaceEntry(workspace_id, text, self._index.new_folder(workspace_id), url)
            self.lock()
            workspace = self._make(entry)
            workspace.set_up(passphrase, confirm)  # the store exists before the list names it
            self._save(WorkspaceList((*self._listing.entries, entry), workspace_id))
            self._open = workspace
            self.generation += 1
            if self._background_sync:
                workspace.start_background_sync()
            return entry, workspace

    def set_up_current(self, name: str, server_url: str, passphrase: str, confirm: str) -> FieldWorkspace:
        """First run of the current workspace: name it, set its central store and create its store."""
        with self._lock:
            entry = self.current
            if entry is None:
                raise AuditAppError("there is no workspace to set up")
            text, url = self._checked(name, server_url, passphrase, confirm, entry.workspace_id)
            if url != entry.server_url:
                self.lock()
                self._open = None
            entry = self._replace(replace(entry, name=text, server_url=url))
            workspace = self.workspace
            workspace.set_up(passphrase, confirm)
            return workspace

    def start_background_sync(self) -> None:
        """Sync every workspace in the background while it is unlocked."""
        with self._lock:
            self._background_sync = True
            if self._open is not None:
                self._open.start_background_sync()

    def enroll(self, server_url: str, code: str, device_name: str = "") -> WorkspaceEntry:
        """Enroll the open workspace with a central store; its address is saved only when enrollment works."""
        url = normalise_server_url(server_url)
        if url is None:
            raise ValidationError(
                "type the address of the central store your quality manager gave you", SERVER_URL_FIELD
            )
        if self._sync_for is None:
            raise AuditAppError("this app was started without sync support")
        with self._lock:
            entry = self.current
            if entry is None:
                raise AuditAppError("there is no workspace to enroll")
            workspace = self.workspace
        factory = None if url == entry.server_url and workspace.has_sync else self._sync_for(url)
        workspace.enroll(code, device_name, factory)  # network: outside the lock, screens keep working
        with self._lock:
            latest = self.entry(entry.workspace_id)  # renamed meanwhile, perhaps
            if url != latest.server_url:
                latest = self._replace(replace(latest, server_url=url))
            return latest

    def close(self) -> None:
        """Lock the open workspace when the app stops."""
        self.lock()
