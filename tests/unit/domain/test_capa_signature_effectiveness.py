"""What a closure signature binds to, and the rules of effectiveness windows and repeat findings."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from auditapp.domain.capa import Action, ActionKind, CheckMethod, CheckResult, EffectivenessCheck
from auditapp.domain.capa_signature import (
    ClosureSignature,
    capa_digest,
    local_time,
    parse_timezone,
    signed_content,
    stated_local_time,
)
from auditapp.domain.effectiveness import WatchedScope, check_outcome, repeat_hits, task_due
from auditapp.domain.errors import ValidationError
from tests.unit.domain.test_capa_gates import CHECK, COMPLETE


@pytest.mark.req("CAP-012")
def test_the_digest_changes_with_any_signed_field_and_not_with_closing() -> None:
    digest = capa_digest(COMPLETE)
    assert len(digest) == 64
    assert capa_digest(replace(COMPLETE, closed=True)) == digest
    assert capa_digest(replace(COMPLETE, root_cause_result="Something else")) != digest
    other_action = replace(COMPLETE.actions[0], evidence="a different record")
    assert capa_digest(replace(COMPLETE, actions=(other_action,))) != digest
    assert capa_digest(replace(COMPLETE, round=1)) != digest


@pytest.mark.req("CAP-012")
def test_the_order_of_actions_does_not_change_the_digest() -> None:
    second = Action("A-0", ActionKind.PREVENTIVE, "Check other lines", "owen")
    one = replace(COMPLETE, actions=(COMPLETE.actions[0], second))
    other = replace(COMPLETE, actions=(second, COMPLETE.actions[0]))
    assert capa_digest(one) == capa_digest(other)
    assert [a["id"] for a in signed_content(one)["actions"]] == ["A-0", "A-1"]


@pytest.mark.req("CAP-011")
def test_the_signature_shows_name_utc_and_local_time_and_meaning() -> None:
    at = dt.datetime(2027, 4, 2, 8, 30, tzinfo=dt.UTC)
    shown = ClosureSignature(
        "Quinn Quality",
        "quinn",
        "approved closure",
        at,
        local_time(at, "Europe/Berlin"),
        "Europe/Berlin",
        "ab",
    )
    assert shown.signer_local_time == "2027-04-02T10:30:00+02:00"
    assert shown.manifestation() == (
        "Quinn Quality (quinn), 2027-04-02T08:30:00+00:00 UTC / 2027-04-02T10:30:00+02:00 Europe/Berlin: "
        "approved closure"
    )
    assert shown.matches("ab")
    assert not shown.matches("cd")


@pytest.mark.req("CAP-011")
@pytest.mark.parametrize("name", ["Mars/Olympus", "", "+25:00", "../etc/passwd", "Europe"])
def test_an_unknown_time_zone_is_refused_naming_the_field(name: str) -> None:
    with pytest.raises(ValidationError, match=r"^signer_timezone:"):
        parse_timezone(name)


@pytest.mark.req("CAP-011")
@pytest.mark.parametrize("text", ["tomorrow", "2027-03-02", "10:30"])
def test_a_stated_local_time_must_be_a_date_and_time(text: str) -> None:
    with pytest.raises(ValidationError, match=r"^signer_local_time:"):
        stated_local_time(text)
    assert stated_local_time(" 2027-03-02T10:30:00+01:00 ") == "2027-03-02T10:30:00+01:00"


def test_offsets_are_time_zones_too() -> None:
    at = dt.datetime(2027, 1, 1, 12, 0, tzinfo=dt.UTC)
    assert local_time(at, "-05:30") == "2027-01-01T06:30:00-05:30"


@pytest.mark.req("CAP-013")
def test_a_field_task_is_due_once_inside_the_window_of_a_pending_check() -> None:
    inside = dt.date(2027, 1, 1)
    assert task_due(CHECK, inside, capa_closed=False, queued=False)
    assert not task_due(CHECK, inside, capa_closed=False, queued=True)
    assert not task_due(CHECK, dt.date(2026, 12, 31), capa_closed=False, queued=False)
    assert not task_due(CHECK, dt.date(2027, 4, 1), capa_closed=False, queued=False)
    desk = replace(CHECK, method=CheckMethod.RECORD_REVIEW)
    assert not task_due(desk, inside, capa_closed=False, queued=False)
    assert not task_due(replace(CHECK, result=CheckResult.FAILED), inside, capa_closed=False, queued=False)


@pytest.mark.req("CAP-014")
def test_one_not_effective_fails_the_check_and_all_effective_pass_it() -> None:
    assert check_outcome(["effective", None]) is CheckResult.PENDING
    assert check_outcome(["effective", "effective"]) is CheckResult.PASSED
    assert check_outcome(["effective", "not_effective"]) is CheckResult.FAILED
    assert check_outcome([]) is CheckResult.PENDING


SCOPE = WatchedScope(
    "C-1", "K-1", "Plant 2", "6.4.1", dt.date(2027, 1, 1), dt.date(2027, 3, 31), CheckResult.PASSED
)


@pytest.mark.req("CAP-015")
def test_a_nonconformity_on_the_same_clause_and_site_inside_the_window_is_a_repeat() -> None:
    inside = dt.date(2027, 2, 1)
    assert repeat_hits(" plant 2", "6.4.1", "minor_nc", inside, [SCOPE]) == [SCOPE]
    assert repeat_hits("PLANT  2", "6.4.1", "minor_nc", inside, [SCOPE]) == [SCOPE]  # as places compare names
    assert repeat_hits("Plant 2", "6.4.1", "observation", inside, [SCOPE]) == []
    assert repeat_hits("Plant 3", "6.4.1", "major_nc", inside, [SCOPE]) == []
    assert repeat_hits("Plant 2", "6.4.2", "major_nc", inside, [SCOPE]) == []
    assert repeat_hits("Plant 2", "6.4.1", "major_nc", dt.date(2027, 4, 1), [SCOPE]) == []
    failed = replace(SCOPE, result=CheckResult.FAILED)
    assert repeat_hits("Plant 2", "6.4.1", "major_nc", inside, [failed]) == []


def test_a_check_without_a_criterion_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"^criterion:"):
        EffectivenessCheck("K", " ", CheckMethod.METRIC, dt.date(2027, 1, 1), dt.date(2027, 1, 2)).validate()
