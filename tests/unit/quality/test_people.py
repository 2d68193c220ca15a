"""People by their printed name (QAP-038): the helper, the directory read from the store, and screens that
name owners, deciders, reopeners and publishers as "Printed Name (username)"."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import Any

import pytest

from auditapp.services.quality import people
from auditapp.services.quality.capa_views import CheckView, Reopening
from auditapp.services.quality.checklists import rows_from
from auditapp.services.quality.effectiveness import Calendar, Month, ReopenedCapa
from auditapp.services.quality.errors import CentralApiError
from auditapp.services.quality.port import Json, QualityApi
from auditapp.services.quality.session import Done, NeedsSignIn, QualitySession
from auditapp.ui.quality.capa_board import BoardScreen
from auditapp.ui.quality.checklists import ChecklistsScreen
from auditapp.ui.quality.effectiveness import EffectivenessScreen
from tests.support.controls import texts
from tests.unit.quality.conftest import PASSWORD
from tests.unit.quality.fakes import FakeApi, FakeStore, MemoryPrefs

DIRECTORY = [
    {"username": "avery", "display_name": "Avery Auditor"},
    {"username": "owen", "display_name": "Owen Owner"},
    {"username": "quinn", "display_name": "Quinn Quality"},
    {"username": "rob", "display_name": ""},
]


class DirectoryApi(FakeApi):
    """The fake store with the people directory; `offered` False answers as a store from before it."""

    offered = True

    def people(self) -> list[Json]:
        self._gate("people")
        if not self.offered:
            raise CentralApiError(
                "the central store at http://store.test does not offer /api/people", "http_404", 404
            )
        return [dict(p) for p in DIRECTORY]


def _session(store: FakeStore, api: type[DirectoryApi] = DirectoryApi) -> QualitySession:
    signed = QualitySession(lambda url: api(store, url), MemoryPrefs())
    assert isinstance(signed.sign_in("http://store.test", "quinn", PASSWORD), Done)
    return signed


class _Runner:
    """Runs a screen's work straight through the session, as the app's runner does in a worker thread."""

    def __init__(self, session: QualitySession):
        self.session = session

    async def run(self, work: Callable[[QualityApi], Any], *, doing: str, error: object = None) -> Any:
        outcome = self.session.attempt(work)
        return outcome.value if isinstance(outcome, Done) else None


def _ctx(session: QualitySession) -> Any:
    return SimpleNamespace(
        can=SimpleNamespace(publish_checklists=False), runner=_Runner(session), page=None, session=session
    )


def _load(screen: Any) -> None:
    """A screen's load with no page, in a thread of its own (a browser test may hold this one's loop)."""
    with ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, screen.load()).result()


@pytest.mark.req("QAP-038")
@pytest.mark.parametrize(
    ("username", "shown"),
    [
        ("avery", "Avery Auditor (avery)"),
        (" owen ", "Owen Owner (owen)"),
        ("rob", "rob"),  # created without a printed name
        ("system", "system"),  # not a person of the directory
        ("", ""),
    ],
)
def test_a_username_is_shown_with_its_printed_name_or_as_it_is(username: str, shown: str) -> None:
    assert people.people_from(DIRECTORY).name(username) == shown
    assert people.NOBODY.name(username) == username.strip()


@pytest.mark.req("QAP-038")
def test_the_directory_is_read_from_the_store_and_an_older_store_leaves_usernames(store: FakeStore) -> None:
    read = _session(store).attempt(people.load_people)
    assert isinstance(read, Done)
    assert read.value.name("quinn") == "Quinn Quality (quinn)"

    class OlderStore(DirectoryApi):
        offered = False

    older = _session(store, OlderStore).attempt(people.load_people)
    assert isinstance(older, Done)
    assert older.value == people.NOBODY


@pytest.mark.req("QAP-038")
def test_an_expired_sign_in_while_reading_the_directory_asks_for_the_password(store: FakeStore) -> None:
    session = _session(store)
    store.expire_next = True
    assert isinstance(session.attempt(people.load_people), NeedsSignIn)
    assert isinstance(session.sign_in_again(PASSWORD), Done)


@pytest.mark.req("QAP-038")
def test_the_board_names_each_owner_by_printed_name(store: FakeStore) -> None:
    store.capas = {
        "c1": {"id": "c1", "title": "Gowning log unsigned", "stage": "open", "owner": "owen", "actions": []},
        "c2": {"id": "c2", "title": "Label template", "stage": "action", "owner": "", "actions": []},
    }
    screen = BoardScreen(_ctx(_session(store)))
    _load(screen)
    shown = texts(screen.control)
    assert "Owner: Owen Owner (owen)" in shown
    assert "Owner: not assigned" in shown
    assert ("people", None) in store.calls


@pytest.mark.req("QAP-038")
def test_effectiveness_results_and_reopenings_name_who_decided_and_reopened(store: FakeStore) -> None:
    check = CheckView(
        check_id="k1",
        capa_id="c1",
        capa_title="Gowning",
        criterion="No unsigned page in 30 days",
        method="record_review",
        window_start=dt.date(2026, 12, 1),
        window_end=dt.date(2026, 12, 31),
        result="failed",
        comment="2 pages unsigned",
        evidence=(),
        decided_by="quinn",
        decided_at="2026-12-20 10:00",
        round=0,
        current=True,
    )
    reopening = Reopening("2026-12-20 10:00", "check_failed", "avery", "", "", ())
    screen = EffectivenessScreen(_ctx(_session(store)))
    screen.people = people.people_from(DIRECTORY)
    reopened = ReopenedCapa("c1", "Gowning", "Reopened", (reopening,))
    calendar = Calendar((Month("December 2026", (check,)),), {"failed": 1}, (reopened,))
    screen._render(calendar)
    shown = texts(screen.control)
    assert "Result: 2 pages unsigned (Quinn Quality (quinn) 2026-12-20 10:00)" in shown
    assert "2026-12-20 10:00 · check failed · by Avery Auditor (avery)" in shown


@pytest.mark.req("QAP-038")
def test_the_checklists_screen_names_who_published_each_version(store: FakeStore) -> None:
    row = {"checklist_id": "walk", "version": "2.1", "title": "Walk", "published_by": "quinn", "new": False}
    screen = ChecklistsScreen(_ctx(_session(store)))
    screen.people = people.people_from(DIRECTORY)
    screen._render(rows_from([row]))
    cells = [c.content.value for t in screen.table.controls for r in t.rows for c in r.cells]  # type: ignore[attr-defined]
    assert "Quinn Quality (quinn)" in cells
    told = rows_from([row])[0].outcome_naming(screen.people)
    assert told.endswith("by Quinn Quality (quinn); nothing was sent again.")
