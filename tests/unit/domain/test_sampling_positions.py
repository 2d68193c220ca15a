"""Samples from a population known only by its size: positions drawn without listing them, and limits."""

from __future__ import annotations

import tracemalloc

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditapp.domain.errors import ValidationError
from auditapp.domain.sampling import (
    MAX_POPULATION_SIZE,
    MAX_SAMPLE_SIZE,
    check_population_size,
    check_sample_size,
    draw_random,
    draw_random_positions,
    draw_systematic,
    draw_systematic_positions,
    select_judgmental_positions,
)


def positions(text: str) -> list[str]:
    """Positions written as one line of numbers, the way they read off a register."""
    return text.split()


@pytest.mark.req("FLD-111")
@pytest.mark.parametrize(
    ("population", "size", "seed", "drawn"),
    [
        # Hard-coded from the draw before positions were computed one by one (it listed "1".."N" and
        # sorted them all): a sample recorded then must redraw to exactly these records.
        (50, 8, "42", ["4", "12", "15", "33", "34", "38", "41", "42"]),
        (7, 7, "x", ["1", "2", "3", "4", "5", "6", "7"]),
        (
            1000,
            30,
            "3f9a1c0b7e2d4a65",
            positions(
                "46 61 137 151 201 273 352 376 407 476 478 482 525 561 604 668 740 785 791 795 801"
                " 805 836 853 883 897 914 927 936 992"
            ),
        ),
        (
            501,
            30,
            "é✓ seed",
            positions(
                "7 15 19 37 51 76 99 116 133 143 144 157 223 243 247 261 291 309 324 327 341 372 423"
                " 427 443 447 454 491 492 498"
            ),
        ),
        (
            100_000,
            30,
            "audit-2026-03-seed-7",
            positions(
                "4693 12155 17399 19478 25335 28455 38883 40129 40880 47568 48913 60609 61567 64038"
                " 65506 65824 66822 68426 71469 73175 80942 81862 84950 85680 87067 87229 87393 92705"
                " 96505 96746"
            ),
        ),
    ],
)
def test_a_population_given_by_size_redraws_the_records_drawn_before(
    population: int, size: int, seed: str, drawn: list[str]
) -> None:
    assert draw_random_positions(population, size, seed) == drawn


@pytest.mark.req("FLD-111")
@settings(max_examples=150, deadline=None)
@given(st.integers(1, 300), st.text(min_size=1, max_size=10).filter(str.strip), st.data())
def test_positions_are_drawn_as_if_the_population_listed_one_to_n(
    population: int, seed: str, data: st.DataObject
) -> None:
    listed = [str(n) for n in range(1, population + 1)]
    size = data.draw(st.integers(1, population))
    assert draw_random_positions(population, size, seed) == draw_random(listed, size, seed)
    start = data.draw(st.integers(1, population // size))
    assert draw_systematic_positions(population, size, start) == draw_systematic(listed, size, start)


@pytest.mark.req("FLD-111")
def test_a_draw_from_a_large_population_holds_only_the_sample_in_memory() -> None:
    tracemalloc.start()
    try:
        random = draw_random_positions(200_000, 30, "seed")
        systematic = draw_systematic_positions(200_000, 30, 7)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(random) == 30
    assert systematic[:2] == ["7", "6673"]
    assert peak < 1_000_000  # bytes; listing 200,000 positions alone takes about 12 MB


@pytest.mark.req("FLD-111")
@pytest.mark.parametrize(
    ("population", "message"),
    [
        (0, "population_size: the population must hold at least one record"),
        (
            1_000_001,
            r"population_size: a population of 1,000,001 records is more than a sample can be drawn from "
            r"\(at most 1,000,000\): check the number",
        ),
        (100_000_000_000, "population_size: a population of 100,000,000,000 records is more than"),
    ],
)
def test_an_impossible_population_size_is_refused_at_its_field(population: int, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        check_population_size(population)


@pytest.mark.req("FLD-111")
def test_the_largest_population_and_sample_are_accepted_and_one_more_is_not() -> None:
    check_population_size(MAX_POPULATION_SIZE)
    check_sample_size(MAX_SAMPLE_SIZE)
    with pytest.raises(ValidationError, match=r"^sample_size: a sample of 2,001 records is more than"):
        check_sample_size(MAX_SAMPLE_SIZE + 1)


@pytest.mark.req("FLD-111")
def test_a_judgmental_choice_outside_the_population_names_the_positions() -> None:
    with pytest.raises(
        ValidationError,
        match=r"^selected_ids: 99 is not in a population of 50 \(choose positions from 1 to 50\)$",
    ):
        select_judgmental_positions(50, ["3", "99"], "largest lots")


@pytest.mark.req("FLD-111")
def test_a_judgmental_choice_that_is_not_a_position_is_named_with_the_others() -> None:
    chosen = ["0", "51", "B-7", "-1", "1e3", "٣", "9" * 5000]
    with pytest.raises(
        ValidationError,
        match=r"^selected_ids: 0, 51, 'B-7', '-1', '1e3' and 2 more are not in a population of 50 ",
    ):
        select_judgmental_positions(50, chosen, "largest lots")


@pytest.mark.req("FLD-111")
def test_judgmental_positions_are_kept_as_plain_numbers_and_a_repeat_is_named() -> None:
    assert select_judgmental_positions(50, ["3", "007", "50"], "largest lots") == ["3", "7", "50"]
    with pytest.raises(ValidationError, match=r"^selected_ids: position 7 is chosen twice"):
        select_judgmental_positions(50, ["7", "007"], "largest lots")
    with pytest.raises(ValidationError, match=r"^reason: a judgmental sample needs the reason"):
        select_judgmental_positions(50, ["99"], " ")


@pytest.mark.req("FLD-111")
def test_a_sample_recorded_before_the_capture_limit_still_loads_and_only_new_ones_are_held_to_it() -> None:
    from auditapp.domain.errors import ValidationError
    from auditapp.domain.events import EventKind
    from auditapp.domain.payloads import validate_payload
    from auditapp.domain.sampling import draw_systematic_positions

    recorded = {
        "evidence_id": "e1",
        "item_id": "i1",
        "clause": "7.5.1",
        "population_description": "lot 42 serials",
        "population_size": 2_000_000,  # above today's capture limit; an earlier version recorded it
        "population_ids": None,
        "sample_size": 30,
        "method": "systematic",
        "seed": None,
        "start": 7,
        "reason": None,
        "selected_ids": draw_systematic_positions(2_000_000, 30, 7),
    }
    validate_payload(EventKind.SAMPLE_DRAWN, recorded)  # synced, pulled or imported: accepted
    with pytest.raises(ValidationError, match=r"^population_size: a population of 2,000,000 records"):
        validate_payload(EventKind.SAMPLE_DRAWN, recorded, captured=True)
    absurd = {**recorded, "population_size": 10**12, "selected_ids": ["1"]}
    with pytest.raises(ValidationError, match=r"^population_size: .* \(at most 10,000,000\)"):
        validate_payload(EventKind.SAMPLE_DRAWN, absurd)
