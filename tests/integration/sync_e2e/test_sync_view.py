"""The field side's sync view: capture never waits for the network, and the panel says what is going on."""

from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path

import pytest

from auditapp.bootstrap import FieldStoreOpener, LibraryChecklists
from auditapp.client.blob_queue import blob_queue_for
from auditapp.demo import demo_plan
from auditapp.media.photo import ProcessedPhoto, process_photo
from auditapp.services.capture import attach_photo
from auditapp.services.context import capture_context
from auditapp.services.workspace import FieldWorkspace
from tests.integration.media.photo_samples import camera_jpeg
from tests.integration.sync_e2e.devices import issue_code
from tests.integration.sync_e2e.faulty_proxy import Fault, FaultyProxy
from tests.integration.sync_e2e.test_field_agent import PASSPHRASE, Field
from tests.support.processes import Running


@pytest.fixture(scope="module")
def photo() -> ProcessedPhoto:
    """A real camera JPEG through the real media pipeline."""
    return process_photo(camera_jpeg(1600, 1200))


def _capture(ws: FieldWorkspace, photo: ProcessedPhoto, audit_id: str | None = None) -> str:
    """Plan an audit if none is given, answer an item and attach a photo to it; returns the audit id."""
    audit_id = audit_id or ws.plan_audit(demo_plan(dt.date(2026, 11, 2)))
    item = ws.walkthrough(audit_id).items[1]
    ws.record_answer(audit_id, item.item_id, "nonconforming")
    store = ws.store()
    ctx = capture_context(store, store, LibraryChecklists(), store.photos)  # type: ignore[attr-defined]
    attach_photo(ctx, audit_id, photo, caption="Expired label", item_id=item.item_id)
    return audit_id


def _wait_for(done: threading.Event | None = None, check: object = None, limit_s: float = 120) -> None:
    """Wait (bounded) for background work; a bound, never a timing assertion."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if done is not None and done.is_set():
            return
        if callable(check) and check():
            return
        time.sleep(0.05)


@pytest.mark.req("SYN-209")
def test_with_no_central_store_at_all_capture_works_the_same(tmp_path: Path, photo: ProcessedPhoto) -> None:
    ws = FieldWorkspace(tmp_path / "field", FieldStoreOpener(), LibraryChecklists(), None)
    ws.set_up(PASSPHRASE, PASSPHRASE)
    try:
        audit_id = _capture(ws, photo)
        kinds = [event.kind.value for event in ws.events(audit_id)]
        assert kinds == ["AuditPlanned", "ResponseRecorded", "PhotoAttached"]
        photo_event = ws.events(audit_id)[-1]
        assert ws.store().photos.get(photo.sha256) == photo.image  # type: ignore[attr-defined]
        view = ws.sync_view()
        assert (view.configured, view.waiting_events) == (False, 3)
        assert view.headline == "Offline only: 3 changes kept on this device"
        # The photo waits, encrypted, for the day this workspace gets a central store.
        queue = blob_queue_for(ws.store())
        assert queue is not None
        assert set(queue.pending_blobs()) == {
            photo_event.payload["blob_id"],
            photo_event.payload["thumbnail_blob_id"],
        }
    finally:
        ws.close()


@pytest.mark.req("SYN-209")
@pytest.mark.req("SYN-208")
def test_capture_does_not_wait_for_a_sync_round_stuck_on_the_network(
    central: Running, tmp_path: Path, photo: ProcessedPhoto
) -> None:
    stuck, release = threading.Event(), threading.Event()
    hold = {"on": False}

    def rule(method: str, path: str, _n: int) -> Fault:
        if hold["on"] and "/sync/v1/" in path:
            stuck.set()
            release.wait(120)  # the network hangs until the test lets it go
        return Fault.NONE

    proxy = FaultyProxy(central.url, rule)
    field = Field(tmp_path / "field", proxy.url, interval_s=3600)
    try:
        field.agent.enroll(issue_code(central))
        audit_id = _capture(field.ws, photo)
        hold["on"] = True
        field.ws.start_background_sync()
        field.agent.runner.wake()
        _wait_for(stuck)
        assert stuck.is_set()

        # A round hangs on the network; the auditor goes on capturing, and the panel answers.
        _capture(field.ws, photo, audit_id)
        assert not release.is_set()
        view = field.ws.sync_view()
        assert view.sending
        assert view.waiting_events == 5
        assert view.waiting_bytes > 0
        assert "Sending:" in view.headline
        assert "left" in view.headline

        hold["on"] = False
        release.set()
        _wait_for(check=lambda: field.ws.sync_view().waiting_events == 0 and not field.ws.sync_view().sending)
        field.ws.sync_now()
        done = field.ws.sync_view()
        assert (done.waiting_events, done.waiting_bytes, done.last_error) == (0, 0, None)
        assert done.headline.startswith("All changes synced")
    finally:
        release.set()
        field.ws.close()
        proxy.close()
