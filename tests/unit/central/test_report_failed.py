"""A report the central store cannot draw is said in the report's own words, not "try again"."""

from __future__ import annotations

import json

import pytest

from auditapp.central.errors import ApiError
from auditapp.central.report_routes import _drawn
from auditapp.client.central_api import CentralApi
from auditapp.reports.document import ReportError
from sync.transport import Response

WORDS = (
    "the PDF report of audit A-1 could not be drawn (ValueError: a layout defect). Its CSV export holds it."
)


def _fails(_: object) -> bytes:
    raise ReportError(WORDS) from ValueError("a layout defect")


@pytest.mark.req("REP-002")
def test_a_report_that_cannot_be_drawn_is_answered_report_failed_with_its_words() -> None:
    with pytest.raises(ApiError) as refused:
        _drawn(_fails, None)
    assert (refused.value.status, refused.value.code, refused.value.message) == (500, "report_failed", WORDS)
    assert _drawn(lambda source: b"%PDF " + bytes(source), b"x") == b"%PDF x"


@pytest.mark.req("REP-002")
def test_the_apps_show_the_reports_words_not_try_again() -> None:
    body = json.dumps({"error": {"code": "report_failed", "message": WORDS}}).encode()
    error = CentralApi("http://store.invalid")._refusal("/api/audits/A-1/report", Response(500, body))
    assert str(error) == WORDS
    other = CentralApi("http://store.invalid")._refusal("/api/capas", Response(500, b"{}"))
    assert "try again" in str(other)
