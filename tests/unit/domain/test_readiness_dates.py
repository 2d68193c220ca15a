"""The assessment date of a readiness check: from 1900-01-01 to a year from today, else named and refused."""

from __future__ import annotations

import datetime as dt

import pytest

from auditapp.domain.errors import ValidationError
from auditapp.domain.readiness import check_as_of

TODAY = dt.date(2026, 5, 14)


@pytest.mark.req("REP-011")
@pytest.mark.parametrize("day", [dt.date(1900, 1, 1), TODAY, TODAY + dt.timedelta(days=366)])
def test_a_date_in_range_is_accepted(day: dt.date) -> None:
    check_as_of(day, TODAY)


@pytest.mark.req("REP-011")
@pytest.mark.parametrize(
    "day",
    [dt.date.min, dt.date(1, 12, 31), dt.date(1899, 12, 31), TODAY + dt.timedelta(days=367), dt.date.max],
)
def test_a_date_out_of_range_is_refused_naming_the_input(day: dt.date) -> None:
    with pytest.raises(ValidationError) as refused:
        check_as_of(day, TODAY, "--as-of")
    assert refused.value.field == "--as-of"
    assert str(refused.value) == (
        f"--as-of: {day.isoformat()} is out of range: "
        "give a date from 1900-01-01 to 2027-05-15 (a year from today)"
    )
