"""Store-side idempotency: resends acknowledged, conflicts and replays refused, nothing applied twice."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.batch import Record, record_digest
from sync.envelope import DeviceRecord, seal
from sync.errors import ConflictingEvent, ReplayedEnvelope
from sync.ingest import IngestGuard, IngestPlan, verify_push
from sync.keys import DeviceKeys, StoreKeys

DEVICE = DeviceKeys.generate()
STORE = StoreKeys.generate()


class FakeStore:
    """The little the guard needs from the central store: event digests and accepted envelopes."""

    def __init__(self) -> None:
        self.events: dict[str, tuple[int, str]] = {}
        self.envelopes: dict[tuple[str, str], str] = {}
        self.writes = 0

    def guard(self) -> IngestGuard:
        return IngestGuard(
            known_digest=lambda event_id: self.events[event_id][1] if event_id in self.events else None,
            envelope_seen=lambda device, envelope: self.envelopes.get((device, envelope)),
            event_at_seq=self.event_at_seq,
        )

    def event_at_seq(self, device_id: str, seq: int) -> str | None:
        return next((eid for eid, (s, _) in self.events.items() if s == seq), None)

    def push(self, data: bytes) -> IngestPlan:
        plan = verify_push(
            data,
            recipient=STORE,
            device_lookup=lambda _: DeviceRecord("active", DEVICE.public.signing),
            guard=self.guard(),
        )
        if plan.must_write:
            self.writes += 1
            for record in plan.new:
                self.events[record.event_id] = (record.seq, record_digest(record.body))
            self.envelopes[(plan.device_id, plan.envelope.header.envelope_id)] = plan.envelope.digest
        return plan


def envelope(records: list[Record], envelope_id: str) -> bytes:
    return seal(
        records,
        sender=DEVICE,
        device_id="tablet-1",
        recipient_x25519_public=STORE.public.receiving,
        envelope_id=envelope_id,
        created_at="2026-11-25T08:00:00Z",
    )


A = Record("e-a", 1, b'{"note":"dust on the bench"}')
B = Record("e-b", 2, b'{"note":"no calibration label"}')


@pytest.mark.req("SYN-010")
def test_identical_resend_after_a_lost_acknowledgement_gets_the_same_acknowledgement() -> None:
    store = FakeStore()
    data = envelope([A, B], "env-1")
    first = store.push(data)
    again = store.push(data)
    assert first.acknowledgement()["acknowledged"] == ["e-a", "e-b"]
    assert again.acknowledgement()["acknowledged"] == ["e-a", "e-b"]
    assert again.resend
    assert not again.must_write
    assert store.writes == 1


@pytest.mark.req("SYN-011")
def test_reused_envelope_id_with_other_content_is_a_replay() -> None:
    store = FakeStore()
    store.push(envelope([A], "env-1"))
    with pytest.raises(ReplayedEnvelope, match="env-1 of device tablet-1 was already accepted"):
        store.push(envelope([B], "env-1"))
    assert "e-b" not in store.events


@pytest.mark.req("SYN-012")
def test_resealed_events_in_a_new_envelope_are_duplicates_that_change_nothing() -> None:
    store = FakeStore()
    store.push(envelope([A], "env-1"))
    plan = store.push(envelope([A, B], "env-2"))
    assert [r.event_id for r in plan.new] == ["e-b"]
    assert [r.event_id for r in plan.duplicates] == ["e-a"]
    assert plan.acknowledgement()["acknowledged"] == ["e-a", "e-b"]


@pytest.mark.req("SYN-013")
def test_known_event_id_with_different_content_refuses_the_whole_envelope() -> None:
    store = FakeStore()
    store.push(envelope([A], "env-1"))
    changed = Record("e-a", 1, b'{"note":"rewritten"}')
    with pytest.raises(ConflictingEvent, match="different content for event e-a") as caught:
        store.push(envelope([B, changed], "env-2"))
    assert caught.value.details == {"event_ids": ["e-a"]}
    assert "e-b" not in store.events


def test_a_used_sequence_number_under_a_new_event_id_is_a_conflict() -> None:
    store = FakeStore()
    store.push(envelope([A], "env-1"))
    with pytest.raises(ConflictingEvent):
        store.push(envelope([Record("e-other", 1, b"{}")], "env-2"))


@pytest.mark.req("SYN-030")
@settings(max_examples=100, deadline=None)
@given(
    actions=st.lists(
        st.tuples(st.sampled_from(["send", "resend", "reseal"]), st.integers(min_value=1, max_value=5)),
        min_size=1,
        max_size=25,
    )
)
def test_any_mix_of_sends_resends_and_reseals_applies_each_event_exactly_once(
    actions: list[tuple[str, int]],
) -> None:
    store = FakeStore()
    applied: dict[str, int] = {}
    pending = [Record(f"e-{seq}", seq, f'{{"seq":{seq}}}'.encode()) for seq in range(1, 40)]
    last: bytes | None = None
    sent_batches = 0
    for action, size in actions:
        if action == "resend" and last is not None:
            data = last  # the acknowledgement was lost: the identical bytes again
        else:
            batch = pending[:size] if action == "send" else pending[max(0, size - 3) : size + 2]
            if not batch:
                continue
            sent_batches += 1
            data = envelope(batch, f"env-{sent_batches}")
        plan = store.push(data)
        for record in plan.new:
            applied[record.event_id] = applied.get(record.event_id, 0) + 1
        acked = set(plan.acknowledged)
        pending = [record for record in pending if record.event_id not in acked]
        last = data
    assert set(applied.values()) <= {1}
    assert set(applied) == set(store.events)
