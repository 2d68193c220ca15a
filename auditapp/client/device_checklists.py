"""The checklists a field device audits against: the library shipped with the app, plus the versions the
central store published to this workspace (ADR 0055).

New plans get the current version of each checklist: the latest publication the device holds, else the
shipped one. An audit's pinned version (by content hash) is used wherever the device holds it, so audits
planned before an update keep their items; a version the device does not hold falls back to the current
one of the same id, as before publishing existed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import lru_cache

import checklists
from auditapp.client import checklist_updates
from auditapp.client.checklist_updates import ReceivedChecklist
from auditapp.domain.errors import AuditAppError, NotFoundError
from auditapp.services.catalog import ChecklistInfo, ChecklistItemRef
from auditapp.services.outline import ChecklistChoice, ChecklistOutline, OutlineItem, OutlineSection
from auditapp.services.ports import Settings
from auditapp.services.workspace import ChecklistItemText

SettingsSource = Callable[[], Settings]
"""Where the received checklists are kept: the open workspace store (raises while the workspace is locked)."""


@lru_cache(maxsize=16)
def _library(checklist_id: str) -> checklists.Checklist | None:
    try:
        return checklists.get_library_checklist(checklist_id)
    except LookupError:
        return None


class _Views:
    """What the services see of a checklist, built once per content hash (a version never changes)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._info: dict[str, ChecklistInfo] = {}
        self._texts: dict[str, tuple[ChecklistItemText, ...]] = {}
        self._outlines: dict[str, ChecklistOutline] = {}

    def info(self, c: checklists.Checklist) -> ChecklistInfo:
        with self._lock:
            found = self._info.get(c.content_hash)
        if found is None:
            items = tuple(ChecklistItemRef(i.id, i.clause) for i in c.items)
            found = ChecklistInfo(c.id, c.version, c.content_hash, c.title, items)
            with self._lock:
                self._info[c.content_hash] = found
        return found

    def texts(self, c: checklists.Checklist) -> tuple[ChecklistItemText, ...]:
        with self._lock:
            found = self._texts.get(c.content_hash)
        if found is None:
            titles = {s.clause: s.title for s in c.sections}
            found = tuple(
                ChecklistItemText(i.id, i.clause, titles.get(i.clause, ""), i.text, i.guidance)
                for i in c.items
            )
            with self._lock:
                self._texts[c.content_hash] = found
        return found

    def outline(self, c: checklists.Checklist) -> ChecklistOutline:
        with self._lock:
            found = self._outlines.get(c.content_hash)
        if found is None:
            found = ChecklistOutline(
                c.id,
                c.title,
                c.version,
                tuple(OutlineSection(s.clause, s.title, s.parent) for s in c.sections),
                tuple(
                    OutlineItem(i.id, i.clause, i.text, i.guidance, i.evidence, i.records, i.process)
                    for i in c.items
                ),
                tuple(checklists.by_process(c)),
            )
            with self._lock:
                self._outlines[c.content_hash] = found
        return found


_VIEWS = _Views()


class DeviceChecklists:
    """ChecklistTexts and ChecklistOutlines over the shipped library and a workspace's received versions.

    Without a settings source (or while the workspace is locked) it is the shipped library alone.
    """

    def __init__(self, settings: SettingsSource | None = None) -> None:
        self._source = settings

    def _settings(self) -> Settings | None:
        if self._source is None:
            return None
        try:
            return self._source()
        except AuditAppError:
            return None  # a locked workspace: the library alone

    def _received(self, settings: Settings | None) -> list[ReceivedChecklist]:
        return checklist_updates.received(settings) if settings is not None else []

    def checklist(self, checklist_id: str, content_hash: str | None = None) -> checklists.Checklist:
        """The pinned version when given and held, else the current version; NotFoundError when unknown."""
        settings = self._settings()
        held = [e for e in self._received(settings) if e.checklist_id == checklist_id]
        shipped = _library(checklist_id)
        if content_hash:
            if shipped is not None and shipped.content_hash == content_hash:
                return shipped
            if settings is not None and any(e.content_hash == content_hash for e in held):
                pinned = checklist_updates.load(settings, content_hash)
                if pinned is not None:
                    return pinned
        for entry in sorted(held, key=lambda e: e.publication, reverse=True):
            assert settings is not None  # held is empty without settings
            current = checklist_updates.load(settings, entry.content_hash)
            if current is not None:
                return current
        if shipped is None:
            raise NotFoundError(f"checklist {checklist_id!r} is not on this device")
        return shipped

    def get(self, checklist_id: str, content_hash: str | None = None) -> ChecklistInfo:
        """Identity and item refs (the services' ChecklistCatalog)."""
        return _VIEWS.info(self.checklist(checklist_id, content_hash))

    def items(self, checklist_id: str, content_hash: str | None = None) -> list[ChecklistItemText]:
        """Items with their texts, in checklist order."""
        return list(_VIEWS.texts(self.checklist(checklist_id, content_hash)))

    def outline(self, checklist_id: str, content_hash: str | None = None) -> ChecklistOutline:
        """Clause tree and items (the walkthrough's ChecklistOutlines)."""
        return _VIEWS.outline(self.checklist(checklist_id, content_hash))

    def available(self) -> list[ChecklistChoice]:
        """The current version of every checklist on this device: the shipped ones (or their latest
        publication), then the published ones the library does not have, in order of publication."""
        settings = self._settings()
        latest: dict[str, ReceivedChecklist] = {}
        for held in sorted(self._received(settings), key=lambda e: e.publication):
            latest[held.checklist_id] = held
        choices: list[ChecklistChoice] = []
        for shipped in checklists.load_library():
            entry = latest.pop(shipped.id, None)
            if entry is None:
                choices.append(
                    ChecklistChoice(shipped.id, shipped.title, shipped.version, len(shipped.items))
                )
            else:
                choices.append(ChecklistChoice(entry.checklist_id, entry.title, entry.version, entry.items))
        choices.extend(ChecklistChoice(e.checklist_id, e.title, e.version, e.items) for e in latest.values())
        return choices
