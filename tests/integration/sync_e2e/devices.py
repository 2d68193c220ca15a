"""Test helpers: issue enrollment codes, enroll devices and push sealed envelopes to a real server."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import requests

from auditapp.domain.events import DomainEvent
from sync.batch import Record
from sync.envelope import seal
from sync.keys import DeviceKeys, PublicKeys
from tests.integration.central.conftest import ADMIN_PASSWORD
from tests.support.processes import Running

ENVELOPE_TYPE = "application/vnd.auditapp.envelope"


def login(server: Running, username: str = "admin", password: str = ADMIN_PASSWORD) -> dict[str, str]:
    """Bearer headers of a signed-in user."""
    reply = requests.post(
        f"{server.url}/api/auth/login", json={"username": username, "password": password}, timeout=10
    )
    assert reply.status_code == 200, reply.text
    return {"Authorization": f"Bearer {reply.json()['token']}"}


def issue_code(server: Running, username: str = "admin") -> str:
    """A fresh enrollment code for the user, issued over the API by the admin."""
    reply = requests.post(
        f"{server.url}/api/enrollment-codes", json={"username": username}, headers=login(server), timeout=10
    )
    assert reply.status_code == 200, reply.text
    return str(reply.json()["code"])


def enroll_request(server: Running, code: str, device_id: str, keys: DeviceKeys) -> requests.Response:
    """POST /api/enroll as a device would."""
    return requests.post(
        f"{server.url}/api/enroll",
        json={
            "code": code,
            "device_id": device_id,
            "signing_public": keys.signing_public_b64,
            "receiving_public": keys.receiving_public_b64,
            "name": "test tablet",
        },
        timeout=10,
    )


@dataclass
class EnrolledDevice:
    """A device enrolled at a running store, able to seal and push envelopes."""

    url: str
    device_id: str
    keys: DeviceKeys
    store: PublicKeys

    def seal(self, events: Sequence[DomainEvent], envelope_id: str | None = None) -> bytes:
        """The events sealed to the store and signed by this device."""
        records = [Record(e.event_id, e.seq, e.canonical_bytes()) for e in events]
        return self.seal_records(records, envelope_id)

    def seal_records(self, records: Sequence[Record], envelope_id: str | None = None) -> bytes:
        """Arbitrary records sealed to the store and signed by this device."""
        return seal(
            records,
            sender=self.keys,
            device_id=self.device_id,
            recipient_x25519_public=self.store.receiving,
            envelope_id=envelope_id or str(uuid.uuid4()),
            created_at="2026-11-25T00:00:00Z",
        )

    def post(self, envelope: bytes) -> requests.Response:
        """POST a sealed envelope to the push endpoint."""
        return requests.post(
            f"{self.url}/sync/v1/push", data=envelope, headers={"Content-Type": ENVELOPE_TYPE}, timeout=30
        )

    def push(self, events: Sequence[DomainEvent]) -> requests.Response:
        """Seal and push events in one new envelope."""
        return self.post(self.seal(events))


def enroll(server: Running, username: str = "admin") -> EnrolledDevice:
    """A new device with fresh keys, enrolled with a fresh code."""
    keys = DeviceKeys.generate()
    device_id = str(uuid.uuid4())
    reply = enroll_request(server, issue_code(server, username), device_id, keys)
    assert reply.status_code == 200, reply.text
    store = reply.json()["store"]
    return EnrolledDevice(
        server.url, device_id, keys, PublicKeys.from_b64(store["signing"], store["receiving"])
    )
