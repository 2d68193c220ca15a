"""The field side's sync view: plain words for every refusal, progress while sending, teammates' events."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from auditapp.central import http_errors
from auditapp.client.field_sync import merge_team_events
from auditapp.domain.clock import HybridClock
from auditapp.domain.errors import ValidationError
from auditapp.domain.events import EventFactory, EventKind
from auditapp.domain.payloads import validate_payload
from auditapp.services.field_views import SyncView, megabytes
from auditapp.store.memory import MemoryEventStore
from sync.errors import ERROR_TYPES, PLAIN_WORDS, plain_words
from sync.progress import ProgressTracker

CENTRAL = Path(__file__).resolve().parents[3] / "auditapp" / "central"
DEVICE_PATH = ("sync_routes", "ingest", "projection", "pull_feed", "sync_team", "enrollment", "capa_hooks")
"""Modules of the central store that handle what a device sends (enroll, push, pull, blobs)."""
_API_ERROR = re.compile(r'ApiError\(\s*\d+,\s*"([a-z_]+)"')


def store_codes() -> set[str]:
    """Every error code the central store can answer a device with, read from its code."""
    codes = set(ERROR_TYPES) | set(http_errors.STATUS_CODES.values())
    for name in (*DEVICE_PATH, "http_errors"):
        path = CENTRAL / f"{name}.py"
        if path.exists():
            codes |= set(_API_ERROR.findall(path.read_text(encoding="utf-8")))
    return codes


@pytest.mark.req("SYN-208")
def test_every_code_the_store_can_refuse_with_has_plain_words() -> None:
    codes = store_codes()
    # The enumeration finds the codes of each part of the device's path, not just a few.
    assert {"revoked_device", "malformed_event", "wrong_device", "busy", "used_code", "not_found"} <= codes
    missing = sorted(code for code in codes if code not in PLAIN_WORDS)
    assert missing == [], f"codes the field app would show without plain words: {missing}"
    for code in codes:
        sentence = plain_words(code)
        assert "_" not in sentence  # a sentence, never a snake_case code
        assert sentence.endswith(".")


@pytest.mark.req("SYN-208")
def test_the_panel_says_what_waits_and_what_a_running_round_has_sent() -> None:
    sending = SyncView(
        configured=True,
        online=True,
        waiting_events=12,
        last_success=None,
        last_error=None,
        waiting_bytes=3_400_000,
        sending=True,
        sent_events=30,
        sent_bytes=1_500_000,
    )
    assert sending.headline == "Sending: 30 changes and 1.5 MB sent, 12 changes and 3.4 MB of photos left"
    idle = SyncView(True, True, 0, None, None, waiting_bytes=800)
    assert idle.headline == "0 changes and 0.1 MB of photos waiting to sync"
    refused = SyncView(True, False, 2, "2026-11-02T10:00:00Z", plain_words("revoked_device"))
    assert refused.headline.startswith("Not sent: This tablet has been revoked")
    done = SyncView(True, True, 0, "2026-11-02T10:00:00Z", None)
    assert done.headline == "All changes synced, last sync 2026-11-02T10:00:00Z"
    assert megabytes(0) == "0 MB"


@pytest.mark.req("SYN-208")
def test_progress_counts_what_the_running_round_sent_and_starts_again_each_round() -> None:
    tracker = ProgressTracker(lambda: "2026-11-02T10:00:00Z")
    tracker.started()
    tracker.sent(events=500)
    tracker.sent(blob_bytes=2_000_000)
    running = tracker.snapshot(events_waiting=100, bytes_waiting=1_000_000)
    assert (running.state, running.events_sent, running.bytes_sent) == ("syncing", 500, 2_000_000)
    tracker.succeeded()
    tracker.started()
    again = tracker.snapshot(events_waiting=0, bytes_waiting=0)
    assert (again.events_sent, again.bytes_sent, again.last_success) == (0, 0, "2026-11-02T10:00:00Z")


def _note(factory: EventFactory, audit_id: str, text: str) -> dict[str, Any]:
    payload = {"evidence_id": text, "item_id": "P-01", "clause": "7.5.1", "text": text}
    return factory.make(audit_id, EventKind.NOTE_ADDED, payload).to_dict()


@pytest.mark.req("SYN-206")
def test_teammates_events_are_merged_without_entering_the_outbox() -> None:
    store = MemoryEventStore()
    mate = EventFactory("tablet-ben", HybridClock("tablet-ben"))
    mine = EventFactory("tablet-ana", HybridClock("tablet-ana"))
    broken = _note(mate, "audit-1", "broken")
    broken["payload"]["text"] = ""
    record = {
        "kind": "team_events",
        "audit_id": "audit-1",
        "events": [_note(mate, "audit-1", "one"), broken, _note(mine, "audit-1", "echo"), "garbage"],
    }
    with pytest.raises(ValidationError):
        validate_payload(EventKind.NOTE_ADDED, broken["payload"])
    assert merge_team_events(store, "tablet-ana", record) == 1  # type: ignore[arg-type]
    assert [e.payload["text"] for e in store.events("audit-1")] == ["one"]
    assert store.pending_count() == 0
    assert merge_team_events(store, "tablet-ana", record) == 0  # type: ignore[arg-type]
