"""The audit plan: ISO 19011 fields and the rules a plan must follow."""

from __future__ import annotations

import datetime as dt

import pytest

from auditapp.domain.errors import ValidationError
from auditapp.domain.evidence import EvidenceTarget
from auditapp.domain.findings import Finding, FindingGrade
from auditapp.domain.plan import Auditee, AuditPlan
from auditapp.domain.responses import parse_answer
from tests.unit.domain.simulation import sample_plan


@pytest.mark.req("DOM-001")
def test_a_plan_roundtrips_through_its_json_form() -> None:
    plan = sample_plan(auditees=(Auditee("M. Weber", "Production manager"),))
    assert AuditPlan.from_dict(plan.to_dict()) == plan


@pytest.mark.req("DOM-001")
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": "  "}, "title: the audit plan needs a title"),
        ({"criteria": ()}, "criteria: the audit plan needs at least one checklist"),
        (
            {"end_date": dt.date(2026, 3, 1)},
            r"end_date: the audit ends \(2026-03-01\) before it starts \(2026-03-02\)",
        ),
        ({"lead_auditor": ""}, "lead_auditor: the audit plan needs a lead auditor"),
    ],
)
def test_an_invalid_plan_is_refused_naming_the_field(changes: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        sample_plan(**changes).validate()


@pytest.mark.req("DOM-001")
def test_an_unknown_audit_type_lists_the_allowed_types() -> None:
    with pytest.raises(ValidationError, match=r"audit_type: 'external' is not an audit type .*stage2_mock"):
        sample_plan().with_field("audit_type", "external")


@pytest.mark.req("DOM-002")
def test_an_unknown_answer_lists_the_allowed_answers() -> None:
    with pytest.raises(ValidationError, match="not_applicable, not_audited"):
        parse_answer("n/a")


@pytest.mark.req("DOM-003")
def test_evidence_belongs_to_an_item_with_its_clause_or_to_a_finding() -> None:
    with pytest.raises(ValidationError, match="clause: evidence for an item needs the item's clause"):
        EvidenceTarget(item_id="I-1").validate()
    with pytest.raises(ValidationError, match="either to an item or to a finding"):
        EvidenceTarget(item_id="I-1", clause="7.5.1", finding_id="F-1").validate()
    assert EvidenceTarget.finding("F-1").finding_id == "F-1"


@pytest.mark.req("DOM-007")
def test_a_nonconformity_must_quote_its_requirement_but_good_practice_need_not() -> None:
    with pytest.raises(ValidationError, match="requirement: a nonconformity must quote the requirement"):
        Finding("F", None, "7.5.1", FindingGrade.MAJOR_NC, "", "Lots released unsigned").validate()
    Finding("F", None, "7.5.1", FindingGrade.GOOD_PRACTICE, "", "Visual boards at each line").validate()
    assert FindingGrade.MINOR_NC.is_nonconformity
    assert not FindingGrade.OFI.is_nonconformity
