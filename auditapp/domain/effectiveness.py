"""Effectiveness in the field: when a check's window opens, what its tasks' results mean, what is a repeat.

A check with method field_reverification becomes one re-verification task per source finding of its
CAPA when its window opens (dates, inclusive, UTC). Auditors answer each task effective or not
effective. A new nonconformity on the same clause at the same site inside an open window shows that
the action did not work, just as a 'not effective' does (ADR 0062).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from auditapp.domain.capa import CheckMethod, CheckResult, EffectivenessCheck
from auditapp.domain.findings import FindingGrade
from auditapp.domain.places import same_name

EFFECTIVE = "effective"
NOT_EFFECTIVE = "not_effective"


def window_open(check: EffectivenessCheck, today: dt.date) -> bool:
    """Whether today lies inside the check's window (both ends included)."""
    return check.window_start <= today <= check.window_end


def task_due(check: EffectivenessCheck, today: dt.date, *, capa_closed: bool, queued: bool) -> bool:
    """Whether field re-verification tasks must be queued for this check now (idempotent: not when queued)."""
    return (
        check.method is CheckMethod.FIELD_REVERIFICATION
        and check.result is CheckResult.PENDING
        and not capa_closed
        and not queued
        and window_open(check, today)
    )


def check_outcome(task_results: Iterable[str | None]) -> CheckResult:
    """A check's result from its tasks': any 'not effective' fails it, all 'effective' pass it."""
    results = list(task_results)
    if any(r == NOT_EFFECTIVE for r in results):
        return CheckResult.FAILED
    if results and all(r == EFFECTIVE for r in results):
        return CheckResult.PASSED
    return CheckResult.PENDING


@dataclass(frozen=True)
class WatchedScope:
    """A check whose window watches one clause at one site (from one source finding of its CAPA)."""

    capa_id: str
    check_id: str
    site: str
    clause: str
    window_start: dt.date
    window_end: dt.date
    result: CheckResult


def same_site(a: str, b: str) -> bool:
    """Sites compare as places.same_name does (case, surrounding and repeated spaces aside); an empty site
    matches nothing."""
    return bool(a.strip()) and same_name(a, b)


def counts_as_repeat(grade: str) -> bool:
    """Only nonconformities reopen a CAPA: an observation or good practice does not show a failed action."""
    try:
        return FindingGrade(grade).is_nonconformity
    except ValueError:
        return False


def repeat_hits(
    site: str, clause: str, grade: str, raised_on: dt.date, scopes: Iterable[WatchedScope]
) -> list[WatchedScope]:
    """The watched scopes a new finding falls into: same clause, same site, inside the window, not failed."""
    if not counts_as_repeat(grade):
        return []
    return [
        s
        for s in scopes
        if s.result is not CheckResult.FAILED
        and s.clause.strip() == clause.strip()
        and same_site(s.site, site)
        and s.window_start <= raised_on <= s.window_end
    ]
