"""Readiness rules on the three fixture sites and on the edge cases that decide a light or a verdict."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from auditapp.domain.readiness import (
    CapaFacts,
    Effectiveness,
    Light,
    ProcessState,
    Readiness,
    Verdict,
    assess,
    cycle_months,
)
from auditapp.reports.library import standard_clauses
from auditapp.reports.readiness_json import readiness_from_dict, readiness_to_dict
from auditapp.services.reporting import readiness_inputs
from tests.fixtures.reports.readiness_sites import (
    Site,
    documents_only_site,
    major_corrected_site,
    ready_site,
    unclosed_loop_site,
)


def _assess(site: Site, **changes: object) -> Readiness:
    inputs = readiness_inputs(
        site.events, site.name, site.as_of, standard_clauses(), site.capas, (), site.statuses
    )
    return assess(dataclasses.replace(inputs, **changes))


@pytest.mark.req("REP-009")
@pytest.mark.parametrize("make", [ready_site, documents_only_site, unclosed_loop_site, major_corrected_site])
def test_each_fixture_site_gets_its_expected_verdict_and_reasons(make) -> None:  # type: ignore[no-untyped-def]
    site = make()
    result = _assess(site)
    assert result.verdict is site.verdict
    texts = [r.text for r in result.reasons]
    for expected in site.reasons:
        assert any(expected in t for t in texts), f"{expected!r} not in {texts}"
    if site.verdict is Verdict.READY_STAGE2:
        assert result.reasons == ()
    if site.verdict is Verdict.READY_STAGE1:
        assert {r.blocks for r in result.reasons} == {2}


@pytest.mark.req("REP-008")
def test_the_ready_site_shows_each_process_and_flags_the_dry_runs() -> None:
    result = _assess(ready_site())
    lights = {p.key: p.light for p in result.processes}
    assert lights["internal_audit"] is Light.GREEN
    assert lights["management_review"] is Light.GREEN
    complaints = next(p for p in result.processes if p.key == "complaints")
    assert complaints.state is ProcessState.DRY_RUN
    assert complaints.simulated_runs == 1
    assert "simulated dry run" in complaints.explanation
    assert {p.key for p in result.processes if p.light is Light.GREY} == {
        "installation",
        "servicing",
        "sterilisation",
    }
    assert result.grid.uncovered == ()
    assert result.grid.months == cycle_months(dt.date(2026, 10, 31))
    assert sum(result.grid.total(row) for row in result.grid.rows) == 167  # every item answered once
    assert result.grid.cells[result.grid.rows.index("8.2")][result.grid.months.index("2025-12")] > 0
    assert (result.capas.opened, result.capas.closed, result.capas.verified) == (1, 1, 1)
    assert result.gaps == ()


@pytest.mark.req("REP-008")
def test_a_dry_run_is_not_enough_for_internal_audit_and_old_records_are_stale() -> None:
    site = ready_site()
    later = _assess(site, as_of=dt.date(2027, 12, 31))
    assert later.verdict is Verdict.NOT_READY
    states = {p.key: p.state for p in later.processes}
    assert states.pop("capa") is ProcessState.STALE  # the CAPA is on record, but opened over a year ago
    assert set(states.values()) == {ProcessState.NO_EVIDENCE, ProcessState.EXCLUDED}
    assert "no audit of this site in the last 12 months" in [r.text for r in later.reasons]
    simulated = {
        e.payload["evidence_id"] for es in site.events.values() for e in es if e.kind == "RecordSampled"
    }
    inputs = readiness_inputs(site.events, site.name, site.as_of, standard_clauses(), site.capas)
    flagged = dataclasses.replace(inputs, simulated_records=dict.fromkeys(simulated, True))
    dry = assess(flagged)
    review = next(p for p in dry.processes if p.key == "management_review")
    assert review.state is ProcessState.DRY_RUN_NOT_ENOUGH
    assert review.light is Light.RED
    assert dry.verdict is Verdict.NOT_READY


@pytest.mark.req("REP-008")
def test_an_open_capa_and_a_major_without_capa_are_reasons() -> None:
    site = ready_site()
    open_capa = CapaFacts(
        "CAPA-2", "Training", "open", dt.date(2026, 9, 1), None, None, (), ("6.2",), Effectiveness.NONE
    )
    result = _assess(site, capas=[*site.capas, open_capa])
    assert result.verdict is Verdict.READY_STAGE1
    assert [r.text for r in result.reasons] == ['CAPA "Training" (opened 2026-09-01) is still open']
    assert result.capas.open_ids == ("CAPA-2",)


@pytest.mark.req("REP-008")
def test_readiness_survives_its_json_form() -> None:
    result = _assess(unclosed_loop_site())
    assert readiness_from_dict(readiness_to_dict(result)) == result
    data = readiness_to_dict(result)
    assert data["verdict_label"] == "Ready for Stage 1"
    assert {p["light"] for p in data["processes"]} == {"green", "amber", "grey"}
