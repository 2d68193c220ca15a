"""GHTF/SG3/N19:2012 nonconformity grading (as used by MDSAP): grade 1-5 from impact, repeat, escalation.

Step 1, the matrix:

    impact on the QMS      first occurrence   repeat
    indirect (enabling)    1                  2
    direct                 3                  4

Which clauses are direct and which indirect (ADR 0012). N19 classifies ISO 13485:2003 clauses: the
QMS-enabling clauses 4.1-6.4, 8.1, 8.2.1-8.2.3, 8.4 and 8.5.1 have an indirect impact on device safety
and performance; product realisation 7.1-7.6, monitoring and measurement of product (2003: 8.2.4),
control of nonconforming product 8.3 and corrective and preventive action 8.5.2/8.5.3 have a direct
impact. Mapped onto ISO 13485:2016 numbering (which this app audits): 4.x, 5.x, 6.x, 8.1, 8.2.1-8.2.5
(feedback, complaint handling, reporting to regulators, internal audit, process monitoring), 8.4 and
8.5.1 are indirect; 7.x, 8.2.6 (monitoring and measurement of product), 8.3.x, 8.5.2 and 8.5.3 are
direct. A caller grading a clause outside this table (e.g. a regulation) passes the impact explicitly.

Step 2, escalation: +1 when the finding is the absence of a documented process or procedure, +1 when
a nonconforming medical device has been released; the result is capped at 5.

Repeat: the same clause was cited in an earlier audit (the caller passes the clauses of prior findings,
known offline from the last pull). A prior finding on a sub-clause or parent clause counts as a repeat.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from auditapp.domain.errors import ValidationError

MAX_GRADE = 5


class QmsImpact(StrEnum):
    """Whether a clause acts on the device directly or through the system that enables it."""

    INDIRECT = "indirect"
    DIRECT = "direct"


# Clause prefixes (ISO 13485:2016 numbering) with a direct impact; everything else in 4-8 is indirect.
_DIRECT_PREFIXES: tuple[str, ...] = ("7", "8.2.6", "8.3", "8.5.2", "8.5.3")
_INDIRECT_PREFIXES: tuple[str, ...] = (
    "4",
    "5",
    "6",
    "8.1",
    "8.2.1",
    "8.2.2",
    "8.2.3",
    "8.2.4",
    "8.2.5",
    "8.4",
    "8.5.1",
)


def _under(clause: str, prefix: str) -> bool:
    return clause == prefix or clause.startswith(prefix + ".")


def clause_impact(clause: str) -> QmsImpact:
    """The N19 impact of an ISO 13485:2016 clause; a clause outside 4-8 is a ValidationError."""
    clause = clause.strip()
    if any(_under(clause, p) for p in _DIRECT_PREFIXES):
        return QmsImpact.DIRECT
    if (
        any(_under(clause, p) for p in _INDIRECT_PREFIXES)
        or clause == "8"
        or clause == "8.2"
        or clause == "8.5"
    ):
        return QmsImpact.INDIRECT
    raise ValidationError(
        f"clause {clause!r} is not an ISO 13485 clause 4-8; state its QMS impact (direct or indirect)",
        "clause",
    )


def is_repeat(clause: str, prior_clauses: Iterable[str]) -> bool:
    """Whether the clause (or a parent or sub-clause of it) was cited in an earlier audit."""
    clause = clause.strip()
    for prior in prior_clauses:
        prior = prior.strip()
        if prior and (_under(clause, prior) or _under(prior, clause)):
            return True
    return False


@dataclass(frozen=True)
class N19Grading:
    """The inputs and result of grading one nonconformity, kept so the grade can be explained."""

    clause: str
    impact: QmsImpact
    repeat: bool
    absence_of_procedure: bool
    nc_device_released: bool
    matrix_grade: int
    grade: int


def n19_grade(
    clause: str,
    prior_clauses: Iterable[str] = (),
    *,
    absence_of_procedure: bool = False,
    nc_device_released: bool = False,
    impact: QmsImpact | None = None,
) -> N19Grading:
    """Grade a nonconformity 1-5: step 1 matrix (impact x first/repeat), step 2 escalations, capped at 5."""
    if not clause.strip():
        raise ValidationError("grading needs the clause of the nonconformity", "clause")
    actual_impact = impact if impact is not None else clause_impact(clause)
    repeat = is_repeat(clause, prior_clauses)
    matrix = {
        (QmsImpact.INDIRECT, False): 1,
        (QmsImpact.INDIRECT, True): 2,
        (QmsImpact.DIRECT, False): 3,
        (QmsImpact.DIRECT, True): 4,
    }[(actual_impact, repeat)]
    grade = min(MAX_GRADE, matrix + int(absence_of_procedure) + int(nc_device_released))
    return N19Grading(
        clause=clause.strip(),
        impact=actual_impact,
        repeat=repeat,
        absence_of_procedure=absence_of_procedure,
        nc_device_released=nc_device_released,
        matrix_grade=matrix,
        grade=grade,
    )
