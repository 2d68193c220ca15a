"""Review fixes of the quality app: a photo not received yet hides no other photo (QAP-021, QAP-020);
inbox paging follows the applied filters (QAP-020); "Duplicate of" offers every finding on the clause
(QAP-022); a CAPA owner is shown only the forms the store accepts from them (QAP-002, CAP-009)."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Coroutine
from types import SimpleNamespace
from typing import Any

import flet as ft
import pytest

from auditapp.central.capa_service import may_work
from auditapp.central.capa_tables import CapaActionRow, CapaRow
from auditapp.central.deps import Action, allowed
from auditapp.central.errors import ApiError
from auditapp.central.tables import User
from auditapp.services.quality import capa_views, triage
from auditapp.services.quality.errors import CentralApiError
from auditapp.services.quality.finding_view import NOT_RECEIVED
from auditapp.services.quality.roles import ROLES, abilities, capa_rights
from auditapp.services.quality.session import Done, QualitySession
from auditapp.ui.quality.finding import FindingScreen
from auditapp.ui.quality.inbox import InboxScreen
from tests.unit.quality.capa_screen_driver import StandInPage, StraightRunner, capa_screen, drive, texts, walk
from tests.unit.quality.conftest import PASSWORD
from tests.unit.quality.fakes import FakeApi, FakeStore, MemoryPrefs
from tests.unit.quality.test_capa_views import _capa
from tests.unit.quality.test_triage_views import _finding

HERE, LATE = "a" * 64, "b" * 64


class PhotoLagsApi(FakeApi):
    """A store that has received the photo HERE but not yet LATE (it arrives when the tablet syncs)."""

    def photo(self, sha256: str, thumbnail: bool = False) -> bytes:
        self._gate("photo", (sha256, thumbnail))
        if sha256 == LATE:
            raise CentralApiError(
                f"the photo {sha256} has not arrived from the field device yet", "photo_not_received", 404
            )
        return b"\x89PNG " + sha256[:1].encode()


class TaskPage(StandInPage):
    """A stand-in page that keeps the background tasks with their arguments, to run them when asked."""

    def __init__(self) -> None:
        super().__init__()
        self.queued: list[tuple[Callable[..., Coroutine[Any, Any, None]], tuple[Any, ...]]] = []

    def run_task(self, task: Callable[..., Coroutine[Any, Any, None]], *args: Any) -> None:
        self.queued.append((task, args))

    def run_queued(self) -> None:
        while self.queued:
            task, args = self.queued.pop(0)
            drive(functools.partial(task, *args))


def _signed_in(store: FakeStore, username: str, api: type[FakeApi] = FakeApi) -> QualitySession:
    session = QualitySession(lambda url: api(store, url), MemoryPrefs())
    assert isinstance(session.sign_in("http://store.test", username, PASSWORD), Done)
    return session


def _ctx(session: QualitySession, page: StandInPage) -> Any:
    return SimpleNamespace(
        page=page,
        session=session,
        runner=StraightRunner(session),
        can=session.abilities,
        toast=lambda _: None,
    )


def _photo(sha: str, caption: str) -> dict[str, object]:
    return {"id": f"e-{caption}", "kind": "photo", "sha256": sha, "caption": caption}


def _named(control: object) -> dict[str, object]:
    """The controls with a stable handle inside a control, by handle."""
    return {str(getattr(c, "identifier", "")): c for c in walk(control) if getattr(c, "identifier", None)}


# ------------------------------------------------------------------ 1. photos not received yet
@pytest.mark.req("QAP-021")
def test_a_photo_not_received_yet_is_named_and_the_findings_other_photos_show(store: FakeStore) -> None:
    store.findings = [_finding(1, evidence=[_photo(HERE, "Gowning log"), _photo(LATE, "Airlock door")])]
    session = _signed_in(store, "quinn", PhotoLagsApi)
    page = TaskPage()
    screen = FindingScreen(_ctx(session, page), finding_id="f1")
    drive(screen.load)
    page.run_queued()

    shown = _named(screen.photos)
    images = [c for c in walk(shown["photo-1"]) if isinstance(c, ft.Image)]
    assert [i.src for i in images] == [b"\x89PNG a"]
    assert "photo-2" not in shown
    assert texts(shown["photo-2-missing"]) == ["Airlock door", NOT_RECEIVED]
    assert NOT_RECEIVED == "Photo not received yet: it arrives when the auditor's tablet syncs"
    assert not [c for c in walk(screen.photos) if isinstance(c, ft.ProgressRing)]  # no endless spinner
    assert session.attempt(lambda api: None) == Done(None)  # nothing failed: no error was shown


@pytest.mark.req("QAP-021")
def test_photos_the_store_cannot_give_leave_no_spinner_turning(store: FakeStore) -> None:
    store.findings = [_finding(1, evidence=[_photo(HERE, "Gowning log")])]
    session = _signed_in(store, "quinn", PhotoLagsApi)
    page = TaskPage()
    screen = FindingScreen(_ctx(session, page), finding_id="f1")
    drive(screen.load)
    store.down = True
    page.run_queued()
    assert not [c for c in walk(screen.photos) if isinstance(c, ft.ProgressRing)]
    assert texts(screen.photos) == ["Gowning log", "Photo could not be loaded (see the message below)"]


@pytest.mark.req("QAP-020")
def test_one_thumbnail_not_received_yet_hides_no_other_thumbnail_of_the_inbox_page(store: FakeStore) -> None:
    store.findings = [
        _finding(1, evidence=[_photo(HERE, "Gowning log")]),
        _finding(2, evidence=[_photo(LATE, "Airlock door"), _photo(HERE, "Airlock log")]),
    ]
    session = _signed_in(store, "quinn", PhotoLagsApi)
    page = TaskPage()
    screen = InboxScreen(_ctx(session, page))
    drive(screen.load)
    page.run_queued()

    def shown(finding_id: str) -> list[str]:
        """Each thumbnail of a row: "image", or the words of the box shown in its place."""
        return [
            "image" if isinstance(c, ft.Image) else str(getattr(c, "tooltip", ""))
            for c in walk(screen.thumbs[finding_id])
            if isinstance(c, ft.Image) or getattr(c, "tooltip", None)
        ]

    assert shown("f1") == ["image"]
    assert shown("f2") == [NOT_RECEIVED, "image"]
    assert "thumbnail-missing" in _named(screen.thumbs["f2"])
    assert getattr(screen.ctx.runner, "failures", None) == []


# ------------------------------------------------------------------ 2. inbox paging
def _button(screen: InboxScreen, text: str) -> ft.OutlinedButton:
    return next(c for c in screen.pager.controls if isinstance(c, ft.OutlinedButton) and c.content == text)


def _press(screen: InboxScreen, text: str) -> None:
    """Press a pager button: its handler without the page refresh Flet's context would send."""
    handler: Any = _button(screen, text).on_click
    if inspect.ismethod(handler):
        bare: Any = inspect.unwrap(handler.__func__)
        drive(functools.partial(bare, handler.__self__, None))
    else:
        drive(functools.partial(inspect.unwrap(handler), None))


def _asked(store: FakeStore) -> Any:
    """The query, cursor and size of the last page the screen asked the store for."""
    name, args = store.calls[-1]
    assert name == "findings"
    return args


def _page_line(screen: InboxScreen) -> str:
    return next(t for t in texts(screen.pager) if t.startswith("Page "))


@pytest.mark.req("QAP-020")
def test_next_page_follows_the_applied_filters_not_ones_changed_without_apply(
    session: QualitySession, store: FakeStore
) -> None:
    store.findings = [_finding(n) for n in range(1, 40)]
    screen = InboxScreen(_ctx(session, StandInPage()))
    drive(screen.load)
    applied = _asked(store)[0]
    assert applied == {"status": "new", "sort": "newest"}

    screen.sort.value, screen.status.value, screen.clause.value = "oldest", "any", "7.5"
    _press(screen, "Next page")
    assert _asked(store) == (applied, "25", 25)
    assert [r.finding_id for r in screen.page_rows] == [f"f{n}" for n in range(26, 40)]
    assert _page_line(screen) == "Page 2 · 14 findings"
    assert "filters-not-applied" in _named(screen.pager)
    # what the user chose is still in the bar, to apply when they want
    assert (screen.sort.value, screen.status.value, screen.clause.value) == ("oldest", "any", "7.5")

    _press(screen, "Previous page")
    assert _asked(store) == (applied, None, 25)
    assert _page_line(screen).startswith("Page 1 ·")


@pytest.mark.req("QAP-020")
def test_a_failed_next_page_leaves_the_page_and_its_number_as_they_were(
    session: QualitySession, store: FakeStore
) -> None:
    store.findings = [_finding(n) for n in range(1, 80)]
    screen = InboxScreen(_ctx(session, StandInPage()))
    drive(screen.load)
    store.down = True
    _press(screen, "Next page")
    assert screen.filter_error.visible
    assert "cannot be reached" in str(screen.filter_error.value)
    assert _page_line(screen).startswith("Page 1 ·")
    assert screen.page_rows[0].finding_id == "f1"

    store.down = False
    _press(screen, "Next page")
    assert _page_line(screen).startswith("Page 2 ·")
    assert screen.page_rows[0].finding_id == "f26"
    _press(screen, "Next page")
    assert _page_line(screen).startswith("Page 3 ·")
    _press(screen, "Previous page")
    assert _page_line(screen).startswith("Page 2 ·")
    assert screen.page_rows[0].finding_id == "f26"


@pytest.mark.req("QAP-020")
def test_filters_the_store_refuses_keep_the_list_and_paging_of_the_last_applied_ones(
    session: QualitySession, store: FakeStore
) -> None:
    store.findings = [_finding(n) for n in range(1, 40)]
    screen = InboxScreen(_ctx(session, StandInPage()))
    drive(screen.load)
    screen.older.value = "two weeks"
    drive(screen.load)  # what Apply filters does
    assert str(screen.filter_error.value).startswith("Older than (days):")
    assert screen.older.value == "two weeks"
    _press(screen, "Next page")
    assert _asked(store) == ({"status": "new", "sort": "newest"}, "25", 25)
    assert _page_line(screen).startswith("Page 2 ·")


# ------------------------------------------------------------------ 3. duplicate of
@pytest.mark.req("QAP-022")
@pytest.mark.parametrize("count", [30, 450])
def test_duplicate_of_offers_every_finding_on_the_clause_down_to_the_oldest(
    session: QualitySession, store: FakeStore, count: int
) -> None:
    store.findings = [_finding(n) for n in range(count, 0, -1)]  # newest first, as the store sends them
    store.findings.append(_finding(999, clause="7.5.1"))
    found = session.attempt(lambda api: triage.duplicate_candidates(api, f"f{count}", "6.4.1"))
    assert isinstance(found, Done)
    keys = [c.key for c in found.value]
    assert keys[-1] == "f1"  # the original, the oldest, is offered
    assert len(keys) == count - 1
    assert f"f{count}" not in keys


# ------------------------------------------------------------------ 4. CAPA forms by role and ownership
def _forms(screen: Any) -> set[str]:
    return {name for name in _named(screen.body) if name.startswith("form-")}


SECTION_FORMS = {
    "form-problem",
    "form-containment",
    "form-root-cause",
    "form-new-action",
    "form-document-update",
    "form-communication",
    "form-verification",
}
MANAGER_FORMS = {"form-assign", "form-new-check", "form-result-k1"}


def _capa_with_check(capa_id: str, owner: str) -> dict[str, object]:
    check = {
        "id": "k1",
        "criterion": "No unsigned page in the next 30 days",
        "method": "record_review",
        "window_start": "2026-12-01",
        "window_end": "2026-12-31",
        "result": "pending",
        "round": 0,
    }
    return {**_capa(capa_id, owner=owner), "effectiveness_checks": [check]}


@pytest.mark.req("QAP-002")
@pytest.mark.req("CAP-009")
def test_a_capa_owner_is_shown_only_the_forms_the_store_accepts_from_them(store: FakeStore) -> None:
    store.capas["mine"] = _capa_with_check("mine", owner="owen")
    store.capas["theirs"] = _capa_with_check("theirs", owner="quinn")  # its action a2 is owen's
    owen = _signed_in(store, "owen", FakeApi)

    screen, _, _ = capa_screen(owen, "mine")
    drive(screen.load)
    assert _forms(screen) == SECTION_FORMS | {"form-progress-a1", "form-progress-a2"}
    assert not allowed("capa_owner", Action.CAPA_MANAGE)  # why no check is offered to plan

    screen, _, _ = capa_screen(owen, "theirs")
    drive(screen.load)
    assert _forms(screen) == {"form-progress-a2"}

    quinn = _signed_in(store, "quinn", FakeApi)
    screen, _, _ = capa_screen(quinn, "mine")
    drive(screen.load)
    assert _forms(screen) == SECTION_FORMS | MANAGER_FORMS | {"form-progress-a1", "form-progress-a2"}


def _may_work(role: str, owns: str, action: bool) -> bool:
    user = User(id="u-me", username="me", role=role)
    row = CapaRow(id="c1", owner_id="u-me" if owns == "capa" else "u-other")
    act = CapaActionRow(id="a1", capa_id="c1", owner_id="u-me" if owns == "action" else "u-other")
    try:
        may_work(user, row, act if action else None)
    except ApiError:
        return False
    return True


@pytest.mark.req("QAP-002")
@pytest.mark.req("CAP-009")
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("owns", ["capa", "action", "nothing"])
def test_the_capa_forms_shown_are_those_the_stores_policy_accepts(role: str, owns: str) -> None:
    item = _capa("c1", owner="me" if owns == "capa" else "someone")
    item["actions"] = [{"id": "a1", "kind": "corrective", "owner": "me" if owns == "action" else "someone"}]
    view = capa_views.capa_view(item)
    rights = capa_rights(abilities(role), view, "me")
    work = allowed(role, Action.CAPA_WORK)
    assert rights.manage == allowed(role, Action.CAPA_MANAGE)
    assert rights.sections == (work and _may_work(role, owns, action=False))
    assert rights.progress("a1") == (work and _may_work(role, owns, action=True))
    closed = capa_rights(abilities(role), capa_views.capa_view({**item, "stage": "closed"}), "me")
    assert (closed.manage, closed.sections, closed.progress("a1")) == (False, False, False)
