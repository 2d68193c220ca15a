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
A population known only by its size N is the positions 1..N written as decimal numbers ("1", "2", ...);
its draws are computed position by position, never as a list of N identifiers, and give exactly the
records a listed population "1".."N" gives.
"""

from __future__ import annotations

import hashlib
import heapq
import re
from collections.abc import Iterable, Iterator, Sequence

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

# The largest population a sample is drawn from. A random draw must rank every record by SHA-256 to stay
# reproducible from its seed, so its time grows with the population: about a second per million records
# on a laptop and several on a tablet. A million records is more than any register an auditor samples by
# hand (a year of batch records, device history records or complaints is thousands), and still covers
# the serial numbers of a large production lot; a bigger number is a typo (an extra zero or three), which
# must get a message instead of a hang or a crash for want of memory.
MAX_POPULATION_SIZE = 1_000_000
# The largest sample. Each sampled record is worked through on its own row of the item screen, and the
# largest sample of ISO 2859-1 (acceptance sampling of a lot over 500,000 units) is 2,000, against the 30
# an audit needs; a bigger number is a typo, which would otherwise freeze the screen with its rows.
MAX_SAMPLE_SIZE = 2_000
_POSITION = re.compile(r"[0-9]+")
_NAMED_AT_MOST = 5  # positions named in a refusal before "and N more"


def suggested_sample_size(population_size: int) -> int:
    """How many records to sample from a population of this size, from the documented table."""
    if population_size < 1:
        raise ValidationError("the population must hold at least one record", "population_size")
    for upper, size in SAMPLE_SIZE_TABLE:
        if population_size <= upper:
            return population_size if size is None else size
    return SAMPLE_SIZE_CAP


def check_population_size(population_size: int) -> None:
    """Refuse, at capture, a population with no records or more than MAX_POPULATION_SIZE (a typo)."""
    if population_size < 1:
        raise ValidationError("the population must hold at least one record", "population_size")
    if population_size > MAX_POPULATION_SIZE:
        raise ValidationError(
            f"a population of {population_size:,} records is more than a sample can be drawn from "
            f"(at most {MAX_POPULATION_SIZE:,}): check the number",
            "population_size",
        )


def check_sample_size(size: int, field: str = "sample_size") -> None:
    """Refuse, at capture, a sample of more than MAX_SAMPLE_SIZE records (a typo), naming `field`."""
    if size > MAX_SAMPLE_SIZE:
        raise ValidationError(
            f"a sample of {size:,} records is more than can be worked through on the tablet "
            f"(at most {MAX_SAMPLE_SIZE:,}): check the number",
            field,
        )


def _check_size(population_size: int, size: int) -> None:
    if population_size < 1:
        raise ValidationError("the population must hold at least one record", "population_size")
    if not 1 <= size <= population_size:
        raise ValidationError(
            f"the sample size must be between 1 and the population size ({population_size}), not {size}",
            "sample_size",
        )


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
    _check_size(len(population_ids), size)


def rank_key(seed: str, identifier: str) -> str:
    """The SHA-256 rank of one identifier under a seed (unit separator keeps the two parts apart)."""
    return hashlib.sha256(f"{seed}\x1f{identifier}".encode()).hexdigest()


def _lowest_ranks(identifiers: Iterable[str], size: int, seed: str) -> set[str]:
    """The `size` identifiers with the lowest (rank_key, identifier), holding only `size` of them at a time.

    The raw digest orders exactly as its hex form (`rank_key`) does, and hashing the seed's part once
    saves time on large populations.
    """
    if not seed.strip():
        raise ValidationError("a random sample needs a seed so it can be redrawn", "seed")
    prefix = hashlib.sha256(f"{seed}\x1f".encode())

    def ranked() -> Iterator[tuple[bytes, str]]:
        for identifier in identifiers:
            digest = prefix.copy()
            digest.update(identifier.encode())
            yield digest.digest(), identifier

    return {identifier for _, identifier in heapq.nsmallest(size, ranked())}


def draw_random(population_ids: Sequence[str], size: int, seed: str) -> list[str]:
    """The `size` identifiers with the lowest SHA-256(seed, id) rank, in population order."""
    _check_population(population_ids, size)
    chosen = _lowest_ranks(population_ids, size, seed)
    return [i for i in population_ids if i in chosen]


def draw_random_positions(population_size: int, size: int, seed: str) -> list[str]:
    """`draw_random` over the positions "1".."N" of a population known by its size, not listing them."""
    _check_size(population_size, size)
    chosen = _lowest_ranks((str(n) for n in range(1, population_size + 1)), size, seed)
    return sorted(chosen, key=int)


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


def draw_systematic_positions(population_size: int, size: int, start: int) -> list[str]:
    """`draw_systematic` over the positions "1".."N" of a population known by its size, not listing them."""
    _check_size(population_size, size)
    k = systematic_interval(population_size, size)
    if not 1 <= start <= k:
        raise ValidationError(f"the start must be between 1 and the interval {k}, not {start}", "start")
    return [str(start + i * k) for i in range(size)]


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


def select_judgmental_positions(population_size: int, selected: Sequence[str], reason: str) -> list[str]:
    """The auditor's chosen positions of a population known by its size: whole numbers from 1 to N.

    Positions are kept as plain numbers ("007" becomes "7"), the form random and systematic draws use.
    """
    chosen = select_judgmental(None, selected, reason)
    outside = [s for s in chosen if _position(s, population_size) is None]
    if outside:
        named = ", ".join(s if _POSITION.fullmatch(s) else repr(s) for s in outside[:_NAMED_AT_MOST])
        if len(outside) > _NAMED_AT_MOST:
            named += f" and {len(outside) - _NAMED_AT_MOST} more"
        verb = "is" if len(outside) == 1 else "are"
        raise ValidationError(
            f"{named} {verb} not in a population of {population_size} "
            f"(choose positions from 1 to {population_size})",
            "selected_ids",
        )
    positions = [str(_position(s, population_size)) for s in chosen]
    seen: set[str] = set()
    for position in positions:
        if position in seen:
            raise ValidationError(f"position {position} is chosen twice", "selected_ids")
        seen.add(position)
    return positions


def _position(text: str, population_size: int) -> int | None:
    """The position 1..N that `text` names (ASCII digits only), or None."""
    if not _POSITION.fullmatch(text):
        return None
    digits = text.lstrip("0")
    # Compare lengths first: int() of a long run of digits is slow, and refused beyond 4300 digits.
    if not digits or len(digits) > len(str(population_size)):
        return None
    position = int(digits)
    return position if position <= population_size else None
