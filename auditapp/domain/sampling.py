"""Record sampling that anyone can redraw: suggested sizes and random, systematic and judgmental selection.

Suggested sample size (ADR 0011), by population size N:

    N          sample
    1-5        all of them
    6-10       5
    11-25      6
    26-50      8
    51-100     11
    101-250    17
    251-500    23
    over 500   30

Rationale: each step is round(sqrt(N_max) + 1) for the top of its band, the square-root rule that
audit practice uses when a population is homogeneous (IAF MD 1 applies the same rule to sites), and
the table is capped at 30: a random sample of 30 detects a deviation rate of 7.5 % or more with about
90 % confidence (1 - 0.925^30 = 0.904), which is what an audit, a test of a system rather than an
acceptance inspection, needs. Below 6 records the auditor simply looks at all of them.

Random draws do not use `random.Random` (whose algorithms may change between Python versions): each
identifier is ranked by SHA-256 of the seed and the identifier, and the lowest ranks are taken. The
same population and seed give the same records on any machine, in any language that has SHA-256.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from auditapp.domain.errors import ValidationError

# (upper bound of the population band, suggested sample size); None means "all of them".
SAMPLE_SIZE_TABLE: tuple[tuple[int, int | None], ...] = (
    (5, None),
    (10, 5),
    (25, 6),
    (50, 8),
    (100, 11),
    (250, 17),
    (500, 23),
)
SAMPLE_SIZE_CAP = 30


def suggested_sample_size(population_size: int) -> int:
    """How many records to sample from a population of this size, from the documented table."""
    if population_size < 1:
        raise ValidationError("the population must hold at least one record", "population_size")
    for upper, size in SAMPLE_SIZE_TABLE:
        if population_size <= upper:
            return population_size if size is None else size
    return SAMPLE_SIZE_CAP


def _check_population(population_ids: Sequence[str], size: int) -> None:
    if not population_ids:
        raise ValidationError("list the identifiers of the population to draw from", "population_ids")
    seen: set[str] = set()
    for identifier in population_ids:
        if identifier in seen:
            raise ValidationError(
                f"identifier {identifier!r} appears twice in the population", "population_ids"
            )
        seen.add(identifier)
    if any(not i.strip() for i in population_ids):
        raise ValidationError("an identifier in the population is empty", "population_ids")
    if not 1 <= size <= len(population_ids):
        raise ValidationError(
            f"the sample size must be between 1 and the population size ({len(population_ids)}), not {size}",
            "sample_size",
        )


def rank_key(seed: str, identifier: str) -> str:
    """The SHA-256 rank of one identifier under a seed (unit separator keeps the two parts apart)."""
    return hashlib.sha256(f"{seed}\x1f{identifier}".encode()).hexdigest()


def draw_random(population_ids: Sequence[str], size: int, seed: str) -> list[str]:
    """The `size` identifiers with the lowest SHA-256(seed, id) rank, in population order."""
    _check_population(population_ids, size)
    if not seed.strip():
        raise ValidationError("a random sample needs a seed so it can be redrawn", "seed")
    chosen = set(sorted(population_ids, key=lambda i: (rank_key(seed, i), i))[:size])
    return [i for i in population_ids if i in chosen]


def systematic_interval(population_size: int, size: int) -> int:
    """Every k-th record: the interval of a systematic sample (population // size)."""
    return population_size // size


def draw_systematic(population_ids: Sequence[str], size: int, start: int) -> list[str]:
    """Every k-th identifier from the 1-based position `start` (1 <= start <= k, k = N // size)."""
    _check_population(population_ids, size)
    k = systematic_interval(len(population_ids), size)
    if not 1 <= start <= k:
        raise ValidationError(f"the start must be between 1 and the interval {k}, not {start}", "start")
    return [population_ids[start - 1 + i * k] for i in range(size)]


def select_judgmental(
    population_ids: Sequence[str] | None, selected: Sequence[str], reason: str
) -> list[str]:
    """The auditor's own choice of records, which must be justified and (if listed) from the population."""
    if not reason.strip():
        raise ValidationError("a judgmental sample needs the reason for choosing these records", "reason")
    if not selected or any(not s.strip() for s in selected):
        raise ValidationError("name the records chosen for the sample", "selected_ids")
    if len(set(selected)) != len(selected):
        raise ValidationError("a record is chosen twice", "selected_ids")
    if population_ids is not None:
        missing = [s for s in selected if s not in set(population_ids)]
        if missing:
            raise ValidationError(f"{missing[0]!r} is not in the population", "selected_ids")
    return list(selected)
