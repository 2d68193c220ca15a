"""Closure is offered only when every gate is met: until then "Sign closure…" cannot be pressed and a line
beside it says, in words, what is still missing. The store still has the last word: when the screen's copy
is out of date, its refusal and the missing items reach the user, and the screen then shows them too."""

from __future__ import annotations

from typing import Any

import pytest

from auditapp.services.quality import capa_views
from auditapp.services.quality.errors import CentralApiError
from auditapp.services.quality.session import Done, QualitySession
from auditapp.ui.quality.signing import SigningDialog
from tests.unit.quality.capa_screen_driver import capa_screen, drive, sign_button, texts
from tests.unit.quality.conftest import PASSWORD
from tests.unit.quality.fakes import FakeApi, FakeStore, MemoryPrefs
from tests.unit.quality.test_capa_gates_record import NEW_CAPA_MISSING, _capa, _check

Json = dict[str, Any]

NEW_CAPA_LINE = (
    "Not ready to close: root cause not analysed, no corrective or preventive action planned, "
    "document change not recorded or justified, training or communication not recorded or justified, "
    "8.5.2 e verification not recorded, no effectiveness check planned"
)


def _new_capa() -> Json:
    return _capa(
        stage="open",
        root_cause={"method": None, "result": ""},
        actions=[],
        verification=None,
        effectiveness_checks=[],
        missing=NEW_CAPA_MISSING,
        ready_to_close=False,
    )


@pytest.mark.req("QAP-035")
def test_a_new_capa_cannot_be_signed_and_says_what_is_missing_once_per_gap() -> None:
    view = capa_views.capa_view(_new_capa())
    assert not view.can_sign
    # "Every action is implemented" waits on the missing action: the line names the action once.
    assert view.not_ready_line == NEW_CAPA_LINE


@pytest.mark.req("QAP-035")
@pytest.mark.parametrize(
    ("extra", "line"),
    [
        (
            {
                "effectiveness_checks": [_check("k1", "failed")],
                "missing": [{"code": "effectiveness_passed", "message": "no check passed yet"}],
            },
            "Not ready to close: effectiveness check not passed",
        ),
        (
            {
                "effectiveness_checks": [_check("k1", "pending")],
                "missing": [
                    {"code": "effectiveness_pending", "message": "record the result of check k1"},
                    {"code": "effectiveness_passed", "message": "no check passed yet"},
                ],
            },
            "Not ready to close: an effectiveness check has no result, effectiveness check not passed",
        ),
        (
            {"missing": [{"code": "new_rule", "message": "attach the supplier's 8D report"}]},
            "Not ready to close: attach the supplier's 8D report",
        ),
        (
            {"missing": []},
            "Not ready to close: the store does not report it ready yet; reload the page to read it again",
        ),
    ],
)
def test_one_gap_keeps_closure_closed_and_is_named(extra: Json, line: str) -> None:
    view = capa_views.capa_view(_capa(ready_to_close=False, **extra))
    assert (view.can_sign, view.not_ready_line) == (False, line)


@pytest.mark.req("QAP-035")
def test_a_complete_capa_can_be_signed_and_a_closed_one_no_more() -> None:
    ready = capa_views.capa_view(_capa())
    assert (ready.can_sign, ready.not_ready_line) == (True, "")
    closed = capa_views.capa_view(_capa(stage="closed", ready_to_close=False))
    assert (closed.can_sign, closed.not_ready_line) == (False, "")


@pytest.mark.req("QAP-035")
@pytest.mark.req("QAP-032")
def test_the_screen_disables_sign_closure_with_the_missing_items_beside_it(
    session: QualitySession, store: FakeStore
) -> None:
    store.capas = {"c1": _new_capa()}
    screen, _, _ = capa_screen(session, "c1")
    drive(screen.load)
    assert sign_button(screen) == "disabled"
    shown = texts(screen.body)
    assert NEW_CAPA_LINE in shown
    # The checklist says what is missing on the gate it belongs to, once; the gates that cannot be met
    # before it say which gate they wait for.
    assert shown.count("    missing: plan at least one corrective or preventive action") == 1
    assert shown.count("    waits for: A corrective or preventive action is planned") == 2
    assert shown.count("    waits for: An effectiveness check is planned") == 2

    store.capas = {"c1": _capa()}
    drive(screen.load)
    assert sign_button(screen) == "enabled"
    assert not [t for t in texts(screen.body) if t.startswith("Not ready to close")]


@pytest.mark.req("QAP-035")
def test_a_viewer_sees_what_is_missing_but_no_sign_button(store: FakeStore) -> None:
    viewer = QualitySession(lambda url: FakeApi(store, url), MemoryPrefs())
    assert isinstance(viewer.sign_in("http://store.test", "vera", PASSWORD), Done)
    store.capas = {"c1": _new_capa()}
    screen, _, _ = capa_screen(viewer, "c1")
    drive(screen.load)
    assert sign_button(screen) == "absent"
    assert "Root cause analysed: method and result: missing" in texts(screen.body)


@pytest.mark.req("QAP-035")
@pytest.mark.req("QAP-032")
def test_a_refusal_on_an_out_of_date_screen_lists_what_is_missing_and_the_screen_follows(
    session: QualitySession, store: FakeStore
) -> None:
    store.capas = {"c1": _capa()}
    screen, page, _ = capa_screen(session, "c1")
    drive(screen.load)
    assert sign_button(screen) == "enabled"
    assert screen.view is not None

    # Meanwhile another user plans one more action: the store no longer finds the CAPA complete.
    gap = {"code": "action_implemented", "ref": "a2", "message": "implement action a2 or cancel it"}
    store.capas["c1"] = _capa(missing=[gap], ready_to_close=False)
    signing = SigningDialog(screen.ctx, screen.view, screen._signed)
    page.dialogs.append(signing.dialog)
    signing.password.value = PASSWORD
    drive(signing.sign)

    assert signing.problem.visible
    assert signing.problem.value == "Closing is refused. Still missing: implement action a2 or cancel it"
    assert page.dialogs == [signing.dialog]  # still open, with the reason in it
    assert signing.password.value == ""
    assert signing.sign_button.disabled  # nothing to sign until the CAPA is reviewed again
    assert sign_button(screen) == "disabled"
    assert "Not ready to close: an action is not implemented" in texts(screen.body)
    assert [name for name, _ in store.calls].count("sign_closure") == 1


class _WrongPassword(FakeApi):
    """The store refusing the signer's password, as it does for a password that is not theirs."""

    def sign_closure(self, capa_id: str, password: str, *args: Any, **kwargs: Any) -> Any:
        self._gate("sign_closure", capa_id)
        raise CentralApiError(
            "password: not your password; the CAPA was not closed", "bad_signature_password", 401
        )


@pytest.mark.req("QAP-033")
@pytest.mark.req("QAP-035")
def test_a_wrong_password_can_be_typed_again_in_the_same_dialog(store: FakeStore) -> None:
    session = QualitySession(lambda url: _WrongPassword(store, url), MemoryPrefs())
    assert isinstance(session.sign_in("http://store.test", "quinn", PASSWORD), Done)
    store.capas = {"c1": _capa()}
    screen, page, _ = capa_screen(session, "c1")
    drive(screen.load)
    assert screen.view is not None
    signing = SigningDialog(screen.ctx, screen.view, screen._signed)
    page.dialogs.append(signing.dialog)
    signing.password.value = "not my password"
    drive(signing.sign)
    assert str(signing.problem.value).lower() == "password: not your password; the capa was not closed"
    assert page.dialogs == [signing.dialog]
    assert not signing.sign_button.disabled  # the CAPA is still ready: the signer types the password again
    assert sign_button(screen) == "enabled"
