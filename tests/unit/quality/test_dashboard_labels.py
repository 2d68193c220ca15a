"""The dashboard's chart labels stay readable with realistic figures: many clauses, long process names and
twenty recent audits, in a 1280-1440 px window (QAP-050)."""

from __future__ import annotations

import flet as ft
import pytest

from auditapp.services.quality import dashboard
from auditapp.services.quality.dashboard import (
    CHAR_PX,
    NAME_LINES,
    NAME_WIDTH,
    PANEL_WIDTH,
    WIDE_NAME_WIDTH,
    WIDE_WIDTH,
    axis_for,
    columns_fit,
    dashboard_from,
    fit_name,
)
from auditapp.ui.quality.dashboard import bar_chart, stacked_audits
from tests.support.controls import walk

CLAUSES = [
    "7.5.1", "6.2", "8.2.4", "7.4.1", "4.2.4", "8.5.2", "7.5.6", "6.4.1",
    "7.3.3", "8.3.1", "7.6", "4.2.5", "7.5.8", "8.2.1", "5.6.2",
]  # fmt: skip
PROCESSES = [
    "Production and Service Controls",
    "Measurement Analysis and Improvement",
    "Medical Device Adverse Events and Advisory Notices Reporting",
    "Device Marketing Authorization and Facility Registration",
    "Design and Development",
    "Management",
    "Purchasing",
]
TITLES = [
    "Internal audit: production and CAPA", "Follow-up audit: line 2 and labelling",
    "Supplier audit: sterilisation contractor, Building 4 autoclaves and load release",
    "Cleanroom walk", "Stage 2 rehearsal, whole QMS", "Warehouse and distribution",
    "Design transfer review, catheter line", "Complaint handling and vigilance", "Calibration lab",
    "Internal audit Q3: purchasing and suppliers", "Training records spot check", "Software validation (ERP)",
    "Packaging line 4", "Incoming inspection", "Management review follow-up",
    "Internal audit Q4: document control", "Sterile barrier validation", "Service and installation",
    "Risk management file review", "Label control",
]  # fmt: skip
NAV_AND_PADDING_PX = 211 + 2 * 16 + 2 * 10  # navigation and its divider, the body's and the page's padding


def _metrics() -> dict[str, object]:
    return {
        "as_of": "2026-12-10T09:00:00+00:00",
        "open_capas_by_stage": {
            "open": 3,
            "investigation": 5,
            "action": 7,
            "verification": 2,
            "effectiveness": 4,
            "reopened": 1,
        },
        "capa_age": {"0-30 days": 6, "31-60 days": 5, "61-90 days": 4, "over 90 days": 17},
        "repeat_findings_by_clause": {c: 15 - i for i, c in enumerate(CLAUSES)},
        "repeat_findings_by_process": {p: 9 - i for i, p in enumerate(PROCESSES)},
        "findings_per_audit_by_grade": {"major_nc": 0.4, "minor_nc": 2.3, "observation": 1.6, "ofi": 0.9},
        "recent_audits": [
            {
                "audit_id": f"a{i}",
                "title": t,
                "site": "Plant 1",
                "grades": {"minor_nc": 1 + i % 4, "ofi": i % 2},
            }
            for i, t in enumerate(TITLES)
        ],
    }


def _fits(label: str, width: float) -> bool:
    lines = label.split("\n")
    return len(lines) <= NAME_LINES and all(len(line) * CHAR_PX <= width for line in lines)


@pytest.mark.req("QAP-050")
def test_every_name_beside_a_bar_fits_its_room_and_is_whole_in_words() -> None:
    board = dashboard_from(_metrics())
    for series in (board.stages, board.repeats_by_clause, board.repeats_by_process, board.per_audit_by_grade):
        rows = series.rows()
        assert rows, series.title
        for bar in rows:
            assert _fits(bar.label, NAME_WIDTH), (series.title, bar.label)
            assert f"{bar.name} {dashboard.number(bar.value)}" in series.spoken
            assert bar.tooltip.startswith(bar.name)
            if bar.label.replace("\n", " ") != bar.name:  # cut to fit: an ellipsis says so
                assert bar.label.endswith("…")
    for audit in board.audits:
        assert _fits(audit.label, WIDE_NAME_WIDTH), audit.label
        assert audit.title in board.audits_spoken
    by_process = {bar.name: bar.label for bar in board.repeats_by_process.rows()}
    assert by_process["Production and Service Controls"] == "Production and Service\nControls"
    assert by_process["Medical Device Adverse Events and Advisory Notices Reporting"] == (
        "Medical Device Adverse\nEvents and Advisory…"
    )


@pytest.mark.req("QAP-050")
def test_names_under_columns_would_overlap_so_only_the_age_buckets_are_columns() -> None:
    board = dashboard_from(_metrics())
    plot = PANEL_WIDTH - 2 * 12 - 36  # the panel's padding and the value axis
    assert columns_fit([name for name, _ in board.age.bars], plot)
    assert not columns_fit(PROCESSES, plot)  # what the dashboard showed before: names over each other
    assert not columns_fit([t for t in TITLES], WIDE_WIDTH)
    age = axis_for(board.age.peak)
    assert (age.top, age.step) == (20, 5)  # whole-number labels, never 19.55 wrapped under the title
    for peak in (1, 3, 7, 12, 17.25, 48, 301):
        axis = axis_for(peak)
        assert axis.top >= peak
        assert axis.top / axis.step <= 5
        assert float(axis.step).is_integer()


@pytest.mark.req("QAP-050")
def test_two_panels_fit_side_by_side_in_a_1280_px_window() -> None:
    assert WIDE_WIDTH == 2 * PANEL_WIDTH + 16
    assert WIDE_WIDTH <= 1280 - NAV_AND_PADDING_PX


@pytest.mark.req("QAP-050")
def test_clauses_beyond_the_eight_drawn_are_still_given_in_words() -> None:
    clauses = dashboard_from(_metrics()).repeats_by_clause
    assert [name for name, _ in clauses.bars] == CLAUSES[:8]
    assert clauses.spoken.endswith(
        "6.4.1 8; 7 more, not drawn: 7.3.3 7, 8.3.1 6, 7.6 5, 4.2.5 4, 7.5.8 3, 8.2.1 2, 5.6.2 1"
    )


@pytest.mark.req("QAP-050")
def test_the_charts_write_the_fitted_names_and_keep_the_whole_ones_in_tooltips() -> None:
    board = dashboard_from(_metrics())
    chart = bar_chart(board.repeats_by_process)
    texts = [str(c.value) for c in walk(chart) if isinstance(c, ft.Text)]
    tips = [str(c.tooltip) for c in walk(chart) if isinstance(c, ft.Container) and c.tooltip]
    for bar in board.repeats_by_process.rows():
        assert bar.label in texts
        assert bar.name in tips
    audits = stacked_audits(board)
    texts = [str(c.value) for c in walk(audits) if isinstance(c, ft.Text)]
    assert [a.label for a in board.audits] == [t for t in texts if not t.isdigit()]


@pytest.mark.req("QAP-050")
@pytest.mark.parametrize(
    ("name", "width", "label"),
    [
        ("7.5.1", NAME_WIDTH, "7.5.1"),
        ("Purchasing", NAME_WIDTH, "Purchasing"),
        ("Device Marketing Authorization and Facility Registration", NAME_WIDTH,
         "Device Marketing\nAuthorization and Facility…"),
        ("X" * 70, NAME_WIDTH, "X" * 27 + "\n" + "X" * 26 + "…"),
        ("", NAME_WIDTH, ""),
    ],
)  # fmt: skip
def test_a_name_is_wrapped_at_spaces_and_cut_with_an_ellipsis(name: str, width: float, label: str) -> None:
    assert fit_name(name, width) == label
