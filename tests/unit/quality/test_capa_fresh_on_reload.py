"""Opening or reloading a CAPA shows what the store holds now: a browser reload reads it again, its forms
follow the store wherever the user has not typed, and an earlier read never covers a later save."""

from __future__ import annotations

import pytest

from auditapp.services.quality import capa_views, capa_work
from auditapp.services.quality.capa_views import CapaView
from auditapp.services.quality.session import QualitySession
from auditapp.ui.quality.app import QualityApp
from auditapp.ui.quality.capa_sections import CapaForms
from tests.unit.quality.capa_screen_driver import capa_screen, drive, texts
from tests.unit.quality.fakes import FakeStore
from tests.unit.quality.test_capa_gates_record import DONE_ACTION, _capa

CHANGED = "Pages left unsigned on the late shift and on weekends"


@pytest.mark.req("QAP-036")
@pytest.mark.parametrize(
    ("typed", "shown", "stored", "held"),
    [
        ({"a": "old"}, {"a": "old"}, {"a": "new"}, {"a": "new"}),  # untouched: follows the store
        ({"a": "mine"}, {"a": "old"}, {"a": "new"}, {"a": "mine"}),  # typed: kept
        ({"a": "old "}, {"a": "old"}, {"a": "new"}, {"a": "new"}),  # a stray space is not typing
        ({"a": ""}, {}, {"a": "new"}, {"a": "new"}),  # never filled: the store's value
        ({"a": "new"}, {"a": "old"}, {"a": "new"}, {"a": "new"}),  # just saved: the same either way
    ],
)
def test_a_form_field_follows_the_store_unless_the_user_typed_in_it(
    typed: dict[str, str], shown: dict[str, str], stored: dict[str, str], held: dict[str, str]
) -> None:
    assert capa_work.refilled(typed, shown, stored) == held


async def _ignore(view: CapaView) -> None:
    raise AssertionError("nothing is saved here")


@pytest.mark.req("QAP-036")
def test_the_forms_show_the_store_again_and_keep_what_is_typed() -> None:
    forms = CapaForms("c1", None, _ignore)  # type: ignore[arg-type]
    forms.prefill(capa_views.capa_view(_capa()))
    forms.containment.fields["containment"].value = "Quarantined lots 4471-4472"  # being typed
    progress = forms.progress["a1"]
    assert progress.values()["evidence"] == "Checklist in use"

    action = {**DONE_ACTION, "evidence": "Airlock checklist in use since 1 Dec"}
    later = _capa(problem_statement=CHANGED, containment="Held at goods-in", actions=[action])
    forms.prefill(capa_views.capa_view(later))
    assert forms.problem.values()["problem_statement"] == CHANGED
    assert forms.containment.values()["containment"] == "Quarantined lots 4471-4472"
    assert progress.values()["evidence"] == "Airlock checklist in use since 1 Dec"

    recorded = {"compliance_unaffected": False, "safety_performance_unaffected": True, "comment": "RA-88"}
    forms.prefill(capa_views.capa_view(_capa(verification=recorded)))
    assert forms.verification.values() == {
        "compliance_unaffected": "affected",
        "safety_performance_unaffected": "unaffected",
        "comment": "RA-88",
    }


@pytest.mark.req("QAP-036")
def test_a_browser_reload_reads_the_screen_shown_again(session: QualitySession, store: FakeStore) -> None:
    store.capas = {"c1": _capa()}
    screen, page, _ = capa_screen(session, "c1")
    drive(screen.load)
    app = QualityApp.__new__(QualityApp)  # the router alone: its page and the screen it shows
    app.page, app.shell, app.screen = page, object(), screen  # type: ignore[assignment]

    store.capas["c1"] = _capa(problem_statement=CHANGED)  # another user's change
    drive(app.reconnected)
    assert CHANGED in texts(screen.body)
    assert screen.forms.problem.values()["problem_statement"] == CHANGED

    app.shell = app.screen = None  # signed out: a reload reads nothing
    reads = [name for name, _ in store.calls].count("capa")
    drive(app.reconnected)
    assert [name for name, _ in store.calls].count("capa") == reads


@pytest.mark.req("QAP-036")
def test_a_read_overtaken_by_a_save_does_not_cover_it(session: QualitySession, store: FakeStore) -> None:
    store.capas = {"c1": _capa()}
    screen, _, runner = capa_screen(session, "c1")

    async def saved_meanwhile() -> None:
        await screen.apply(capa_views.capa_view(_capa(problem_statement=CHANGED)), quiet=True)

    runner.before = saved_meanwhile
    drive(screen.load)
    assert screen.view is not None
    assert screen.view.problem_statement == CHANGED
    assert CHANGED in texts(screen.body)
