"""Photos end to end: captured on a real field store, uploaded as encrypted blobs, served decrypted."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import requests

from auditapp.bootstrap import LibraryChecklists
from auditapp.demo import demo_plan
from auditapp.media.photo import ProcessedPhoto, process_photo
from auditapp.services.capture import attach_photo
from auditapp.services.context import capture_context
from sync.blobs import encrypt_blob
from sync.request_auth import sign_request
from tests.integration.media.photo_samples import camera_jpeg
from tests.integration.sync_e2e.devices import issue_code, login
from tests.integration.sync_e2e.faulty_proxy import Fault, FaultyProxy
from tests.integration.sync_e2e.test_field_agent import Field, _as_device
from tests.support.processes import Running


def _photograph(field: Field, photo: ProcessedPhoto) -> tuple[str, str]:
    """Plan an audit and attach the photo to its first item, as the capture screen does; (audit, evidence)."""
    audit_id = field.ws.plan_audit(demo_plan(dt.date(2026, 11, 2)))
    item = field.ws.walkthrough(audit_id).items[0]
    store = field.ws.store()
    ctx = capture_context(store, store, LibraryChecklists(), store.photos)  # type: ignore[attr-defined]
    evidence_id = attach_photo(ctx, audit_id, photo, caption="Unlabelled bin", item_id=item.item_id)
    return audit_id, evidence_id


def _get(central: Running, path: str, headers: dict[str, str]) -> requests.Response:
    return requests.get(f"{central.url}{path}", headers=headers, timeout=30)


@pytest.fixture(scope="module")
def photo() -> ProcessedPhoto:
    """A real camera JPEG through the real media pipeline (display image and thumbnail)."""
    return process_photo(camera_jpeg(2400, 1800))


@pytest.mark.req("SYN-201")
@pytest.mark.req("SYN-202")
def test_a_photo_captured_in_the_field_is_served_decrypted_to_signed_in_readers(
    central: Running, tmp_path: Path, photo: ProcessedPhoto
) -> None:
    field = Field(tmp_path / "field", central.url)
    try:
        audit_id, _ = _photograph(field, photo)
        [event] = [e for e in field.ws.events(audit_id) if e.kind.value == "PhotoAttached"]
        payload = event.payload
        assert payload["sha256"] == photo.sha256
        assert {"blob_id", "blob_key", "thumbnail_blob_id", "thumbnail_blob_key"} <= set(payload)
        assert payload["blob_key"] != payload["thumbnail_blob_key"]  # each blob has its own random key
        assert field.ws.sync_view().waiting_events == 2  # captured with no enrollment: nothing waited

        user = login(central)
        unknown = _get(central, f"/api/photos/{photo.sha256}", user)
        assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "unknown_photo")

        field.agent.enroll(issue_code(central))
        assert field.agent.view().waiting_bytes > len(photo.image)  # ciphertext of image and thumbnail
        view = field.ws.sync_now()
        assert (view.waiting_events, view.waiting_bytes, view.last_error) == (0, 0, None)

        full = _get(central, f"/api/photos/{photo.sha256}", user)
        assert full.status_code == 200, full.text
        assert full.content == photo.image
        assert full.headers["content-type"] == "image/jpeg"
        thumb = _get(central, f"/api/photos/{photo.sha256}/thumbnail", user)
        assert thumb.status_code == 200, thumb.text
        assert thumb.content == photo.thumbnail

        # Only signed-in users see photos; the store's own copy is ciphertext, never the picture.
        anonymous = _get(central, f"/api/photos/{photo.sha256}", {})
        assert anonymous.status_code == 401
        stored = Path(central.env["AUDITAPP_HOME"]) / "central" / "blobs" / "complete"  # type: ignore[attr-defined]
        blob = stored / payload["blob_id"][:2] / payload["blob_id"]
        assert blob.read_bytes() != photo.image
        assert photo.image[:4096] not in blob.read_bytes()
    finally:
        field.ws.close()


@pytest.mark.req("SYN-203")
def test_a_photo_whose_blob_has_not_arrived_is_reported_as_not_received(
    central: Running, tmp_path: Path, photo: ProcessedPhoto
) -> None:
    field = Field(tmp_path / "field", central.url)
    try:
        field.agent.enroll(issue_code(central))
        audit_id, _ = _photograph(field, photo)
        # The events reach the store by another way first (the blobs stay on the tablet).
        pushed = _as_device(field, central.url).push(field.ws.events(audit_id))
        assert pushed.status_code == 200, pushed.text

        user = login(central)
        waiting = _get(central, f"/api/photos/{photo.sha256}", user)
        assert waiting.status_code == 404
        assert waiting.json()["error"]["code"] == "photo_not_received"
        assert "has not arrived" in waiting.json()["error"]["message"]

        assert field.ws.sync_now().last_error is None
        assert _get(central, f"/api/photos/{photo.sha256}", user).content == photo.image
    finally:
        field.ws.close()


@pytest.mark.req("SYN-204")
def test_a_photo_upload_cut_mid_way_resumes_after_the_app_restarts(
    central: Running, tmp_path: Path, photo: ProcessedPhoto
) -> None:
    cut = {"on": True}

    def rule(method: str, path: str, _n: int) -> Fault:
        match = re.search(r"/chunks/(\d+)$", path)
        if cut["on"] and method == "PUT" and match and int(match.group(1)) >= 2:
            return Fault.RESET
        return Fault.NONE

    proxy = FaultyProxy(central.url, rule)
    folder = tmp_path / "field"
    field = Field(folder, proxy.url)
    try:
        field.agent.enroll(issue_code(central))
        audit_id, _ = _photograph(field, photo)
        [event] = [e for e in field.ws.events(audit_id) if e.kind.value == "PhotoAttached"]
        blob_id = str(event.payload["blob_id"])
        failed = field.ws.sync_now()
        assert failed.last_error is not None
        assert "cannot be reached" in failed.last_error
        first = [d.path for d in proxy.delivered("PUT", f"{blob_id}/chunks/")]
        assert [p.rsplit("/", 1)[1] for p in first] == ["0", "1"]
    finally:
        field.ws.close()  # the app stops in the middle of the upload

    cut["on"] = False
    reopened = Field.reopen(folder, proxy.url)
    try:
        healed = reopened.ws.sync_now()
        assert (healed.last_error, healed.waiting_events, healed.waiting_bytes) == (None, 0, 0)
        sent = [d.path.rsplit("/", 1)[1] for d in proxy.delivered("PUT", f"{blob_id}/chunks/")]
        assert sent[:2] == ["0", "1"]
        assert sent[2] == "2"  # resumed at the first chunk the store was missing
        assert len(sent) == len(set(sent))  # no chunk reached the store twice
        user = login(central)
        assert _get(central, f"/api/photos/{photo.sha256}", user).content == photo.image
    finally:
        reopened.ws.close()
        proxy.close()


@pytest.mark.req("SYN-205")
@pytest.mark.parametrize("chunk_size", [None, 64 * 1024])
def test_a_photo_costs_one_request_per_chunk_and_nothing_more(
    central: Running, tmp_path: Path, photo: ProcessedPhoto, chunk_size: int | None
) -> None:
    proxy = FaultyProxy(central.url)
    field = Field(tmp_path / "field", proxy.url, chunk_size=chunk_size)
    try:
        field.agent.enroll(issue_code(central))
        audit_id, _ = _photograph(field, photo)
        [event] = [e for e in field.ws.events(audit_id) if e.kind.value == "PhotoAttached"]
        assert field.ws.sync_now().last_error is None
        blobs = [str(event.payload["blob_id"]), str(event.payload["thumbnail_blob_id"])]
        for blob_id in blobs:
            size = len(_stored(central, blob_id))
            chunks = 1 if chunk_size is None else -(-size // chunk_size)
            puts = proxy.delivered("PUT", blob_id)
            assert [d.path.rsplit("/", 1)[1] for d in puts] == [str(i) for i in range(chunks)]
            # No status request before a fresh upload, no completion request after it.
            assert proxy.delivered("GET", blob_id) == []
            assert proxy.delivered("POST", blob_id) == []
        assert _get(central, f"/api/photos/{photo.sha256}", login(central)).content == photo.image
    finally:
        field.ws.close()
        proxy.close()


@pytest.mark.req("SYN-205")
def test_bytes_sent_as_a_whole_photo_that_do_not_hash_to_it_are_refused_and_not_kept(
    central: Running, tmp_path: Path
) -> None:
    field = Field(tmp_path / "field", central.url)
    try:
        field.agent.enroll(issue_code(central))
        device = _as_device(field, central.url)
        blob = encrypt_blob(b"a photo of the cleanroom door" * 1000)
        damaged = bytearray(blob.ciphertext)
        damaged[100] ^= 1
        path = f"/sync/v1/blobs/{blob.blob_id}/chunks/0"
        headers = {
            "X-Blob-Size": str(len(damaged)),
            "X-Chunk-Size": str(2 * 1024 * 1024),
            "X-Blob-Complete": "1",
            **sign_request(
                device.keys,
                device_id=device.device_id,
                method="PUT",
                path=path,
                body=bytes(damaged),
                body_sha256=blob.blob_id,
            ),
        }
        reply = requests.put(f"{central.url}{path}", data=bytes(damaged), headers=headers, timeout=30)
        assert (reply.status_code, reply.json()["error"]["code"]) == (422, "blob_hash_mismatch")
        status = requests.get(
            f"{central.url}/sync/v1/blobs/{blob.blob_id}",
            headers=sign_request(
                device.keys,
                device_id=device.device_id,
                method="GET",
                path=path[: -len("/chunks/0")],
                body=b"",
            ),
            timeout=30,
        )
        assert status.json()["state"] == "absent"
    finally:
        field.ws.close()


def _stored(central: Running, blob_id: str) -> bytes:
    folder = Path(central.env["AUDITAPP_HOME"]) / "central" / "blobs" / "complete"  # type: ignore[attr-defined]
    return (folder / blob_id[:2] / blob_id).read_bytes()
