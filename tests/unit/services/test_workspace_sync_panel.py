"""The sync panel's sentences: connection, what waits (changes and photo bytes), last sync, problems."""

from __future__ import annotations

import datetime as dt

import pytest

from auditapp.services.field_views import SyncView
from auditapp.services.sync_panel import human_bytes, sync_panel, when

NOW = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)


@pytest.mark.req("FLD-008")
def test_a_workspace_without_central_store_says_that_nothing_is_sent() -> None:
    panel = sync_panel(SyncView(False, False, 3, None, None), now=NOW)
    assert panel.tone == "offline_only"
    assert panel.connection == "Offline only: this workspace has no central store"
    assert panel.waiting == "3 changes kept on this device"
    assert panel.last_sync == "Nothing is sent anywhere"
    assert sync_panel(SyncView(False, False, 0, None, None), now=NOW).waiting == "Nothing captured yet"


@pytest.mark.req("FLD-008")
def test_changes_and_photo_bytes_waiting_and_the_last_sync_in_local_words() -> None:
    view = SyncView(True, True, 1, "2026-03-02T13:05:00+00:00", None, waiting_bytes=3_500_000)
    panel = sync_panel(view, now=NOW)
    assert (panel.tone, panel.connection) == ("waiting", "Online")
    assert panel.waiting == "1 change and 3.3 MB of photos waiting to be sent"
    assert panel.last_sync == "Last sync today 13:05"
    assert panel.bytes_waiting == 3_500_000
    assert not panel.sending


@pytest.mark.req("FLD-008")
def test_a_problem_is_shown_in_plain_words_and_nothing_waiting_after_a_good_sync() -> None:
    refused = SyncView(
        True, False, 4, None, "The central store cannot be reached; changes wait on this tablet."
    )
    panel = sync_panel(refused, now=NOW)
    assert (panel.tone, panel.connection, panel.last_sync) == ("problem", "Offline", "Not synced yet")
    assert panel.problem == refused.last_error
    assert "4 changes waiting to be sent" in panel.summary

    done = sync_panel(SyncView(True, True, 0, "2026-03-01T22:10:00+00:00", None), now=NOW)
    assert (done.tone, done.waiting, done.problem) == ("synced", "Nothing waiting to be sent", None)
    assert done.last_sync == "Last sync yesterday 22:10"


@pytest.mark.req("FLD-008")
def test_the_progress_bar_shows_while_sending_and_how_far_it_got() -> None:
    view = SyncView(True, True, 30, None, None, sending=True, sent_events=10)
    panel = sync_panel(view, now=NOW)
    assert panel.sending
    assert panel.progress == pytest.approx(0.25)
    assert sync_panel(SyncView(True, True, 30, None, None, sending=True), now=NOW).progress is None
    photos = SyncView(
        True, True, 2, None, None, 3_000_000, sending=True, sent_events=40, sent_bytes=1_000_000
    )
    assert sync_panel(photos, now=NOW).progress == pytest.approx(0.25)
    assert sync_panel(SyncView(True, True, 10, None, None), sending=True, now=NOW).sending
    assert not sync_panel(SyncView(True, True, 10, None, None), now=NOW).sending


def test_sizes_and_times_read_naturally() -> None:
    assert [human_bytes(n) for n in (0, 1, 1023, 1536, 5 * 1024**3)] == [
        "0 bytes",
        "1 byte",
        "1023 bytes",
        "1.5 KB",
        "5.0 GB",
    ]
    assert when("2026-02-27T09:30:00Z", NOW) == "27 Feb 2026 09:30"
    assert when("not a time", NOW) == "not a time"


@pytest.mark.req("SYN-216")
def test_a_refused_checklist_update_is_named_with_what_to_do_until_it_is_made_good() -> None:
    one = (("2026-03-02T14:03:00+00:00", "supplier-walk", "the document does not match its content hash"),)
    panel = sync_panel(
        SyncView(True, True, 0, "2026-03-02T14:03:00+00:00", None, refused_checklists=one), now=NOW
    )
    assert panel.tone == "synced"  # sync itself works: the panel does not turn red for it
    assert panel.notice == (
        "An update of checklist supplier-walk from the central store was refused today 14:03: the document "
        "does not match its content hash. Audits on this tablet are not affected; tell your quality manager."
    )
    assert "tell your quality manager" in panel.summary
    two = (("2026-03-01T09:00:00+00:00", "", "the update's format 'pdf' is not one this app reads"), *one)
    assert "(2 checklist updates refused in all)" in (
        sync_panel(SyncView(True, True, 0, None, None, refused_checklists=two), now=NOW).notice or ""
    )
    assert sync_panel(SyncView(True, True, 0, None, None), now=NOW).notice is None


@pytest.mark.req("STO-016")
def test_a_damaged_journal_of_a_syncing_workspace_asks_for_a_sync_and_comes_before_other_notices() -> None:
    view = SyncView(
        True,
        True,
        2,
        None,
        None,
        refused_checklists=(("2026-03-02T13:05:00+00:00", "iso13485", "its signature does not verify"),),
        journal_damage="record at byte 8 fails its authentication tag",
    )
    notice = sync_panel(view, now=NOW).notice
    assert notice is not None
    damage, _, refusal = notice.partition("tablet alone. ")
    assert damage == (
        "This workspace's journal on this tablet is damaged (record at byte 8 fails its authentication tag). "
        "Its audits are intact; sync now so that the central store holds everything, and tell IT before "
        "relying on this "
    )
    assert refusal.startswith("An update of checklist iso13485 from the central store was refused")
