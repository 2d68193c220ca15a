"""Device-signed requests (blob upload and status) at a real store: who may call, checked on every request."""

from __future__ import annotations

import uuid

import pytest
import requests

from sync.blobs import encrypt_blob
from sync.keys import DeviceKeys
from sync.request_auth import sign_request
from sync.uploads import blob_path
from tests.integration.sync_e2e.devices import EnrolledDevice, enroll, login
from tests.support.processes import Running


def _put_photo(
    central: Running, device_id: str, keys: DeviceKeys, data: bytes, blob_id: str
) -> requests.Response:
    path = blob_path(blob_id, "/chunks/0")
    headers = sign_request(keys, device_id=device_id, method="PUT", path=path, body=b"", body_sha256=blob_id)
    headers.update(
        {"X-Blob-Size": str(len(data)), "X-Chunk-Size": str(2 * 1024 * 1024), "X-Blob-Complete": "1"}
    )
    return requests.put(central.url + path, data=data, headers=headers, timeout=30)


def _status(central: Running, tablet: EnrolledDevice, blob_id: str) -> requests.Response:
    path = blob_path(blob_id)
    headers = sign_request(tablet.keys, device_id=tablet.device_id, method="GET", path=path, body=b"")
    return requests.get(central.url + path, headers=headers, timeout=10)


@pytest.mark.req("SYN-034")
def test_a_revoked_tablet_is_refused_on_its_very_next_photo(central: Running) -> None:
    tablet = enroll(central)
    first, second = encrypt_blob(b"first photo" * 1000), encrypt_blob(b"second photo" * 1000)
    accepted = _put_photo(central, tablet.device_id, tablet.keys, first.ciphertext, first.blob_id)
    assert (accepted.status_code, accepted.json()["state"]) == (200, "complete")
    revoked = requests.post(
        f"{central.url}/api/devices/{tablet.device_id}/revoke", headers=login(central), timeout=10
    )
    assert revoked.status_code == 200, revoked.text
    refused = _put_photo(central, tablet.device_id, tablet.keys, second.ciphertext, second.blob_id)
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "revoked_device")
    status = _status(central, tablet, second.blob_id)
    assert status.json()["error"]["code"] == "revoked_device"


@pytest.mark.req("SYN-034")
def test_unknown_tablets_and_foreign_keys_are_refused_and_nothing_is_stored(central: Running) -> None:
    tablet = enroll(central)
    photo = encrypt_blob(b"photo" * 1000)
    stranger = _put_photo(central, str(uuid.uuid4()), DeviceKeys.generate(), photo.ciphertext, photo.blob_id)
    assert (stranger.status_code, stranger.json()["error"]["code"]) == (401, "unknown_device")
    forged = _put_photo(central, tablet.device_id, DeviceKeys.generate(), photo.ciphertext, photo.blob_id)
    assert (forged.status_code, forged.json()["error"]["code"]) == (401, "bad_signature")
    assert _status(central, tablet, photo.blob_id).json()["state"] == "absent"
