"""A process audited by interview and observation, with no document read and no record sampled: seen, so a
Stage 2 matter, not the "no evidence at all" that keeps a site from Stage 1 (ADR 0093)."""

from __future__ import annotations

import io
import re

import flet as ft
import pytest
from pypdf import PdfReader

import checklists
from auditapp.domain import drafts
from auditapp.domain.clock import HybridClock
from auditapp.domain.events import DomainEvent, EventFactory, EventKind
from auditapp.domain.evidence import EvidenceTarget
from auditapp.domain.practice import under
from auditapp.domain.readiness import Light, ProcessState, Readiness, Verdict, assess
from auditapp.reports.charts import LIGHT_COLORS, hex_color
from auditapp.reports.library import standard_clauses
from auditapp.reports.readiness_json import readiness_from_dict, readiness_to_dict
from auditapp.reports.readiness_report import render_readiness_pdf
from auditapp.services.reporting import readiness_inputs
from auditapp.ui.readiness_view import traffic_lights
from tests.fixtures.reports.readiness_sites import Site, ready_site
from tests.support.controls import walk

TRAINING = "6.2"
TALKED = (
    "Competence and training: audited by interview and observation only (3 answers, 1 interview, "
    "2 observations): no record sampled to show it ran in the last 12 months"
)


def _training_item() -> checklists.Item:
    library = checklists.get_library_checklist("iso13485-2016")
    return next(i for i in library.items if under(i.clause, TRAINING))


def _without_training(site: Site, *, answers: bool) -> dict[str, list[DomainEvent]]:
    """The site's audits with the documents and records of training left out (and its answers, if asked)."""
    gone = {EventKind.DOCUMENT_REVIEWED, EventKind.RECORD_SAMPLED}
    if not answers:
        gone.add(EventKind.RESPONSE_RECORDED)
    return {
        audit_id: [
            e for e in events if not (e.kind in gone and under(e.payload.get("clause") or "", TRAINING))
        ]
        for audit_id, events in site.events.items()
    }


def _talk_only_site() -> tuple[Site, dict[str, list[DomainEvent]]]:
    """The ready site, except that training was audited by an interview, a note and a photo only."""
    site = ready_site()
    events = _without_training(site, answers=True)
    audit_id = sorted(events)[0]
    wall = iter(range(1_765_200_000_000, 1_765_300_000_000, 1000))
    factory = EventFactory("dev-talk", HybridClock("dev-talk", wall.__next__))
    item = _training_item()
    target = EvidenceTarget.item(item.id, item.clause)
    seen = [
        drafts.interview_recorded(
            "talk-int", target, "Tom", "Training lead", "How are operators trained?", "On the line, by me"
        ),
        drafts.note_added("talk-note", target, "Watched two operators being trained on SOP-14"),
        drafts.photo_attached(
            "talk-photo",
            target,
            sha256="a" * 64,
            thumbnail_sha256="a" * 64,
            width=640,
            height=480,
            captured_at="2025-12-08T10:00:00+00:00",
            gps=None,
            caption="Training matrix on the wall",
        ),
    ]
    events[audit_id] = [*events[audit_id], *(factory.make(audit_id, d.kind, d.payload) for d in seen)]
    return site, events


def _assess(site: Site, events: dict[str, list[DomainEvent]]) -> Readiness:
    inputs = readiness_inputs(
        events, site.name, site.as_of, standard_clauses(), site.capas, (), site.statuses
    )
    return assess(inputs)


def _training(result: Readiness):  # type: ignore[no-untyped-def]
    return next(p for p in result.processes if p.key == "training")


@pytest.mark.req("REP-009")
def test_a_process_audited_by_interview_and_observation_only_is_a_stage_2_reason() -> None:
    site, events = _talk_only_site()
    result = _assess(site, events)
    training = _training(result)
    assert training.state is ProcessState.AUDITED_WITHOUT_RECORDS
    assert training.light is Light.RED
    assert training.explanation == TALKED.split(": ", 1)[1]
    assert result.verdict is Verdict.READY_STAGE1
    assert [(r.blocks, r.text) for r in result.reasons] == [(2, TALKED)]


@pytest.mark.req("REP-009")
def test_a_process_nobody_looked_at_still_keeps_the_site_from_stage_1() -> None:
    site = ready_site()
    result = _assess(site, _without_training(site, answers=False))
    training = _training(result)
    assert training.state is ProcessState.NO_EVIDENCE
    assert result.verdict is Verdict.NOT_READY
    assert (1, "Competence and training: no document or record seen in any audit of the cycle") in [
        (r.blocks, r.text) for r in result.reasons
    ]


@pytest.mark.req("REP-008", "REP-010")
def test_the_new_state_reaches_the_json_the_pdf_and_the_screen_in_words_and_red() -> None:
    site, events = _talk_only_site()
    result = _assess(site, events)
    data = readiness_to_dict(result)
    shown = next(p for p in data["processes"] if p["key"] == "training")
    assert (shown["state"], shown["light"]) == ("audited_without_records", "red")
    assert readiness_from_dict(data) == result

    pdf = PdfReader(io.BytesIO(render_readiness_pdf(result)))
    text = re.sub(r"\s+", " ", " ".join(page.extract_text() or "" for page in pdf.pages))
    assert "Ready for Stage 1" in text
    assert "audited by interview and observation only (3 answers, 1 interview, 2 observations)" in text
    assert "audited by interview or observation only" in text  # the legend says what red covers

    lights = [c for c in walk(traffic_lights(result)) if isinstance(c, ft.Container) and c.tooltip]
    assert len(lights) == len(result.processes)
    light = lights[[p.key for p in result.processes].index("training")]
    assert light.bgcolor == hex_color(LIGHT_COLORS[Light.RED])
    assert light.tooltip == "audited, but no record sampled"
