"""A site's earlier findings and open CAPAs reach every tablet that audits it, on a real central store."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from auditapp.bootstrap import LibraryChecklists
from auditapp.demo import demo_plan
from auditapp.services.field_audits import FieldAudits
from auditapp.services.followup import FollowUp
from tests.integration.sync_e2e.test_field_agent import Field
from tests.integration.sync_e2e.test_team_audits import _plan_team_audit, team  # noqa: F401 - fixture
from tests.support.processes import Running

ELSEWHERE = "Plant 9, Elsewhere"


def _follow_up(field: Field, audit_id: str) -> FollowUp:
    def no_photos(*_args: object) -> object:
        raise AssertionError("no photos here")

    audits = FieldAudits(lambda: field.ws.store(), LibraryChecklists(), no_photos)  # type: ignore[arg-type, return-value]
    return audits.follow_up(audit_id)


def _sync(*fields: Field) -> None:
    for field in fields:
        view = field.ws.sync_now()
        assert view.last_error is None, view.last_error


@pytest.mark.req("CAP-016")
def test_teammates_get_the_sites_earlier_findings_when_they_join_the_audit(
    central: Running,
    team: list[Field],  # noqa: F811
) -> None:
    ana, ben, _cyd = team
    earlier, _, finding_id = ana.capture()  # an earlier audit at the demo site, with a finding
    _sync(ana)

    audit_id = _plan_team_audit(ana)  # same site; Ben is on the team
    _sync(ana, ben, ben)

    assert audit_id != earlier
    assert [f.finding_id for f in _follow_up(ana, audit_id).prior_findings] == [finding_id]
    assert [f.finding_id for f in _follow_up(ben, audit_id).prior_findings] == [finding_id]


@pytest.mark.req("CAP-016")
def test_an_audit_moved_to_a_site_gets_that_sites_earlier_findings(
    central: Running,
    team: list[Field],  # noqa: F811
    tmp_path: Path,
) -> None:
    ana, ben, _cyd = team
    site = demo_plan(dt.date(2026, 11, 2)).site
    _earlier, _, finding_id = ana.capture()
    _sync(ana)
    plan = dataclasses.replace(
        demo_plan(dt.date(2026, 12, 1)), site=ELSEWHERE, lead_auditor="Ana Auditor", team=("Ben Builder",)
    )
    audit_id = ana.ws.plan_audit(plan)
    _sync(ana, ben, ben)
    assert _follow_up(ana, audit_id).prior_findings == ()

    FieldAudits(lambda: ana.ws.store(), LibraryChecklists(), None).save_plan_field(  # type: ignore[arg-type]
        audit_id, "site", site
    )
    _sync(ana, ana, ben, ben)

    assert [f.finding_id for f in _follow_up(ana, audit_id).prior_findings] == [finding_id]
    assert [f.finding_id for f in _follow_up(ben, audit_id).prior_findings] == [finding_id]
