"""Against a real central store: "Sign closure…" is offered once every gate is met, and when another user
changes the CAPA after the screen read it, the store's refusal with what is now missing reaches the signer
and the screen takes the button back, saying why."""

from __future__ import annotations

import datetime as dt

import pytest

from auditapp.client.central_api import CentralApi
from auditapp.services.quality import capa_views, capa_work
from auditapp.services.quality.port import QualityApi
from auditapp.services.quality.session import Done, Failed, QualitySession
from auditapp.ui.quality.signing import SigningDialog
from tests.integration.central.conftest import ADMIN_PASSWORD
from tests.support.processes import Running
from tests.unit.quality.capa_screen_driver import capa_screen, drive, sign_button, texts
from tests.unit.quality.fakes import MemoryPrefs

PASSWORD = "quality-pass-1"


def _session(central: Running, username: str) -> QualitySession:
    session = QualitySession(CentralApi, MemoryPrefs(), central.url)
    assert isinstance(session.sign_in(central.url, username, PASSWORD), Done)
    return session


def _complete_capa(api: QualityApi) -> str:
    """A CAPA owned by owen with every gate met: a desk check passed."""
    capa_id = str(api.open_capa({"title": "Gowning", "problem_statement": "Unsigned", "owner": "owen"})["id"])
    api.update_capa(capa_id, "root-cause", {"method": "five_whys", "result": "Sign-off at shift end"})
    [action] = api.add_action(capa_id, {"kind": "corrective", "description": "Sign-off in the airlock"})[
        "actions"
    ]
    api.update_action(
        capa_id,
        str(action["id"]),
        {
            "status": "implemented",
            "evidence": "Airlock checklist in use",
            "document_id": "SOP-007",
            "document_revision": "E",
            "communication_record": "TR-2291",
        },
    )
    api.update_capa(
        capa_id,
        "verification",
        {"compliance_unaffected": True, "safety_performance_unaffected": True, "comment": "RA-88"},
    )
    today = dt.date.today()
    [check] = api.plan_check(
        capa_id,
        {
            "criterion": "Every gowning log page is signed",
            "method": "record_review",
            "window_start": today.isoformat(),
            "window_end": (today + dt.timedelta(days=30)).isoformat(),
        },
    )["effectiveness_checks"]
    api.record_effectiveness(
        capa_id, str(check["id"]), {"result": "passed", "comment": "30 pages signed", "evidence": ["LOG-1"]}
    )
    return capa_id


@pytest.mark.req("QAP-035")
@pytest.mark.req("QAP-032")
def test_a_signature_on_an_out_of_date_screen_is_refused_with_what_is_missing(central: Running) -> None:
    admin = CentralApi(central.url)
    admin.login("admin", ADMIN_PASSWORD)
    for username, role in (("quinn", "quality_manager"), ("owen", "capa_owner")):
        admin.create_user(
            {"username": username, "display_name": username.title(), "role": role, "password": PASSWORD}
        )
    admin.close()
    quinn, owen = _session(central, "quinn"), _session(central, "owen")
    made = quinn.attempt(_complete_capa)
    assert isinstance(made, Done)
    capa_id = made.value

    screen, page, runner = capa_screen(quinn, capa_id)
    drive(screen.load)
    assert sign_button(screen) == "enabled", screen.view and screen.view.not_ready_line
    assert screen.view is not None

    # Owen plans another action after Quinn's screen read the CAPA: it is no longer complete.
    added = owen.attempt(
        lambda api: api.add_action(capa_id, {"kind": "preventive", "description": "Same on line 3"})
    )
    assert isinstance(added, Done)
    signing = SigningDialog(screen.ctx, screen.view, screen._signed)
    page.dialogs.append(signing.dialog)
    signing.password.value = PASSWORD
    drive(signing.sign)

    assert signing.problem.visible
    assert str(signing.problem.value).startswith("Closing is refused. Still missing: ")
    assert "Same on line 3" in str(signing.problem.value)
    assert page.dialogs == [signing.dialog]
    assert runner.failures == []
    assert sign_button(screen) == "disabled"
    assert "Not ready to close: an action is not implemented" in texts(screen.body)
    stored = quinn.attempt(lambda api: api.capa(capa_id))
    assert isinstance(stored, Done)
    assert stored.value["stage"] != "closed"
    assert stored.value["signatures"] == []
    quinn.close()
    owen.close()


@pytest.mark.req("CAP-021")
@pytest.mark.req("QAP-035")
def test_the_signature_binds_the_content_reviewed_and_the_store_states_the_signers_local_time(
    central: Running,
) -> None:
    admin = CentralApi(central.url)
    admin.login("admin", ADMIN_PASSWORD)
    for username, role in (("quinn", "quality_manager"), ("owen", "capa_owner")):
        admin.create_user(
            {"username": username, "display_name": username.title(), "role": role, "password": PASSWORD}
        )
    admin.close()
    quinn = _session(central, "quinn")
    made = quinn.attempt(_complete_capa)
    assert isinstance(made, Done)
    capa_id = made.value
    reviewed = quinn.attempt(lambda api: capa_views.load_capa(api, capa_id))
    assert isinstance(reviewed, Done)

    # The CAPA changes after the signer read it; it is still ready to close.
    changed = quinn.attempt(
        lambda api: api.update_capa(capa_id, "containment", {"correction": "Re-signed the 30 pages"})
    )
    assert isinstance(changed, Done)
    refused = quinn.attempt(
        lambda api: capa_work.sign_closure(api, capa_id, PASSWORD, reviewed.value.content_sha256)
    )
    assert isinstance(refused, Failed)
    assert (refused.code, "changed" in refused.message) == ("content_changed", True), refused
    fresh = quinn.attempt(lambda api: capa_views.load_capa(api, capa_id))
    assert isinstance(fresh, Done)
    assert fresh.value.stage != "closed"

    # A desktop clock two hours off neither blocks the signature nor shows in it.
    skewed = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
    signed = quinn.attempt(
        lambda api: capa_work.sign_closure(api, capa_id, PASSWORD, fresh.value.content_sha256, now=skewed)
    )
    assert isinstance(signed, Done), signed
    assert signed.value.stage == "closed"
    stored = quinn.attempt(lambda api: api.capa(capa_id))
    assert isinstance(stored, Done)
    [raw] = stored.value["signatures"]
    signed_at = dt.datetime.fromisoformat(str(raw["signed_at"]).replace("Z", "+00:00"))
    local = dt.datetime.fromisoformat(str(raw["signer_local_time"]))
    assert abs((local - signed_at).total_seconds()) < 1  # the signing moment, in the signer's zone
    quinn.close()
