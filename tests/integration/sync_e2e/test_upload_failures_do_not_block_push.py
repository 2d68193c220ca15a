"""A real field workspace syncing with a real central store: a proxy's body size limit and a full tablet do
not stop the changes, and the sync panel says what happened and offers "Sync now" again."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from auditapp.central.database import Database
from auditapp.central.tables import StoredEvent
from auditapp.media.photo import ProcessedPhoto, process_photo
from auditapp.services.sync_panel import sync_panel
from auditapp.ui.field.syncbar import SyncPanelView
from tests.integration.media.photo_samples import camera_jpeg
from tests.integration.sync_e2e.devices import issue_code, login
from tests.integration.sync_e2e.faulty_proxy import Fault, FaultyProxy
from tests.integration.sync_e2e.test_field_agent import Field
from tests.integration.sync_e2e.test_photos import _get, _photograph
from tests.support.processes import Running

PROXY_LIMIT = 512 * 1024
"""A proxy's body size limit under the photo's size (its display JPEG is one 2 MiB chunk by default)."""


def _at_the_store(database_url: str, device_id: str) -> set[str]:
    database = Database(database_url)
    try:
        with database.transaction() as session:
            return set(
                session.scalars(select(StoredEvent.event_id).where(StoredEvent.device_id == device_id))
            )
    finally:
        database.dispose()


@pytest.fixture(scope="module")
def photo() -> ProcessedPhoto:
    """A real camera JPEG through the real media pipeline."""
    return process_photo(camera_jpeg(2400, 1800))


@pytest.mark.req("SYN-108")
@pytest.mark.req("SYN-209")
def test_behind_a_proxy_with_a_small_body_limit_one_round_sends_every_change_and_the_whole_photo(
    central: Running, database_url: str, tmp_path: Path, photo: ProcessedPhoto
) -> None:
    assert len(photo.image) > PROXY_LIMIT
    proxy = FaultyProxy(central.url, max_body=PROXY_LIMIT)
    field = Field(tmp_path / "field", proxy.url, chunk_size=None)  # sync's default 2 MiB chunks
    try:
        field.agent.enroll(issue_code(central))
        audit_id, _ = _photograph(field, photo)
        captured = {e.event_id for e in field.ws.events(audit_id)}

        view = field.ws.sync_now()

        assert (view.waiting_events, view.waiting_bytes, view.last_error) == (0, 0, None)
        assert _at_the_store(database_url, field.ws.device_id) == captured
        assert _get(central, f"/api/photos/{photo.sha256}", login(central)).content == photo.image
        assert any(fault is Fault.TOO_LARGE for _, _, fault in proxy.log.faults)  # the limit was met
    finally:
        field.ws.close()
        proxy.close()


def _full_tablet(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Writes of the workspace in `folder` fail as on a full tablet (ENOSPC when synced to disk); fault
    injection, since a tiny filesystem cannot be mounted in a test."""
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        if Path(os.readlink(f"/proc/self/fd/{fd}")).is_relative_to(folder):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)


@pytest.mark.req("SYN-036")
@pytest.mark.req("SYN-039")
def test_a_round_that_fills_the_tablet_ends_as_failed_says_why_and_offers_sync_now_again(
    central: Running, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "field"
    field = Field(folder, central.url)
    try:
        field.agent.enroll(issue_code(central))
        audit_id, _, _ = field.capture()
        captured = {e.event_id for e in field.ws.events(audit_id)}

        with monkeypatch.context() as full:
            _full_tablet(full, folder)
            view = field.ws.sync_now()  # the store takes the changes; the tablet cannot note that it did

        assert _at_the_store(database_url, field.ws.device_id) == captured
        assert not view.sending
        assert view.waiting_events == len(captured)  # kept until noted: sent again, never lost
        assert view.last_error == (
            "Sync stopped on this tablet: the tablet is full: free some space on it, then try again; "
            "nothing was saved. Nothing captured is lost; sync tries again shortly."
        )
        bar = SyncPanelView(SimpleNamespace())  # type: ignore[arg-type]
        bar.render(sync_panel(view))
        assert bar._problem.visible
        assert bar._problem.value == view.last_error
        assert not bar._progress.visible
        assert not bar._button.disabled  # "Sync now" can be tapped again

        healed = field.ws.sync_now()  # space freed
        assert (healed.last_error, healed.waiting_events, healed.sending) == (None, 0, False)
        assert _at_the_store(database_url, field.ws.device_id) == captured
    finally:
        field.ws.close()
