"""The hybrid logical clock across devices whose wall clocks disagree and jump backwards."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditapp.domain.clock import HybridClock, Timestamp

steps = st.lists(
    st.tuples(
        st.integers(0, 3),  # which node acts
        st.integers(-5_000, 5_000),  # wall clock jump (negative: the clock went back)
        st.booleans(),  # issue a timestamp (True) or receive one from another node (False)
        st.integers(0, 3),  # the node a timestamp is received from
    ),
    max_size=80,
)


class Wall:
    def __init__(self, start: int) -> None:
        self.now = start

    def __call__(self) -> int:
        return self.now


@pytest.mark.req("DOM-014")
@settings(max_examples=300, deadline=None)
@given(steps, st.lists(st.integers(-3_600_000, 3_600_000), min_size=4, max_size=4))
def test_clock_is_monotonic_and_orders_after_what_it_saw(plan: list, skews: list[int]) -> None:
    walls = [Wall(1_700_000_000_000 + s) for s in skews]
    clocks = [HybridClock(f"n{i}", walls[i]) for i in range(4)]
    issued: list[Timestamp] = []
    for node, jump, issue, source in plan:
        walls[node].now += jump
        before = clocks[node].last
        if issue:
            stamp = clocks[node].now()
            issued.append(stamp)
        else:
            remote = clocks[source].last
            stamp = clocks[node].observe(remote)
            assert stamp > remote
        assert stamp > before
        assert stamp.node == f"n{node}"
    assert len(set(issued)) == len(issued)


@pytest.mark.req("DOM-014")
def test_a_wall_clock_that_goes_back_does_not_move_the_clock_back() -> None:
    wall = Wall(10_000)
    clock = HybridClock("tablet", wall)
    first = clock.now()
    wall.now = 2_000
    second = clock.now()
    assert second > first
    assert second.wall_ms == first.wall_ms


@pytest.mark.req("DOM-015")
@settings(max_examples=200, deadline=None)
@given(
    st.integers(0, 10**15 - 1),
    st.integers(0, 999_998),
    st.text(min_size=1, max_size=20).filter(lambda s: "\n" not in s and "\r" not in s),
)
def test_timestamp_text_roundtrips_and_sorts_like_the_clock(wall: int, counter: int, node: str) -> None:
    stamp = Timestamp(wall, counter, node)
    assert Timestamp.from_text(stamp.to_text()) == stamp
    later = Timestamp(wall, counter + 1, node)
    assert (stamp.to_text() < later.to_text()) == (stamp < later)
