"""Enrolling field devices at a real central store with one-time codes (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from fastapi.testclient import TestClient

from auditapp.central import auth, enrollment
from auditapp.central.api import create_app
from auditapp.central.service import create_user, open_database
from auditapp.central.tables import User
from auditapp.config import ServerConfig
from auditapp.domain.clock import HybridClock
from auditapp.domain.events import EventFactory, EventKind
from sync.envelope import SIGNATURE_CONTEXT
from sync.keys import DeviceKeys
from tests.integration.central.conftest import ADMIN_PASSWORD
from tests.integration.central.test_server import PLAN
from tests.integration.sync_e2e.devices import enroll, enroll_request, issue_code, login
from tests.support.processes import Running, run_cli


def _error(reply: object) -> str:
    return str(reply.json()["error"]["code"])  # type: ignore[attr-defined]


@pytest.mark.req("SYN-101")
def test_cli_code_enrolls_a_device_once_and_the_device_is_listed(central: Running) -> None:
    printed = run_cli(["admin", "enroll-code", "--user", "admin"], central.env)  # type: ignore[attr-defined]
    assert printed.returncode == 0, printed.stderr
    code = re.search(r"enrollment code for admin: (\S+)", printed.stdout)
    assert code is not None
    assert "valid until" in printed.stdout
    assert "█" in printed.stdout  # the QR code, as terminal text
    keys, device_id = DeviceKeys.generate(), str(uuid.uuid4())

    first = enroll_request(central, code.group(1), device_id, keys)
    assert first.status_code == 200, first.text
    assert (first.json()["device_id"], first.json()["username"]) == (device_id, "admin")
    assert first.json()["store"]["signing"]
    assert first.json()["store"]["receiving"]
    retry = enroll_request(central, code.group(1), device_id, keys)  # the answer was lost: same answer again
    assert retry.status_code == 200
    assert retry.json() == first.json()
    other = enroll_request(central, code.group(1), str(uuid.uuid4()), DeviceKeys.generate())
    assert (other.status_code, _error(other)) == (409, "used_code")

    listed = run_cli(["admin", "devices"], central.env)  # type: ignore[attr-defined]
    assert re.search(rf"{device_id}\s+active\s+admin", listed.stdout), listed.stdout


@pytest.fixture
def store(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[InProcessStore]:
    """The real API in-process over the test database, with the enrollment clock held in the test's hand:
    enrollment reads the time through its module-level `now`, which the test replaces."""
    clock = [datetime.now(UTC)]
    monkeypatch.setattr(enrollment, "now", lambda: clock[0])
    database = open_database(database_url)
    try:
        admin_id = create_user(database, "admin", ADMIN_PASSWORD, "admin", "Ada Admin")
        with database.transaction() as session:
            admin = session.get(User, admin_id)
            assert admin is not None
            token, _ = auth.issue_token(session, admin, 60)
        config = ServerConfig(database_url=database_url, blob_dir=tmp_path / "blobs")
        with TestClient(create_app(config, database), raise_server_exceptions=False) as client:
            yield InProcessStore(client, {"Authorization": f"Bearer {token}"}, clock)
    finally:
        database.dispose()


@dataclass
class InProcessStore:
    """A TestClient on the real app, the admin's headers, and the enrollment clock (clock[0])."""

    client: TestClient
    admin: dict[str, str]
    clock: list[datetime]

    def issue(self) -> str:
        """A code issued over the API, as a quality manager or administrator does."""
        reply = self.client.post("/api/enrollment-codes", json={"username": "admin"}, headers=self.admin)
        assert reply.status_code == 200, reply.text
        return str(reply.json()["code"])

    def enroll(self, code: str) -> Any:
        """POST /api/enroll as a new device would."""
        keys = DeviceKeys.generate()
        body = {
            "code": code,
            "device_id": str(uuid.uuid4()),
            "signing_public": keys.signing_public_b64,
            "receiving_public": keys.receiving_public_b64,
            "name": "test tablet",
        }
        return self.client.post("/api/enroll", json=body)

    def wait(self, **delta: float) -> None:
        """Move the enrollment clock on."""
        self.clock[0] += timedelta(**delta)


@pytest.mark.req("SYN-101")
def test_a_code_is_valid_for_15_minutes_then_refused_as_expired(store: InProcessStore) -> None:
    issued_at = store.clock[0]
    reply = store.client.post("/api/enrollment-codes", json={"username": "admin"}, headers=store.admin)
    expires_at = datetime.fromisoformat(reply.json()["expires_at"].replace("Z", "+00:00"))
    assert expires_at == issued_at + timedelta(minutes=15)
    on_time, late = reply.json()["code"], store.issue()

    store.wait(minutes=14, seconds=59)
    assert store.enroll(on_time).status_code == 200
    store.wait(seconds=2)  # 15 minutes and 1 second after issue
    refused = store.enroll(late)
    assert (refused.status_code, _error(refused)) == (410, "expired_code")
    assert "expired" in refused.json()["error"]["message"]
    unknown = store.enroll("AAAAA-AAAAA")
    assert (unknown.status_code, _error(unknown)) == (404, "unknown_code")


@pytest.mark.req("SYN-102")
def test_ten_wrong_codes_within_15_minutes_lock_out_the_source_until_they_age_out(
    store: InProcessStore,
) -> None:
    assert _error(store.enroll("ZZZZZ-ZZZZZ")) == "unknown_code"
    store.wait(minutes=10)
    for _ in range(8):
        assert _error(store.enroll("ZZZZZ-ZZZZZ")) == "unknown_code"
    assert store.enroll(store.issue()).status_code == 200  # 9 refused so far: not locked yet

    assert _error(store.enroll("ZZZZZ-ZZZZZ")) == "unknown_code"  # the 10th within 15 minutes
    valid = store.issue()
    locked = store.enroll(valid)
    assert (locked.status_code, _error(locked)) == (429, "too_many_attempts")
    assert "wait 15 minutes" in locked.json()["error"]["message"]

    store.wait(minutes=5, seconds=1)  # the first refusal is now more than 15 minutes old: 9 remain
    assert store.enroll(valid).status_code == 200


@pytest.mark.req("SYN-102")
def test_too_many_wrong_codes_lock_out_the_source_even_for_a_valid_code(central: Running) -> None:
    keys = DeviceKeys.generate()
    for _ in range(10):
        assert _error(enroll_request(central, "ZZZZZ-ZZZZZ", str(uuid.uuid4()), keys)) == "unknown_code"
    valid = issue_code(central)
    reply = enroll_request(central, valid, str(uuid.uuid4()), keys)
    assert (reply.status_code, _error(reply)) == (429, "too_many_attempts")


@pytest.mark.req("SYN-103")
def test_refusals_of_push_each_have_their_code_and_change_nothing(central: Running) -> None:
    tablet = enroll(central)
    stranger = enroll(central)
    stranger.device_id = tablet.device_id  # signs as another device with the wrong key
    factory = EventFactory(tablet.device_id, HybridClock(tablet.device_id))
    audit_id = str(uuid.uuid4())
    planned = factory.make(audit_id, EventKind.AUDIT_PLANNED, {"plan": PLAN.to_dict()})

    forged = stranger.post(stranger.seal([planned]))
    assert (forged.status_code, _error(forged)) == (401, "bad_signature")
    signed = bytearray(tablet.seal([planned])[:-64])
    signed[-20] ^= 1  # a bit of the ciphertext, then signed again by the device itself
    tampered = tablet.post(bytes(signed) + tablet.keys.signing.sign(SIGNATURE_CONTEXT + bytes(signed)))
    assert (tampered.status_code, _error(tampered)) == (400, "tampered")
    ghost = enroll(central)
    ghost.device_id = str(uuid.uuid4())
    unknown = ghost.post(ghost.seal([]))
    assert (unknown.status_code, _error(unknown)) == (401, "unknown_device")

    envelope_id = str(uuid.uuid4())
    assert tablet.post(tablet.seal([planned], envelope_id)).status_code == 200
    replayed = tablet.post(tablet.seal([], envelope_id))
    assert (replayed.status_code, _error(replayed)) == (409, "replayed_envelope")
    too_large = tablet.post(b"x" * (8 * 1024 * 1024 + 1))
    assert (too_large.status_code, _error(too_large)) == (413, "too_large")

    run_cli(["admin", "revoke", tablet.device_id], central.env)  # type: ignore[attr-defined]
    edit = factory.make(audit_id, EventKind.AUDIT_PLAN_EDITED, {"field": "site", "value": "Plant 9"})
    revoked = tablet.push([edit])
    assert (revoked.status_code, _error(revoked)) == (403, "revoked_device")

    audits = requests.get(f"{central.url}/api/audits", headers=login(central), timeout=10).json()
    assert [(a["id"], a["site"]) for a in audits] == [(audit_id, "Plant 2")]


@pytest.mark.req("SYN-101")
def test_one_code_sent_several_times_at_once_enrolls_one_device(central: Running) -> None:
    code = issue_code(central)
    tablets = [(str(uuid.uuid4()), DeviceKeys.generate()) for _ in range(8)]
    with ThreadPoolExecutor(len(tablets)) as pool:
        replies = list(pool.map(lambda tablet: enroll_request(central, code, *tablet), tablets))

    enrolled = [device_id for (device_id, _), reply in zip(tablets, replies, strict=True) if reply.ok]
    assert len(enrolled) == 1, [(r.status_code, r.text[:80]) for r in replies]
    assert sorted(_error(r) for r in replies if not r.ok) == ["used_code"] * 7
    listed = run_cli(["admin", "devices"], central.env)  # type: ignore[attr-defined]
    assert [device_id for device_id, _ in tablets if device_id in listed.stdout] == enrolled


@pytest.mark.req("SYN-217")
def test_a_code_of_one_user_cannot_take_over_another_users_device(central: Running) -> None:
    made = run_cli(["admin", "create-user", "mallory", "--role", "auditor"], central.env)  # type: ignore[attr-defined]
    assert made.returncode == 0, made.stderr
    victim = enroll(central)
    factory = EventFactory(victim.device_id, HybridClock(victim.device_id))
    audit_id = str(uuid.uuid4())
    code = issue_code(central, "mallory")

    takeover = enroll_request(central, code, victim.device_id, DeviceKeys.generate())
    assert (takeover.status_code, _error(takeover)) == (409, "device_of_another_user")
    assert "another user" in takeover.json()["error"]["message"]
    # The victim's tablet keeps its user and keys: it still pushes.
    assert victim.push([factory.make(audit_id, EventKind.AUDIT_PLANNED, {"plan": PLAN.to_dict()})]).ok
    listed = run_cli(["admin", "devices"], central.env)  # type: ignore[attr-defined]
    assert re.search(rf"{victim.device_id}\s+active\s+admin", listed.stdout), listed.stdout
    # The refused attempt did not use the code up: it still enrolls a tablet of mallory's own.
    own = enroll_request(central, code, str(uuid.uuid4()), DeviceKeys.generate())
    assert (own.status_code, own.json()["username"]) == (200, "mallory")


@pytest.mark.req("SYN-101")
def test_a_revoked_tablet_is_enrolled_again_for_its_own_user(central: Running) -> None:
    tablet = enroll(central)
    run_cli(["admin", "revoke", tablet.device_id], central.env)  # type: ignore[attr-defined]
    keys = DeviceKeys.generate()

    again = enroll_request(central, issue_code(central), tablet.device_id, keys)
    assert (again.status_code, again.json()["device_id"]) == (200, tablet.device_id)
    listed = run_cli(["admin", "devices"], central.env)  # type: ignore[attr-defined]
    assert re.search(rf"{tablet.device_id}\s+active\s+admin", listed.stdout), listed.stdout


@pytest.mark.req("SYN-105")
def test_deactivating_a_user_revokes_their_tablets(central: Running) -> None:
    made = run_cli(["admin", "create-user", "dee", "--role", "auditor"], central.env)  # type: ignore[attr-defined]
    assert made.returncode == 0, made.stderr
    tablet = enroll(central, "dee")
    factory = EventFactory(tablet.device_id, HybridClock(tablet.device_id))
    planned = factory.make(str(uuid.uuid4()), EventKind.AUDIT_PLANNED, {"plan": PLAN.to_dict()})
    assert tablet.push([planned]).ok

    off = run_cli(["admin", "deactivate", "dee"], central.env)  # type: ignore[attr-defined]
    assert off.returncode == 0, off.stderr
    edit = factory.make(planned.audit_id, EventKind.AUDIT_PLAN_EDITED, {"field": "site", "value": "Plant 9"})
    refused = tablet.push([edit])
    assert (refused.status_code, _error(refused)) == (403, "revoked_device")
    listed = run_cli(["admin", "devices"], central.env)  # type: ignore[attr-defined]
    assert re.search(rf"{tablet.device_id}\s+revoked\s+dee", listed.stdout), listed.stdout
