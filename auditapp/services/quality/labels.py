"""Plain-word labels of the store's codes (grades, statuses, decisions, stages, methods)."""

from __future__ import annotations

from auditapp.services.labels import GRADE_LABEL as GRADE_LABEL
from auditapp.services.labels import STAGE_LABEL as STAGE_LABEL
from auditapp.services.labels import STATUS_LABEL as STATUS_LABEL
from auditapp.services.labels import counted as counted
from auditapp.services.labels import label as label

GRADE_ORDER = tuple(GRADE_LABEL)
DECISION_LABEL = {
    "open_capa": "Open a CAPA",
    "link_capa": "Link to a CAPA",
    "correction_only": "Correction only",
    "no_action": "No action",
    "duplicate": "Duplicate",
    "rejected": "Reject",
}
STAGE_ORDER = tuple(STAGE_LABEL)
SORT_LABEL = {
    "newest": "Newest first",
    "oldest": "Oldest first",
    "grade": "Grade",
    "clause": "Clause",
    "site": "Site",
    "process": "Process",
    "audit": "Audit",
}
METHOD_LABEL = {
    "field_reverification": "Field re-verification",
    "record_review": "Record review",
    "metric": "Metric",
    "five_whys": "5 whys",
    "fishbone": "Fishbone",
    "other": "Other",
    "random": "Random",
    "systematic": "Systematic",
    "judgmental": "Judgmental",
}
ACTION_KIND_LABEL = {"correction": "Correction", "corrective": "Corrective", "preventive": "Preventive"}
ACTION_STATUS_LABEL = {
    "planned": "Planned",
    "in_progress": "In progress",
    "implemented": "Implemented",
    "cancelled": "Cancelled",
}
RESULT_LABEL = {
    "pending": "Pending",
    "passed": "Passed",
    "failed": "Failed",
    "effective": "Effective",
    "not_effective": "Not effective",
}
