"""Readiness names findings in words, and words each nonconformity by what triage did with it (REP-012)."""

from __future__ import annotations

import datetime as dt

import pytest

from auditapp.domain.findings import FindingGrade
from auditapp.domain.plan import AuditType
from auditapp.domain.readiness import Readiness, Verdict, assess
from auditapp.domain.readiness_capas import first_words
from auditapp.reports.library import standard_clauses
from auditapp.reports.readiness_json import readiness_from_dict, readiness_to_dict
from auditapp.services.reporting import readiness_inputs
from auditapp.ui.field.readiness import readiness_screen
from tests.fixtures.reports.readiness_sites import (
    MAJOR_CORRECTED_REASON,
    Site,
    _nonconformity,
    _Writer,
    major_corrected_site,
    unclosed_loop_site,
)
from tests.support.controls import texts

MAJOR = (
    'major nonconformity at 7.5.1, "Batch records of line 2 released without the…" '
    '(internal audit "Quarter 4 walkthrough", 2026-09-07)'
)
GAP = "clause 7.5.1: paper (SOP-10 rev B) conforms, practice does not conform"


def _assess(site: Site) -> Readiness:
    return assess(
        readiness_inputs(
            site.events, site.name, site.as_of, standard_clauses(), site.capas, (), site.statuses
        )
    )


@pytest.mark.req("REP-012")
def test_a_major_handled_by_correction_only_is_corrected_without_corrective_action() -> None:
    result = _assess(major_corrected_site())
    assert result.verdict is Verdict.READY_STAGE1
    assert [(r.blocks, r.text) for r in result.reasons] == [(2, MAJOR_CORRECTED_REASON), (2, GAP)]
    worded = (
        f"{MAJOR} was corrected, but has no corrective action (no root cause analysis, no CAPA): "
        "a major nonconformity needs one before Stage 2"
    )
    assert worded == MAJOR_CORRECTED_REASON
    [loop] = result.capas.loops
    assert (loop.ref, loop.name, loop.blocks) == ("maj-F-1", MAJOR, 2)
    assert readiness_from_dict(readiness_to_dict(result)) == result
    screen = readiness_screen(["Major Corrected"], lambda _site: result)
    shown = texts(screen)
    assert "What keeps the site from Stage 2" in shown
    assert "What keeps the site from Stage 1" not in shown
    assert shown.count(f"•  {MAJOR_CORRECTED_REASON}") == 2  # among the reasons and in the CAPA section
    assert not any("maj-F-1" in t for t in shown)


@pytest.mark.req("REP-012")
@pytest.mark.parametrize(
    ("status", "verdict", "reason"),
    [
        ("", Verdict.NOT_READY, (1, f"{MAJOR} has no correction or CAPA on record")),
        ("new", Verdict.NOT_READY, (1, f"{MAJOR} has no correction or CAPA on record")),
        (
            "no_action",
            Verdict.NOT_READY,
            (1, f"{MAJOR} was triaged as needing no action, so it has no correction or CAPA"),
        ),
        ("rejected", Verdict.READY_STAGE1, None),
        ("duplicate", Verdict.READY_STAGE1, None),
        ("capa", Verdict.READY_STAGE1, None),
    ],
)
def test_a_major_is_worded_by_its_triage(
    status: str, verdict: Verdict, reason: tuple[int, str] | None
) -> None:
    result = _assess(major_corrected_site(status=status))
    assert result.verdict is verdict
    expected = [reason, (2, GAP)] if reason else [(2, GAP)]
    assert [(r.blocks, r.text) for r in result.reasons] == expected


@pytest.mark.req("REP-012")
def test_a_minor_nonconformity_corrected_only_is_still_a_loop_named_in_words() -> None:
    site = unclosed_loop_site()
    site.statuses = {"loop-F-2": "corrected"}
    shown = [r.text for r in _assess(site).reasons]
    assert (
        'minor nonconformity at 7.5.1, "Line clearance not recorded for lot 2291" '
        '(internal audit "Quarter 4 walkthrough", 2026-09-07) '
        "was corrected, but has no CAPA to remove its cause"
    ) in shown
    assert not any("loop-F-" in t or "CAPA-7" in t for t in shown)


@pytest.mark.req("REP-012")
@pytest.mark.req("REP-009")
def test_a_mock_certification_audits_major_counts_and_a_supplier_audits_does_not() -> None:
    site = major_corrected_site(status="capa")  # the internal audit's major is in a CAPA
    for number, day, kind in (
        (5, dt.date(2026, 10, 5), AuditType.STAGE1_MOCK),
        (6, dt.date(2026, 10, 12), AuditType.SUPPLIER),
    ):
        writer = _Writer(site.name, number, day, kind)
        _nonconformity(
            writer, f"mock-F-{number}", "8.2.4", "Audit programme skips clause 7.3", FindingGrade.MAJOR_NC
        )
        site.events[writer.audit_id] = writer.events()
    result = _assess(site)
    assert result.verdict is Verdict.NOT_READY
    [mock] = [r for r in result.reasons if "Audit programme skips" in r.text]
    assert mock.blocks == 1
    assert mock.text.startswith(
        'major nonconformity at 8.2.4, "Audit programme skips clause 7.3" (Stage 1 mock'
    )
    assert mock.text.endswith("has no correction or CAPA on record")
    assert [loop.ref for loop in result.capas.loops] == ["mock-F-5"]  # the supplier's is the supplier's


@pytest.mark.req("REP-012")
def test_the_first_words_of_a_statement_are_enough_to_recognise_it() -> None:
    assert first_words("Gowning  log\nunsigned") == "Gowning log unsigned"
    assert (
        first_words("one two three four five six seven eight nine")
        == "one two three four five six seven eight…"
    )
    assert first_words("x" * 70) == "x" * 60 + "…"
    assert (
        first_words("Supplierqualificationfileincomplete " + "word " * 3, chars=20) == "Supplierqualificatio…"
    )
