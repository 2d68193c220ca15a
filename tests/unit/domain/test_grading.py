"""GHTF/SG3/N19 grading: matrix of impact and repetition, two escalation rules, capped at 5."""

from __future__ import annotations

import pytest

from auditapp.domain.errors import ValidationError
from auditapp.domain.grading import QmsImpact, clause_impact, is_repeat, n19_grade


@pytest.mark.req("DOM-008")
@pytest.mark.parametrize(
    ("clause", "prior", "expected"),
    [
        ("4.2.4", [], 1),  # document control: indirect, first
        ("4.2.4", ["4.2.4"], 2),  # indirect, repeat
        ("7.5.6", [], 3),  # process validation: direct, first
        ("7.5.6", ["7.5"], 4),  # direct, repeat of the parent clause
        ("8.3.1", ["6.2"], 3),  # a prior finding on another clause is no repeat
        ("8.2.4", [], 1),  # internal audit (2016 numbering): indirect
        ("8.2.6", [], 3),  # monitoring and measurement of product: direct
        ("8.5.2", [], 3),  # corrective action: direct
    ],
)
def test_step_one_matrix(clause: str, prior: list[str], expected: int) -> None:
    assert n19_grade(clause, prior).grade == expected


@pytest.mark.req("DOM-008")
def test_escalations_add_one_each_and_the_grade_is_capped_at_five() -> None:
    assert n19_grade("4.2.4", absence_of_procedure=True).grade == 2
    assert n19_grade("7.5.6", nc_device_released=True).grade == 4
    both = n19_grade("7.5.6", ["7.5.6"], absence_of_procedure=True, nc_device_released=True)
    assert (both.matrix_grade, both.grade) == (4, 5)


@pytest.mark.req("DOM-008")
def test_a_clause_outside_the_table_needs_an_explicit_impact() -> None:
    with pytest.raises(ValidationError, match=r"clause: clause '820.35' is not an ISO 13485 clause 4-8"):
        n19_grade("820.35")
    assert n19_grade("820.35", impact=QmsImpact.DIRECT).grade == 3


def test_repeat_matches_whole_clause_numbers_only() -> None:
    assert not is_repeat("7.5.1", ["7.5.10"])
    assert is_repeat("7.5.10", ["7.5.10"])
    assert clause_impact("7") is QmsImpact.DIRECT
