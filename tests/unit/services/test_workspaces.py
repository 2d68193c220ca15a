"""The workspace list: create, switch (locking), validation, enrollment and device status, over fakes."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditapp.domain.errors import AuditAppError, NotFoundError, ValidationError
from auditapp.services.field_views import SyncView
from auditapp.services.workspace import ChecklistItemText, FieldWorkspace, WorkspaceStore
from auditapp.services.workspaces import (
    WorkspaceEntry,
    WorkspaceList,
    Workspaces,
    normalise_server_url,
    slug,
)
from auditapp.store.memory import MemoryEventStore
from tests.unit.services.fakes import FakeCatalog

PASS_A = "passphrase of client A"
PASS_B = "passphrase of client B"


class FakeIndex:
    """WorkspaceIndex in memory; counts saves."""

    def __init__(self) -> None:
        self.listing = WorkspaceList()
        self.saves = 0

    def load(self) -> WorkspaceList:
        return self.listing

    def save(self, listing: WorkspaceList) -> None:
        self.listing = listing
        self.saves += 1

    def new_folder(self, workspace_id: str) -> Path:
        return Path("/ws") / workspace_id


class FakeStore(MemoryEventStore):
    """A memory store that remembers its passphrase and whether it is closed."""

    def __init__(self, passphrase: str) -> None:
        super().__init__()
        self.passphrase = passphrase
        self.closed = False
        self.journal_damage: str | None = None

    def close(self) -> None:
        self.closed = True

    def new_recovery_key(self, passphrase: str) -> str:
        if passphrase != self.passphrase:
            raise AuditAppError("wrong passphrase; nothing was changed")
        self.recovery_key = f"{len(self.passphrase):05d}-00000-00000-00000-00000"
        return self.recovery_key

    def recovery_key_made(self) -> str | None:
        return "2026-11-25T10:00:00Z" if hasattr(self, "recovery_key") else None


class FakeStores:
    """StoreOpener over memory stores, one per folder."""

    def __init__(self) -> None:
        self.stores: dict[Path, FakeStore] = {}

    def exists(self, folder: Path) -> bool:
        return folder in self.stores

    def create(self, folder: Path, passphrase: str) -> WorkspaceStore:
        self.stores[folder] = FakeStore(passphrase)
        return self.stores[folder]

    def open(self, folder: Path, passphrase: str) -> WorkspaceStore:
        store = self.stores[folder]
        if store.passphrase != passphrase:
            raise AuditAppError(f"wrong passphrase for the field store in {folder}; nothing was changed")
        store.closed = False
        return store

    def recover(self, folder: Path, recovery_key: str, passphrase: str) -> WorkspaceStore:
        store = self.stores[folder]
        if getattr(store, "recovery_key", None) != recovery_key:
            raise AuditAppError(f"this recovery key does not open the field store in {folder}")
        store.passphrase, store.closed = passphrase, False
        return store


class FakeTexts(FakeCatalog):
    """ChecklistTexts with no item texts."""

    def items(self, checklist_id: str, content_hash: str | None = None) -> list[ChecklistItemText]:
        return []


class FakeAgent:
    """SyncAgent that enrolls when the code is 'GOOD'."""

    def __init__(self, store: WorkspaceStore, url: str) -> None:
        self.store, self.server_url = store, url
        self.started = self.is_revoked = False

    def start(self) -> None:
        self.started = True

    def stop(self) -> None:
        self.started = False

    def sync_now(self) -> None:
        pass

    def view(self) -> SyncView:
        return SyncView(True, True, 0, None, None)

    @property
    def enrolled(self) -> bool:
        return self.store.get("sync.server_url") == self.server_url

    def enroll(self, code: str, name: str = "") -> object:
        if code != "GOOD":
            raise ValidationError("This enrollment code is not known", "code")
        self.store.put("sync.server_url", self.server_url)
        self.store.put("sync.username", "ana")
        return None

    def revoked(self) -> bool:
        return self.is_revoked


@pytest.fixture
def stores() -> FakeStores:
    return FakeStores()


@pytest.fixture
def index() -> FakeIndex:
    return FakeIndex()


@pytest.fixture
def workspaces(stores: FakeStores, index: FakeIndex) -> Workspaces:
    def sync_for(url: str):  # type: ignore[no-untyped-def]
        return lambda store: FakeAgent(store, url)

    def make(entry: WorkspaceEntry) -> FieldWorkspace:
        factory = sync_for(entry.server_url) if entry.server_url else None
        return FieldWorkspace(entry.folder, stores, FakeTexts(), factory)

    return Workspaces(index, make, sync_for)


@pytest.mark.req("FLD-001")
def test_a_new_workspace_has_its_own_store_and_becomes_current_while_the_other_is_locked(
    workspaces: Workspaces, stores: FakeStores
) -> None:
    a, ws_a = workspaces.create("Client A", "", PASS_A, PASS_A)
    ws_a.store().put("secret", "of A")
    b, ws_b = workspaces.create("Client B", "https://store.client-b.example/", PASS_B, PASS_B)

    assert [e.name for e in workspaces.entries()] == ["Client A", "Client B"]
    assert workspaces.current == b
    assert b.server_url == "https://store.client-b.example"
    assert not ws_a.unlocked
    assert stores.stores[a.folder].closed
    assert ws_b.unlocked
    assert ws_b.store().get("secret") is None
    assert a.folder != b.folder
    assert stores.stores[a.folder].get("device_id") != ws_b.device_id
    with pytest.raises(AuditAppError, match="locked"):
        ws_a.audits()


@pytest.mark.req("FLD-001")
def test_switching_locks_the_open_workspace_and_the_next_needs_its_own_passphrase(
    workspaces: Workspaces,
) -> None:
    a, _ws_a = workspaces.create("Client A", "", PASS_A, PASS_A)
    workspaces.create("Client B", "", PASS_B, PASS_B)
    generation = workspaces.generation

    again = workspaces.switch(a.workspace_id)
    assert workspaces.current == a
    assert not again.unlocked
    assert workspaces.generation > generation
    with pytest.raises(AuditAppError, match="wrong passphrase"):
        again.unlock(PASS_B)
    again.unlock(PASS_A)
    assert again.unlocked
    with pytest.raises(NotFoundError, match="Client A, Client B"):
        workspaces.switch("no-such-workspace")
    assert workspaces.current == a
    assert again.unlocked


@pytest.mark.req("FLD-002")
@pytest.mark.parametrize(
    ("name", "url", "passphrase", "confirm", "message"),
    [
        ("  ", "", PASS_A, PASS_A, "workspace name: give the workspace a name"),
        ("x" * 61, "", PASS_A, PASS_A, "at most 60 characters"),
        ("Client A", "store.example", PASS_A, PASS_A, "'store.example' is not a web address"),
        ("Client A", "ftp://store.example", PASS_A, PASS_A, "not a web address"),
        ("Client A", "", "short", "short", "at least 8 characters"),
        ("Client A", "", PASS_A, PASS_B, "the two passphrases differ"),
    ],
)
def test_a_bad_new_workspace_is_refused_and_nothing_is_created(
    workspaces: Workspaces,
    stores: FakeStores,
    index: FakeIndex,
    name: str,
    url: str,
    passphrase: str,
    confirm: str,
    message: str,
) -> None:
    with pytest.raises(ValidationError, match=message):
        workspaces.create(name, url, passphrase, confirm)
    assert workspaces.entries() == []
    assert stores.stores == {}
    assert index.saves == 0


@pytest.mark.req("FLD-002")
def test_every_problem_of_a_new_workspace_is_named_at_once(
    workspaces: Workspaces, stores: FakeStores
) -> None:
    workspaces.create("Client A", "", PASS_A, PASS_A)
    with pytest.raises(ValidationError) as refused:
        workspaces.create("client a", "ftp://nowhere", "short", "short")
    message = str(refused.value)
    assert "workspace name: a workspace called 'Client A' exists already" in message
    assert "central store address: 'ftp://nowhere' is not a web address" in message
    assert "passphrase: use at least 8 characters" in message
    assert len(stores.stores) == 1


@pytest.mark.req("FLD-002")
def test_two_workspaces_cannot_share_a_name(workspaces: Workspaces) -> None:
    workspaces.create("Client A", "", PASS_A, PASS_A)
    with pytest.raises(ValidationError, match="'Client A' exists already"):
        workspaces.create("client a", "", PASS_B, PASS_B)
    assert len(workspaces.entries()) == 1


def test_ids_are_folder_safe_and_unique() -> None:
    assert slug("Müller GmbH / Werk 2") == "muller-gmbh-werk-2"
    assert slug("???") == "workspace"
    assert normalise_server_url(" http://127.0.0.1:8765/ ") == "http://127.0.0.1:8765"
    assert normalise_server_url("") is None


@pytest.mark.req("FLD-005")
def test_registering_the_earlier_single_folder_keeps_it_and_is_idempotent(
    workspaces: Workspaces, index: FakeIndex
) -> None:
    first = workspaces.register(Path("/home/ana/.auditapp/field/default"), "Default", None)
    again = workspaces.register(Path("/home/ana/.auditapp/field/default"), "Other name", "http://s:1")
    assert first.workspace_id == again.workspace_id == "default"
    assert again.folder == Path("/home/ana/.auditapp/field/default")
    assert (again.name, again.server_url) == ("Default", "http://s:1")
    assert len(index.listing.entries) == 1


@pytest.mark.req("FLD-004")
def test_device_status_goes_from_offline_only_to_enrolled_to_revoked(workspaces: Workspaces) -> None:
    entry, ws = workspaces.create("Client A", "", PASS_A, PASS_A)
    status = ws.device_status()
    assert status.state == "offline_only"
    assert "enrollment code" in status.advice

    with pytest.raises(ValidationError, match="code: This enrollment code is not known"):
        workspaces.enroll("http://store.example:8765", "BAD")
    assert workspaces.current == entry  # the address is kept only once enrollment works
    assert ws.device_status().state == "offline_only"

    workspaces.enroll("http://store.example:8765/", "GOOD", "Tablet 1")
    status = ws.device_status()
    assert workspaces.current is not None
    assert workspaces.current.server_url == "http://store.example:8765"
    assert (status.state, status.server_url, status.username) == (
        "enrolled",
        "http://store.example:8765",
        "ana",
    )
    assert status.headline == "Enrolled with http://store.example:8765 as ana."

    agent = ws._sync
    assert isinstance(agent, FakeAgent)
    agent.is_revoked = True
    revoked = ws.device_status()
    assert revoked.state == "revoked"
    assert "Nothing is lost" in revoked.advice
    assert "new enrollment code" in revoked.advice


@pytest.mark.req("FLD-004")
def test_a_workspace_with_a_store_address_but_no_enrollment_says_so(workspaces: Workspaces) -> None:
    _, ws = workspaces.create("Client B", "http://store.example", PASS_B, PASS_B)
    status = ws.device_status()
    assert (status.state, status.server_url) == ("not_enrolled", "http://store.example")
    assert "Ask your quality manager for an enrollment code" in status.advice
    with pytest.raises(ValidationError, match="central store address: type the address"):
        workspaces.enroll("", "GOOD")


@pytest.mark.req("FLD-003")
def test_first_run_names_the_current_workspace_and_sets_its_store(
    workspaces: Workspaces, stores: FakeStores
) -> None:
    entry = workspaces.register(Path("/ws/default"), "Default")
    workspaces.switch(entry.workspace_id)
    assert workspaces.workspace.needs_setup()
    with pytest.raises(ValidationError, match="passphrases differ"):
        workspaces.set_up_current("My audits", "", PASS_A, PASS_B)
    assert workspaces.workspace.needs_setup()
    assert workspaces.current == entry

    ws = workspaces.set_up_current("My audits", "http://store.example", PASS_A, PASS_A)
    assert ws.unlocked
    assert not ws.needs_setup()
    assert workspaces.current is not None
    assert (workspaces.current.name, workspaces.current.server_url) == ("My audits", "http://store.example")
    assert ws.device_status().state == "not_enrolled"


@pytest.mark.req("STO-013")
def test_recovering_checks_the_key_shape_and_the_new_passphrase_before_opening_anything(
    workspaces: Workspaces, stores: FakeStores
) -> None:
    entry, workspace = workspaces.create("Client A", "", PASS_A, PASS_A)
    key = workspace.take_new_recovery_key()  # made at setup, handed out once
    assert key is not None
    assert workspace.take_new_recovery_key() is None
    with pytest.raises(AuditAppError, match="wrong passphrase"):
        workspace.new_recovery_key(PASS_B)
    workspaces.lock()

    with pytest.raises(ValidationError, match="25 letters and digits") as short:
        workspace.recover("00000-00000", PASS_B, PASS_B)
    assert short.value.field == "recovery key"
    with pytest.raises(ValidationError, match="the two passphrases differ"):
        workspace.recover(key, PASS_B, PASS_B + " typo")
    with pytest.raises(ValidationError, match="at least 8 characters"):
        workspace.recover(key, "short", "short")
    assert not workspace.unlocked
    assert stores.stores[entry.folder].passphrase == PASS_A

    workspace.recover(key, PASS_B, PASS_B)
    assert workspace.unlocked
    assert stores.stores[entry.folder].passphrase == PASS_B
