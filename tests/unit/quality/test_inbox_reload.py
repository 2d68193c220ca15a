"""A browser reload reads the inbox page shown again and keeps what was selected on it (QAP-036)."""

from __future__ import annotations

from types import SimpleNamespace

import flet as ft
import pytest

from auditapp.services.quality.session import QualitySession
from auditapp.ui.quality.app import QualityApp
from auditapp.ui.quality.inbox import InboxScreen
from tests.unit.quality.capa_screen_driver import StandInPage, StraightRunner, drive, walk
from tests.unit.quality.fakes import FakeStore
from tests.unit.quality.test_triage_views import _finding


def _inbox(session: QualitySession) -> tuple[InboxScreen, QualityApp]:
    page = StandInPage()
    ctx = SimpleNamespace(
        page=page,
        session=session,
        runner=StraightRunner(session),
        can=session.abilities,
        toast=lambda _: None,
    )
    screen = InboxScreen(ctx)  # type: ignore[arg-type]
    app = QualityApp.__new__(QualityApp)  # the router alone: its page and the screen it shows
    app.page, app.shell, app.screen = page, object(), screen  # type: ignore[assignment]
    return screen, app


def _boxes(screen: InboxScreen) -> dict[str, bool]:
    """Each finding's selection box: ticked or not, by the finding's id."""
    ticked = {}
    for row in screen.rows.controls:
        for control in walk(row):
            if isinstance(control, ft.Checkbox):
                ticked[str(row.identifier or "")] = bool(control.value)  # type: ignore[attr-defined]
    return ticked


@pytest.mark.req("QAP-036")
def test_a_reload_reads_the_inbox_again_and_keeps_the_selection(
    session: QualitySession, store: FakeStore
) -> None:
    store.findings = [_finding(1), _finding(2), _finding(3)]
    screen, app = _inbox(session)
    drive(screen.load)
    screen.selected = {r.finding_id: r for r in screen.page_rows if r.finding_id in ("f1", "f2")}

    store.findings = [_finding(1), _finding(2), _finding(4)]  # f3 triaged elsewhere, f4 arrived
    drive(app.reconnected)
    assert [r.finding_id for r in screen.page_rows] == ["f1", "f2", "f4"]
    assert sorted(screen.selected) == ["f1", "f2"]
    assert _boxes(screen) == {"finding-f1": True, "finding-f2": True, "finding-f4": False}
    assert screen.bulk.visible

    store.findings = [_finding(2), _finding(4)]  # f1 gone as well: it cannot stay selected
    drive(app.reconnected)
    assert sorted(screen.selected) == ["f2"]

    drive(screen.load)  # opening the inbox (or new filters) starts with nothing selected
    assert screen.selected == {}
