"""Record sampling: suggested sizes from the documented table, and draws anyone can redo."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditapp.domain.errors import ValidationError
from auditapp.domain.sampling import (
    draw_random,
    draw_systematic,
    select_judgmental,
    suggested_sample_size,
)

POPULATION = [f"DHR-{i:04d}" for i in range(1, 101)]


@pytest.mark.req("DOM-004")
@pytest.mark.parametrize(
    ("population", "expected"),
    [
        (1, 1),
        (5, 5),
        (6, 5),
        (10, 5),
        (11, 6),
        (25, 6),
        (26, 8),
        (50, 8),
        (51, 11),
        (100, 11),
        (101, 17),
        (250, 17),
        (251, 23),
        (500, 23),
        (501, 30),
        (1_000_000, 30),
    ],
)
def test_suggested_sample_size_follows_the_documented_table(population: int, expected: int) -> None:
    assert suggested_sample_size(population) == expected


@pytest.mark.req("DOM-004")
def test_an_empty_population_has_no_suggested_size() -> None:
    with pytest.raises(
        ValidationError, match="population_size: the population must hold at least one record"
    ):
        suggested_sample_size(0)


@pytest.mark.req("DOM-005")
def test_a_fixed_population_and_seed_always_draw_the_same_records() -> None:
    # Hard-coded: if this changes, samples recorded in past audits could no longer be redrawn.
    assert draw_random(POPULATION, 11, "audit-2026-03-seed-7") == [
        "DHR-0007",
        "DHR-0027",
        "DHR-0036",
        "DHR-0037",
        "DHR-0045",
        "DHR-0055",
        "DHR-0071",
        "DHR-0074",
        "DHR-0079",
        "DHR-0087",
        "DHR-0100",
    ]
    assert draw_random([str(i) for i in range(1, 21)], 6, "42") == ["2", "3", "4", "10", "12", "15"]


@pytest.mark.req("DOM-005")
@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.text(min_size=1, max_size=8).filter(str.strip), min_size=1, max_size=60, unique=True),
    st.text(min_size=1, max_size=10).filter(str.strip),
    st.data(),
)
def test_a_random_draw_ignores_the_listing_order_and_picks_distinct_members(
    population: list[str], seed: str, data: st.DataObject
) -> None:
    size = data.draw(st.integers(1, len(population)))
    drawn = draw_random(population, size, seed)
    assert len(set(drawn)) == size
    assert set(drawn) <= set(population)
    reordered = list(reversed(population))
    assert set(draw_random(reordered, size, seed)) == set(drawn)


@pytest.mark.req("DOM-005")
def test_a_different_seed_draws_a_different_sample() -> None:
    assert draw_random(POPULATION, 11, "seed-a") != draw_random(POPULATION, 11, "seed-b")


@pytest.mark.req("DOM-006")
def test_systematic_sample_takes_every_kth_record_from_the_start() -> None:
    assert draw_systematic(POPULATION, 11, 3) == [f"DHR-{i:04d}" for i in range(3, 94, 9)]


@pytest.mark.req("DOM-006")
def test_systematic_start_outside_the_interval_is_refused() -> None:
    with pytest.raises(
        ValidationError, match="start: the start must be between 1 and the interval 9, not 10"
    ):
        draw_systematic(POPULATION, 11, 10)


@pytest.mark.req("DOM-006")
def test_judgmental_selection_needs_a_reason_and_records_from_the_population() -> None:
    with pytest.raises(ValidationError, match="reason: a judgmental sample needs the reason"):
        select_judgmental(POPULATION, ["DHR-0001"], "  ")
    with pytest.raises(ValidationError, match="selected_ids: 'DHR-9999' is not in the population"):
        select_judgmental(POPULATION, ["DHR-9999"], "largest batches")
    assert select_judgmental(None, ["B-7", "B-9"], "batches with deviations") == ["B-7", "B-9"]


@pytest.mark.req("DOM-005")
@pytest.mark.parametrize(
    ("population", "size", "message"),
    [
        ([], 1, "population_ids: list the identifiers"),
        (["a", "b", "a"], 1, "population_ids: identifier 'a' appears twice"),
        (
            ["a", "b"],
            3,
            r"sample_size: the sample size must be between 1 and the population size \(2\), not 3",
        ),
    ],
)
def test_a_bad_population_or_size_is_refused_with_the_field(
    population: list[str], size: int, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        draw_random(population, size, "seed")
