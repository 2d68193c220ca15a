"""The field workspace: one encrypted store on this device, the use cases the field screens call.

A consultant keeps one workspace per client; the UI talks to this object only, and the adapters
(store, checklists, sync) are handed in by the bootstrap, so nothing here touches a file or the network.
"""

from __future__ import annotations

import threading
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal, Protocol

from auditapp.domain.drafts import audit_planned
from auditapp.domain.errors import AuditAppError, NotFoundError, ValidationError
from auditapp.domain.events import DomainEvent
from auditapp.domain.plan import AuditPlan
from auditapp.services.capture import record_response
from auditapp.services.catalog import ChecklistInfo
from auditapp.services.context import CaptureContext, capture_context
from auditapp.services.field_views import AuditSummary, ItemView, SyncView, WalkthroughView
from auditapp.services.form_drafts import FormDrafts
from auditapp.services.ports import EventStore, Outbox, PhotoStore, Settings
from auditapp.services.queries import audit_state, list_audits

MIN_PASSPHRASE = 8
PASSPHRASE_RULES = (
    f"Use at least {MIN_PASSPHRASE} characters; a few unrelated words are easy to type and hard to guess. "
    "Type it twice. It encrypts this workspace on this device; if it is forgotten, only the recovery key "
    "you get next can replace it."
)
RECOVERY_KEY_CHARACTERS = 25
USERNAME_SETTING = "sync.username"
"""Settings key under which the sync agent keeps the user this device is enrolled for."""
SERVER_SETTING = "sync.server_url"
"""Settings key under which the sync agent keeps the central store this device is enrolled with."""


def check_passphrase(passphrase: str, confirm: str) -> None:
    """Refuse a new passphrase that is empty, only spaces, too short or typed differently twice.

    Length and sameness are judged on the NFC form, which the key is derived from (FLD-117): a letter typed
    composed or decomposed is one character and the same passphrase. The passphrase itself is kept as typed,
    spaces included; only one made of nothing but spaces is refused, since it is the first anyone would try.
    """
    text = unicodedata.normalize("NFC", passphrase)
    if not text:
        raise ValidationError(f"type a passphrase of at least {MIN_PASSPHRASE} characters", "passphrase")
    if not text.strip():
        raise ValidationError(
            "the passphrase is only spaces, which anyone could guess: use words or other characters too",
            "passphrase",
        )
    if len(text) < MIN_PASSPHRASE:
        raise ValidationError(f"use at least {MIN_PASSPHRASE} characters", "passphrase")
    if text != unicodedata.normalize("NFC", confirm):
        raise ValidationError("the two passphrases differ: type the same one twice", "passphrase")


@dataclass(frozen=True)
class DeviceStatus:
    """What the device screen says about this workspace's link to a central store, and what to do."""

    state: Literal["offline_only", "not_enrolled", "enrolled", "revoked"]
    device_id: str
    server_url: str | None = None
    username: str | None = None

    @property
    def headline(self) -> str:
        """The status in one plain sentence."""
        if self.state == "offline_only":
            return "Offline only: this workspace has no central store."
        if self.state == "not_enrolled":
            return f"Not enrolled with the central store at {self.server_url}."
        if self.state == "revoked":
            return f"Revoked: the central store at {self.server_url} refuses this device."
        return f"Enrolled with {self.server_url} as {self.username}."

    @property
    def advice(self) -> str:
        """What the auditor can do about it."""
        if self.state == "offline_only":
            return (
                "Everything you capture stays encrypted on this device. To sync, type the central store's "
                "address and an enrollment code from your quality manager below."
            )
        if self.state == "not_enrolled":
            return (
                "Ask your quality manager for an enrollment code (valid 15 minutes) and type it below. "
                "Until then everything you capture waits on this device."
            )
        if self.state == "revoked":
            return (
                "Nothing is lost: everything stays on this device and waits. Ask your quality manager "
                "for a new enrollment code and enroll again below."
            )
        return "Changes are sent in the background whenever the central store can be reached."


class WorkspaceStore(EventStore, Outbox, Settings, Protocol):
    """What a workspace needs of its store: events, outbox and settings in one encrypted place."""

    def close(self) -> None:
        """Release the store (and its lock)."""

    def new_recovery_key(self, passphrase: str) -> str:
        """Make the store's recovery key (an earlier one stops working) and return it to be shown once;
        a wrong passphrase raises an AuditAppError and changes nothing."""

    def recovery_key_made(self) -> str | None:
        """When the recovery key was made (UTC, ISO 8601); None when there is none."""

    @property
    def journal_damage(self) -> str | None:
        """What is wrong with the first damaged record of the store's journal found at unlock, before its
        last checkpoint (the audits are intact in the views); None when the journal is whole."""


class StoreOpener(Protocol):
    """Creates or opens the encrypted store of a workspace folder."""

    def exists(self, folder: Path) -> bool:
        """Whether a store has been set up in the folder."""

    def create(self, folder: Path, passphrase: str) -> WorkspaceStore:
        """Set up a new store protected by the passphrase."""

    def open(self, folder: Path, passphrase: str) -> WorkspaceStore:
        """Open an existing store; a wrong passphrase raises an AuditAppError and changes nothing."""

    def recover(self, folder: Path, recovery_key: str, passphrase: str) -> WorkspaceStore:
        """Open an existing store with its recovery key and give it a new passphrase; a wrong recovery key
        raises an AuditAppError and changes nothing."""


@dataclass(frozen=True)
class ChecklistItemText:
    """What the walkthrough shows of one checklist item."""

    item_id: str
    clause: str
    clause_title: str
    text: str
    guidance: str


class ChecklistTexts(Protocol):
    """The checklists the workspace can audit against: identity and item refs, and the texts to show."""

    def get(self, checklist_id: str, content_hash: str | None = None) -> ChecklistInfo:
        """Identity and items of a checklist (a pinned version where held); NotFoundError when unknown."""

    def items(self, checklist_id: str, content_hash: str | None = None) -> list[ChecklistItemText]:
        """Items of the checklist (a pinned version where held) with their texts, in checklist order."""


class SyncAgent(Protocol):
    """Sends the outbox to the central store in the background; never blocks capture."""

    def start(self) -> None:
        """Begin background sync."""

    def stop(self) -> None:
        """End background sync."""

    def sync_now(self) -> None:
        """Try one round now (returns when done or failed)."""

    def view(self) -> SyncView:
        """State for the sync panel."""

    @property
    def enrolled(self) -> bool:
        """Whether this device is registered with the central store."""

    def enroll(self, code: str, name: str = "") -> object:
        """Register this device with a one-time code from a quality manager."""


SyncFactory = Callable[[WorkspaceStore], SyncAgent]


class FieldWorkspace:
    """The field app's use cases over one workspace folder."""

    def __init__(
        self,
        folder: Path,
        stores: StoreOpener,
        checklists: ChecklistTexts,
        sync_factory: SyncFactory | None = None,
    ):
        self.folder = folder
        self._stores = stores
        self._checklists = checklists
        self._sync_factory = sync_factory
        self._store: WorkspaceStore | None = None
        self._sync: SyncAgent | None = None
        self._lock = threading.RLock()
        self._want_sync = False
        self._new_recovery_key: str | None = None

    # ------------------------------------------------------------------ session
    @property
    def unlocked(self) -> bool:
        """Whether the store is open in this session."""
        return self._store is not None

    def needs_setup(self) -> bool:
        """True on first run: no store in the folder yet."""
        return not self._stores.exists(self.folder)

    def set_up(self, passphrase: str, confirm: str) -> None:
        """First run: create the encrypted store, this device's id and the recovery key, which
        `take_new_recovery_key` hands out once to be shown."""
        check_passphrase(passphrase, confirm)
        with self._lock:
            store = self._stores.create(self.folder, passphrase)
            if store.get("device_id") is None:
                store.put("device_id", str(uuid.uuid4()))
            self._new_recovery_key = store.new_recovery_key(passphrase)
            self._opened(store)

    def take_new_recovery_key(self) -> str | None:
        """The recovery key made at setup, once (None afterwards): it is shown once and never kept."""
        with self._lock:
            key, self._new_recovery_key = self._new_recovery_key, None
            return key

    def unlock(self, passphrase: str) -> None:
        """Open the store for this session; a wrong passphrase changes nothing."""
        if not passphrase:
            raise ValidationError("enter your passphrase", "passphrase")
        with self._lock:
            if self._store is None:
                self._opened(self._stores.open(self.folder, passphrase))

    def recover(self, recovery_key: str, passphrase: str, confirm: str) -> None:
        """Open the store with its recovery key when the passphrase is forgotten, and set a new passphrase.

        A wrong or mistyped recovery key changes nothing; the new passphrase follows the usual rules."""
        if len("".join(recovery_key.split()).replace("-", "")) != RECOVERY_KEY_CHARACTERS:
            raise ValidationError(
                f"a recovery key has {RECOVERY_KEY_CHARACTERS} letters and digits, in five groups of five",
                "recovery key",
            )
        check_passphrase(passphrase, confirm)
        with self._lock:
            if self._store is None:
                self._opened(self._stores.recover(self.folder, recovery_key, passphrase))

    def new_recovery_key(self, passphrase: str) -> str:
        """A new recovery key for this workspace, to show once (the previous one stops working); the
        passphrase is asked again so that whoever finds the tablet unlocked cannot plant a key."""
        if not passphrase:
            raise ValidationError(
                "enter this workspace's passphrase to make a new recovery key", "passphrase"
            )
        with self._lock:
            return self.store().new_recovery_key(passphrase)

    def recovery_key_made(self) -> str | None:
        """When this workspace's recovery key was made (UTC, ISO 8601); None when it has none."""
        return self.store().recovery_key_made()

    def adopt(self, store: WorkspaceStore) -> None:
        """Use an already opened store (the demo and tests open it before the UI starts)."""
        with self._lock:
            self._opened(store)

    def _opened(self, store: WorkspaceStore) -> None:
        self._store = store
        if self._sync_factory is not None:
            self._sync = self._sync_factory(store)
            if self._want_sync:
                self._sync.start()

    def close(self) -> None:
        """Stop syncing and release the store.

        The workspace is locked even when stopping sync or releasing the store fails (STO-014): the store
        is forgotten first, so nothing stays readable, and such an error is raised only afterwards."""
        with self._lock:
            sync, store = self._sync, self._store
            self._sync, self._store = None, None
            try:
                if sync is not None:
                    sync.stop()
            finally:
                if store is not None:
                    store.close()

    def store(self) -> WorkspaceStore:
        """The open store; using a locked workspace is an error the UI reports."""
        if self._store is None:
            raise AuditAppError("the workspace is locked: unlock it with your passphrase first")
        return self._store

    def drafts(self) -> FormDrafts:
        """What was typed in this workspace's forms and not yet submitted (kept encrypted, per workspace)."""
        return FormDrafts(self.store())

    @property
    def device_id(self) -> str:
        """This device's id (chosen at setup, registered with the central store at enrollment)."""
        device = self.store().get("device_id")
        if device is None:
            raise AuditAppError("this workspace has no device id: set it up again")
        return device

    # ------------------------------------------------------------------ sync
    def start_background_sync(self) -> None:
        """Sync in the background whenever the workspace is unlocked."""
        self._want_sync = True
        if self._sync is not None:
            self._sync.start()

    def sync_view(self) -> SyncView:
        """State for the sync panel, with the damage of the store's journal when unlocking found any."""
        store = self._store
        waiting = store.pending_count() if store is not None else 0
        if self._sync is None:
            view = SyncView(
                configured=False, online=False, waiting_events=waiting, last_success=None, last_error=None
            )
        else:
            view = self._sync.view()
        damage = store.journal_damage if store is not None else None
        return replace(view, journal_damage=damage) if damage else view

    @property
    def enrolled(self) -> bool:
        """Whether this workspace is enrolled with its central store (False when it has none)."""
        return self._sync is not None and self._sync.enrolled

    @property
    def has_sync(self) -> bool:
        """Whether this workspace has a central store to sync with."""
        return self._sync_factory is not None

    def enroll(self, code: str, device_name: str = "", sync_factory: SyncFactory | None = None) -> None:
        """Enroll this device with a central store using a one-time code.

        With `sync_factory` the device enrolls with that store instead of the configured one, and syncs
        with it from then on; when enrollment fails nothing changes.
        """
        with self._lock:
            store = self.store()
            agent = self._sync if sync_factory is None else sync_factory(store)
            if agent is None:
                raise ValidationError("no central store is configured for this workspace", "server_url")
            agent.enroll(code, device_name)
            if agent is not self._sync:
                if self._sync is not None:
                    self._sync.stop()
                self._sync, self._sync_factory = agent, sync_factory
                if self._want_sync:
                    agent.start()

    def device_status(self) -> DeviceStatus:
        """Enrolled, not enrolled, revoked, or offline only, with the store's address and the user."""
        store = self.store()
        device = self.device_id
        if self._sync is None:
            return DeviceStatus("offline_only", device)
        server = store.get(SERVER_SETTING) or getattr(self._sync, "server_url", None)
        if not self._sync.enrolled:
            return DeviceStatus("not_enrolled", device, getattr(self._sync, "server_url", server))
        # An agent that can tell (FieldSyncAgent) offers revoked(): the store refused this device in its
        # last round.
        revoked = getattr(self._sync, "revoked", None)
        state: Literal["enrolled", "revoked"] = "revoked" if callable(revoked) and revoked() else "enrolled"
        return DeviceStatus(state, device, server, store.get(USERNAME_SETTING))

    def sync_now(self) -> SyncView:
        """Try to send what is waiting now."""
        if self._sync is not None:
            self._sync.sync_now()
        return self.sync_view()

    # ------------------------------------------------------------------ queries
    def events(self, audit_id: str) -> list[DomainEvent]:
        """Every event of an audit held on this device."""
        events = self.store().events(audit_id)
        if not events:
            raise NotFoundError(f"no audit with id {audit_id} on this device")
        return events

    def audits(self) -> list[AuditSummary]:
        """Every audit on this device with its progress, most recently started first."""
        return list_audits(self.store(), self._checklists)

    def walkthrough(self, audit_id: str) -> WalkthroughView:
        """The audit opened for capture: every item of its checklists with the current answer."""
        state = audit_state(self.store(), audit_id)
        if state.plan is None:
            raise NotFoundError(f"no audit with id {audit_id} on this device")
        items = tuple(
            ItemView(
                item_id=text.item_id,
                clause=text.clause,
                clause_title=text.clause_title,
                text=text.text,
                guidance=text.guidance,
                answer=(
                    state.responses[text.item_id].answer.value if text.item_id in state.responses else None
                ),
            )
            for ref in state.plan.criteria
            for text in self._held_items(ref.checklist_id, ref.content_hash)
        )
        return WalkthroughView(audit_id, state.plan.title, state.plan.site, items)

    def _held_items(self, checklist_id: str, content_hash: str | None) -> list[ChecklistItemText]:
        """The items of a checklist of the plan; none when this device does not hold it."""
        try:
            return list(self._checklists.items(checklist_id, content_hash))
        except NotFoundError:
            return []

    def record_answer(self, audit_id: str, item_id: str, answer: str) -> ItemView:
        """Record the answer to an item; returns the item as it now stands (durable on return)."""
        with self._lock:
            state = record_response(self._capture(), audit_id, item_id, None, answer)
        item = next(i for i in self.walkthrough(audit_id).items if i.item_id == item_id)
        return replace(item, answer=state.responses[item_id].answer.value)

    def plan_audit(self, plan: AuditPlan) -> str:
        """Create an audit from its plan; returns the new audit's id."""
        audit_id = str(uuid.uuid4())
        with self._lock:
            self._capture().record(audit_id, [audit_planned(plan)])
        return audit_id

    def _capture(self) -> CaptureContext:
        store = self.store()
        return capture_context(store, store, self._checklists, self._photos(store))

    @staticmethod
    def _photos(store: WorkspaceStore) -> PhotoStore:
        photos: PhotoStore | None = getattr(store, "photos", None)
        if photos is None:
            raise AuditAppError("this workspace's store keeps no photos")
        return photos
