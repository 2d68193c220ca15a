"""The field app's sync agent: enrollment, then background push, photo upload and pull; capture never waits.

Everything it keeps lives in the workspace's encrypted settings: the device's private keys, the store's
public keys, the pull cursor and what was pulled. Without a server or before enrollment the app works the
same; the sync panel then says so in plain words. Rounds run in a daemon thread (sync.runner.SyncRunner)
with exponential backoff and jitter after any failure, and never stop before the workspace closes.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from auditapp.client import checklist_updates
from auditapp.client.blob_queue import blob_queue_for, withdraw_orphans
from auditapp.domain.errors import AuditAppError, ValidationError
from auditapp.domain.events import DomainEvent
from auditapp.domain.payloads import validate_payload
from auditapp.services.field_views import SyncView
from auditapp.services.sync_panel import round_failure
from auditapp.services.workspace import SyncAgent, WorkspaceStore
from sync.batch import Record
from sync.client import SyncClient
from sync.errors import PLAIN_WORDS, Refused, SyncError, TransportError, plain_words
from sync.keys import DeviceKeys, PublicKeys, b64decode, b64encode
from sync.progress import SyncProgress
from sync.runner import SyncRunner
from sync.transport import Backoff, HttpTransport

log = logging.getLogger(__name__)

ENROLL_PATH = "/api/enroll"
KEYS = "sync.device_keys"
ENROLLING_KEYS = "sync.enrolling_keys"
STORE_SIGNING = "sync.store_signing"
STORE_RECEIVING = "sync.store_receiving"
SERVER = "sync.server_url"
USERNAME = "sync.username"
CURSOR = "sync.pull_cursor"
FINDING_STATUSES = "sync.finding_statuses"
LAST_SUCCESS = "sync.last_success"
"""When a sync round last succeeded, kept so that a workspace opened again does not say "not synced yet"."""
PULLED_PREFIX = "sync.pulled."
TEAM_EVENTS = "team_events"
"""Pull record kind with teammates' events of an audit this device works on (merged, never kept as is)."""
ATTEMPTS_PER_ROUND = 3
"""Network attempts inside one round; the runner's backoff between rounds is what never gives up."""

NOT_ENROLLED = "This device is not enrolled yet: enter the enrollment code from your quality manager."
ENROLL_REFUSALS = {
    code: PLAIN_WORDS[code]
    for code in ("unknown_code", "used_code", "expired_code", "too_many_attempts", "device_of_another_user")
}


def merge_team_events(store: WorkspaceStore, device_id: str, record: dict[str, object]) -> int:
    """Merge a team_events record into the store as other devices' events (never into the outbox).

    An event that does not validate, or that claims to be this device's, is skipped and logged: it must
    not stop the pull (the store validated it already), and this device's own events come only from it.
    """
    events: list[DomainEvent] = []
    raw = record.get("events")
    for item in raw if isinstance(raw, list) else []:
        try:
            event = DomainEvent.from_dict(item)
            validate_payload(event.kind, event.payload)
        except (ValidationError, ValueError, KeyError, TypeError) as exc:
            log.warning("a teammate's event from the central store was skipped: %s", exc)
            continue
        if event.device_id != device_id:
            events.append(event)
    return store.merge_remote(events) if events else 0


@dataclass(frozen=True)
class Enrollment:
    """The outcome of enrolling: this device's id, the user it belongs to and the store it syncs with."""

    device_id: str
    username: str
    server_url: str


class SettingsOutbox:
    """sync.client.RecordOutbox over the workspace outbox: events as (id, seq, canonical JSON) records."""

    def __init__(self, store: WorkspaceStore) -> None:
        self._store = store

    def pending(self, limit: int) -> Sequence[tuple[str, int, bytes]]:
        """The oldest unacknowledged events as records."""
        return [(e.event_id, e.seq, e.canonical_bytes()) for e in self._store.pending(limit)]

    def acknowledge(self, event_ids: Iterable[str]) -> None:
        """Drop what the store confirmed."""
        self._store.acknowledge(event_ids)

    def pending_count(self) -> int:
        """How many events wait."""
        return self._store.pending_count()


class SettingsCursor:
    """sync.client.CursorStore in the encrypted settings."""

    def __init__(self, store: WorkspaceStore) -> None:
        self._store = store

    def get_cursor(self) -> str | None:
        """The last cursor the store sent."""
        return self._store.get(CURSOR)

    def put_cursor(self, cursor: str) -> None:
        """Keep the cursor durably (after the pulled records are kept)."""
        self._store.put(CURSOR, cursor)


class FieldSyncAgent(SyncAgent):
    """SyncAgent of a field workspace: enroll once, then sync in the background until stopped."""

    def __init__(
        self,
        store: WorkspaceStore,
        server_url: str,
        interval_s: float,
        *,
        chunk_size: int | None = None,
        batch_size: int = 500,
        backoff: Backoff | None = None,
        round_backoff: Backoff | None = None,
    ) -> None:
        self.store = store
        self.server_url = server_url.rstrip("/")
        self.interval_s = interval_s
        self._chunk_size = chunk_size
        self._batch_size = batch_size
        self._backoff = backoff or Backoff(base=0.5, cap=30.0)
        self.blobs = blob_queue_for(store)
        self._lock = threading.RLock()
        self._client: SyncClient | None = None
        self._note: str | None = None
        self.runner = SyncRunner(
            self._round, interval=interval_s, backoff=round_backoff or Backoff(base=1.0, cap=300.0)
        )

    # ------------------------------------------------------------------ enrollment
    @property
    def device_id(self) -> str:
        """The id this workspace chose at setup."""
        value = self.store.get("device_id")
        if value is None:
            raise AuditAppError("this workspace has no device id: set it up again")
        return value

    @property
    def enrolled(self) -> bool:
        """Whether this device holds keys registered with this server."""
        return self.store.get(KEYS) is not None and self.store.get(SERVER) == self.server_url

    def enroll(self, code: str, name: str = "") -> Enrollment:
        """Register this device with the central store using a one-time code from a quality manager."""
        if not code.strip():
            raise ValidationError("enter the enrollment code from your quality manager", "code")
        with self._lock:
            # The same keys are reused until enrollment succeeds, so a retry after a lost answer matches.
            pending = self.store.get(ENROLLING_KEYS)
            keys = DeviceKeys.from_private_bytes(b64decode(pending, what="keys")) if pending else None
            if keys is None:
                keys = DeviceKeys.generate()
                self.store.put(ENROLLING_KEYS, b64encode(keys.to_private_bytes()))
            body = {
                "code": code.strip(),
                "device_id": self.device_id,
                "signing_public": keys.signing_public_b64,
                "receiving_public": keys.receiving_public_b64,
                "name": name or f"field device {self.device_id[:8]}",
            }
            transport = HttpTransport(self.server_url, backoff=self._backoff, max_attempts=ATTEMPTS_PER_ROUND)
            try:
                answer = transport.request(
                    "POST",
                    ENROLL_PATH,
                    body=json.dumps(body).encode("utf-8"),
                    headers={"Content-Type": "application/json"},
                ).json()
            except Refused as refusal:
                message = ENROLL_REFUSALS.get(refusal.refusal_code)
                raise ValidationError(
                    message or f"the central store refused: {refusal.message}", "code"
                ) from None
            except TransportError as exc:
                if exc.answer_code:  # the store answered and said why: say that, not "cannot be reached"
                    raise AuditAppError(
                        f"{plain_words(exc.answer_code)} The code stays valid for 15 minutes."
                    ) from None
                raise AuditAppError(
                    f"the central store at {self.server_url} cannot be reached ({exc.message}): "
                    "check the connection and try again; the code stays valid for 15 minutes"
                ) from None
            except SyncError as exc:
                raise AuditAppError(
                    f"the central store at {self.server_url} cannot be reached ({exc.message}): "
                    "check the connection and try again; the code stays valid for 15 minutes"
                ) from None
            finally:
                transport.close()
            store_keys = PublicKeys.from_b64(answer["store"]["signing"], answer["store"]["receiving"])
            self.store.put(STORE_SIGNING, b64encode(store_keys.signing))
            self.store.put(STORE_RECEIVING, b64encode(store_keys.receiving))
            self.store.put(USERNAME, str(answer["username"]))
            self.store.put(SERVER, self.server_url)
            self.store.put(KEYS, b64encode(keys.to_private_bytes()))
            self.store.put(ENROLLING_KEYS, "")
            self._client = None
            self._note = None
        self.runner.wake()
        return Enrollment(str(answer["device_id"]), str(answer["username"]), self.server_url)

    # ------------------------------------------------------------------ the sync client
    def _sync_client(self) -> SyncClient | None:
        with self._lock:
            if self._client is None and self.enrolled:
                keys = DeviceKeys.from_private_bytes(b64decode(self.store.get(KEYS) or "", what="keys"))
                store_public = PublicKeys(
                    signing=b64decode(self.store.get(STORE_SIGNING) or "", what="store key"),
                    receiving=b64decode(self.store.get(STORE_RECEIVING) or "", what="store key"),
                )
                transport = HttpTransport(
                    self.server_url,
                    device_id=self.device_id,
                    signer=keys,
                    backoff=self._backoff,
                    stop=self.runner.stop_event,
                    max_attempts=ATTEMPTS_PER_ROUND,
                )
                extra = {"chunk_size": self._chunk_size} if self._chunk_size else {}
                self._client = SyncClient(
                    transport,
                    keys=keys,
                    device_id=self.device_id,
                    store_public=store_public,
                    outbox=SettingsOutbox(self.store),
                    blobs=self.blobs,
                    cursor=SettingsCursor(self.store),
                    on_pulled=self._keep_pulled,
                    batch_size=self._batch_size,
                    failure_words=round_failure,  # a StoreError's words for the screen
                    **extra,  # type: ignore[arg-type]
                )
            return self._client

    def _keep_pulled(self, records: list[Record]) -> None:
        """Store pulled records in the settings before the cursor moves past them."""
        statuses = json.loads(self.store.get(FINDING_STATUSES) or "{}")
        others: dict[str, list[object]] = {}
        for record in records:
            value = json.loads(record.body)
            if value.get("kind") == "finding_status":
                statuses[str(value["finding_id"])] = str(value["status"])
            elif value.get("kind") == TEAM_EVENTS:
                merge_team_events(self.store, self.device_id, value)
            elif value.get("kind") == checklist_updates.CHECKLIST_UPDATE:
                self._keep_checklist(value)
            else:
                # Hook for effectiveness tasks and prior findings (the CAPA work reads these lists).
                others.setdefault(str(value.get("kind")), []).append(value)
        self.store.put(FINDING_STATUSES, json.dumps(statuses, sort_keys=True))
        for kind, values in others.items():
            key = PULLED_PREFIX + kind
            self.store.put(key, json.dumps(json.loads(self.store.get(key) or "[]") + values))

    def _keep_checklist(self, record: dict[str, object]) -> None:
        """Keep a published checklist that verifies; refuse (log and list) one that does not, and go on."""
        at = datetime.now(UTC).isoformat(timespec="seconds")
        try:
            checklist_updates.receive(self.store, record, at)
        except checklist_updates.ChecklistUpdateRefused as exc:
            checklist_updates.refuse(self.store, record, str(exc), at)

    def checklist_refusals(self) -> list[checklist_updates.Refusal]:
        """Checklist updates from the central store that this device refused, oldest first."""
        return checklist_updates.refusals(self.store)

    def finding_statuses(self) -> dict[str, str]:
        """Status of this device's findings on the central store, as last pulled (finding id -> status)."""
        return dict(json.loads(self.store.get(FINDING_STATUSES) or "{}"))

    def _round(self) -> None:
        withdraw_orphans(self.store)  # before anything is uploaded; once per opening of the store
        client = self._sync_client()
        if client is None:
            enrolled_with = self.store.get(SERVER)
            self._note = NOT_ENROLLED
            if enrolled_with not in (None, "", self.server_url):
                self._note = (
                    f"This device is enrolled with {enrolled_with}, not {self.server_url}: enroll again."
                )
            return
        client.sync_once()
        last = client.progress().last_success
        if last is not None and last != self.store.get(LAST_SUCCESS):
            self.store.put(LAST_SUCCESS, last)

    # ------------------------------------------------------------------ SyncAgent
    def start(self) -> None:
        """Begin background sync (rounds every interval_s, backoff after failures)."""
        self.runner.start()

    def stop(self) -> None:
        """End background sync; a round in progress is interrupted at its next wait."""
        self.runner.stop()
        with self._lock:
            if self._client is not None:
                self._client.transport.close()
                self._client = None

    def sync_now(self) -> None:
        """One round now, in the caller's thread; failures show in the view and are retried later."""
        try:
            self._round()
        except Exception as exc:  # the view shows what happened; capture must never see this
            log.info("sync round failed: %s", exc)
        self.runner.wake()

    def progress(self) -> SyncProgress | None:
        """Events and bytes waiting, last success, last error (None before enrollment)."""
        client = self._sync_client()
        return client.progress() if client is not None else None

    def revoked(self) -> bool:
        """Whether the central store refused this device as revoked in the last round."""
        progress = self.progress()
        return (
            progress is not None
            and progress.state == "refused"
            and progress.last_error == plain_words("revoked_device")
        )

    def view(self) -> SyncView:
        """The sync panel in plain words."""
        progress = self.progress()
        waiting = self.store.pending_count()
        if progress is None:
            return SyncView(
                configured=True,
                online=False,
                waiting_events=waiting,
                last_success=None,
                last_error=self._note or NOT_ENROLLED,
                waiting_bytes=self.blobs.bytes_waiting() if self.blobs is not None else 0,
            )
        last_success = progress.last_success or self.store.get(LAST_SUCCESS)  # an earlier opening's
        return SyncView(
            configured=True,
            online=progress.state != "waiting" and last_success is not None,
            waiting_events=progress.events_waiting,
            last_success=last_success,
            last_error=progress.last_error,
            waiting_bytes=progress.bytes_waiting,
            sending=progress.state == "syncing",
            sent_events=progress.events_sent,
            sent_bytes=progress.bytes_sent,
            refused_checklists=self._refused_checklists(),
        )

    def _refused_checklists(self) -> tuple[tuple[str, str, str], ...]:
        return tuple(
            (r.at, r.checklist_id, r.reason) for r in checklist_updates.outstanding_refusals(self.store)
        )


def sync_factory_for(
    server_url: str, interval_s: float, chunk_size: int | None = None
) -> Callable[[WorkspaceStore], SyncAgent]:
    """The SyncFactory the bootstrap hands to FieldWorkspace when a central store is configured.

    `chunk_size`: bytes per photo upload request (AUDITAPP_SYNC_CHUNK_SIZE); None is sync's default.
    """

    def make(store: WorkspaceStore) -> SyncAgent:
        return FieldSyncAgent(store, server_url, interval_s, chunk_size=chunk_size)

    return make
