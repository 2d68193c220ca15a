"""Plain words for the store's codes, as the field app shows earlier findings and open CAPAs."""

from __future__ import annotations

import pytest

from auditapp.services.labels import GRADE_LABEL, STAGE_LABEL, STATUS_LABEL, counted, finding_state, label


@pytest.mark.req("FLD-108")
@pytest.mark.parametrize(
    ("status", "stage", "shown"),
    [
        ("new", None, "New"),
        ("capa", "reopened", "In a CAPA, CAPA stage Reopened"),
        ("no_action", None, "No action"),
        ("closed", "closed", "Closed, CAPA stage Closed"),
    ],
)
def test_a_findings_state_reads_as_words(status: str, stage: str | None, shown: str) -> None:
    assert finding_state(status, stage) == shown


def test_a_code_from_a_newer_store_still_reads_without_underscores() -> None:
    assert label(STATUS_LABEL, "under_review") == "under review"
    assert label(GRADE_LABEL, "minor_nc") == "Minor nonconformity"


def test_the_quality_app_and_the_field_app_share_one_set_of_words() -> None:
    from auditapp.services.quality import labels as quality

    assert (quality.GRADE_LABEL, quality.STATUS_LABEL, quality.STAGE_LABEL) == (
        GRADE_LABEL,
        STATUS_LABEL,
        STAGE_LABEL,
    )


def test_counts_take_the_noun_in_the_right_number() -> None:
    assert counted(1, "finding") == "1 finding"
    assert counted(3, "finding") == "3 findings"
    assert counted(0, "CAPA") == "0 CAPAs"
    assert counted(2, "analysis", "analyses") == "2 analyses"
