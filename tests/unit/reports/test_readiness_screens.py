"""Both apps' readiness screens: the verdict, the lights and the heatmap as controls, and refusals shown."""

from __future__ import annotations

import flet as ft
import pytest

from auditapp.domain.errors import AuditAppError
from auditapp.domain.readiness import Light, Readiness, assess
from auditapp.reports.charts import LIGHT_COLORS, hex_color
from auditapp.reports.library import standard_clauses
from auditapp.services.reporting import readiness_inputs
from auditapp.ui.field.readiness import readiness_screen as field_screen
from auditapp.ui.quality.readiness import readiness_screen as quality_screen
from tests.fixtures.reports.readiness_sites import Site, documents_only_site, ready_site
from tests.support.controls import texts, walk


def _assess(site: Site) -> Readiness:
    return assess(readiness_inputs(site.events, site.name, site.as_of, standard_clauses(), site.capas))


def _colours(control: object) -> list[str]:
    return [str(c.bgcolor) for c in walk(control) if isinstance(c, ft.Container) and c.bgcolor]


@pytest.mark.req("REP-010")
def test_the_field_screen_shows_the_verdict_lights_and_heatmap_of_the_chosen_site() -> None:
    paper, ready = documents_only_site(), ready_site()
    results = {paper.name: _assess(paper), ready.name: _assess(ready)}
    screen = field_screen([paper.name, ready.name], results.__getitem__)
    assert "Not ready" in texts(screen)
    colours = _colours(screen)
    assert colours.count(hex_color(LIGHT_COLORS[Light.RED])) >= 12  # a red light per unproven process
    cells = [
        c for c in walk(screen) if isinstance(c, ft.Container) and c.tooltip and "answer(s)" in str(c.tooltip)
    ]
    assert len(cells) == len(results[paper.name].grid.rows) * 12
    dropdown = next(c for c in walk(screen) if isinstance(c, ft.Dropdown))
    dropdown.value = ready.name
    dropdown.on_select(None)  # type: ignore[misc]
    assert "Ready for Stage 2" in texts(screen)
    assert hex_color(LIGHT_COLORS[Light.RED]) not in _colours(screen)


@pytest.mark.req("REP-010")
def test_the_quality_screen_keeps_the_site_typed_when_the_store_refuses() -> None:
    site = ready_site()
    answers: list[object] = [AuditAppError("the central store cannot be reached"), _assess(site)]

    def load(name: str) -> Readiness:
        assert name == site.name
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer  # type: ignore[return-value]

    screen = quality_screen(load)
    field = next(c for c in walk(screen) if isinstance(c, ft.TextField))
    button = next(c for c in walk(screen) if isinstance(c, ft.FilledButton))
    field.value = site.name
    button.on_click(None)  # type: ignore[misc]
    assert "the central store cannot be reached" in texts(screen)
    assert field.value == site.name
    button.on_click(None)  # type: ignore[misc]
    shown = texts(screen)
    assert "Ready for Stage 2" in shown
    error = next(c for c in walk(screen) if isinstance(c, ft.Text) and c.color == ft.Colors.RED_700)
    assert error.visible is False
