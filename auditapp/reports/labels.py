"""How grades, answers, audit types and evidence are written for people in reports and exports."""

from __future__ import annotations

from auditapp.domain.evidence import (
    DocumentReviewed,
    Evidence,
    Interview,
    Note,
    PhotoRef,
    Sample,
    SampledRecord,
    SamplingMethod,
)
from auditapp.domain.findings import FindingGrade
from auditapp.domain.plan import AuditType
from auditapp.domain.responses import Answer
from auditapp.services.labels import GRADE_LABEL

GRADE_ORDER: tuple[FindingGrade, ...] = (
    FindingGrade.MAJOR_NC,
    FindingGrade.MINOR_NC,
    FindingGrade.OBSERVATION,
    FindingGrade.OFI,
    FindingGrade.GOOD_PRACTICE,
)

GRADE_LABELS = {grade: GRADE_LABEL[grade.value] for grade in GRADE_ORDER}
"""The same words as both apps use (auditapp.services.labels)."""

GRADE_PLURALS = {
    FindingGrade.MAJOR_NC: "Major nonconformities",
    FindingGrade.MINOR_NC: "Minor nonconformities",
    FindingGrade.OBSERVATION: "Observations",
    FindingGrade.OFI: "Opportunities for improvement",
    FindingGrade.GOOD_PRACTICE: "Good practice",
}

GRADE_COLORS = {
    FindingGrade.MAJOR_NC: (198, 40, 40),
    FindingGrade.MINOR_NC: (239, 108, 0),
    FindingGrade.OBSERVATION: (249, 168, 37),
    FindingGrade.OFI: (2, 119, 189),
    FindingGrade.GOOD_PRACTICE: (46, 125, 50),
}

ANSWER_LABELS = {
    Answer.CONFORMING: "Conforming",
    Answer.NONCONFORMING: "Nonconforming",
    Answer.OBSERVATION: "Observation",
    Answer.NOT_APPLICABLE: "Not applicable",
    Answer.NOT_AUDITED: "Not audited",
}

AUDIT_TYPE_LABELS = {
    AuditType.INTERNAL: "Internal audit",
    AuditType.SUPPLIER: "Supplier audit",
    AuditType.STAGE1_MOCK: "Stage 1 mock audit (pre-certification)",
    AuditType.STAGE2_MOCK: "Stage 2 mock audit (pre-certification)",
}

METHOD_LABELS = {
    SamplingMethod.RANDOM: "random",
    SamplingMethod.SYSTEMATIC: "systematic",
    SamplingMethod.JUDGMENTAL: "judgmental",
}


def grade_label(grade: str) -> str:
    """The label of a grade given as text (unknown grades are shown as they are)."""
    try:
        return GRADE_LABELS[FindingGrade(grade)]
    except ValueError:
        return grade


def selection(sample: Sample) -> str:
    """How a sample's records were chosen, with what makes it reproducible (seed, start, reason)."""
    method = METHOD_LABELS[sample.method]
    if sample.method is SamplingMethod.RANDOM:
        return f"{method}, seed {sample.seed}"
    if sample.method is SamplingMethod.SYSTEMATIC:
        interval = sample.population_size // max(sample.sample_size, 1)
        return f"{method}, every {interval}th from position {sample.start}"
    return f"{method}: {sample.reason or 'no reason recorded'}"


def describe(evidence: Evidence, simulated: bool = False) -> str:
    """One line that says what a piece of evidence is."""
    if isinstance(evidence, Note):
        return f"Note: {evidence.text}"
    if isinstance(evidence, Interview):
        role = f", {evidence.role}" if evidence.role else ""
        asked = f"asked '{evidence.question}', answered '{evidence.answer}'"
        return f"Interview with {evidence.person}{role}: {asked}"
    if isinstance(evidence, PhotoRef):
        caption = f": {evidence.caption}" if evidence.caption else ""
        return f"Photo {evidence.sha256[:12]}{caption}"
    if isinstance(evidence, DocumentReviewed):
        title = f" ({evidence.title})" if evidence.title else ""
        return f"Document reviewed: {evidence.document_id} rev {evidence.revision}{title}"
    if isinstance(evidence, Sample):
        return (
            f"Sample of {evidence.sample_size} from {evidence.population_size} "
            f"({evidence.population_description}; {selection(evidence)})"
        )
    result = "conforms" if evidence.conforms else "does NOT conform"
    dated = f" dated {evidence.record_date}" if evidence.record_date else ""
    flag = " [simulated dry run]" if simulated else ""
    comment = f": {evidence.comment}" if evidence.comment else ""
    return f"Record {evidence.record_type} {evidence.identifier}{dated} {result}{flag}{comment}"


def is_record(evidence: Evidence) -> bool:
    """Whether the evidence is a sampled record."""
    return isinstance(evidence, SampledRecord)
