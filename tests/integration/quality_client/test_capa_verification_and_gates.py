"""Against a real central store: the 8.5.2 e form sends no unanswered verification, and the closure
checklist of a new CAPA ticks nothing the record does not show."""

from __future__ import annotations

import pytest

from auditapp.client.central_api import CentralApi
from auditapp.domain.capa_gates import GATE_CODES
from auditapp.services.quality import capa_views, trail_view
from auditapp.services.quality.capa_views import CapaView
from auditapp.services.quality.session import Done, QualitySession
from auditapp.ui.quality.capa_sections import CapaForms
from tests.integration.central.conftest import ADMIN_PASSWORD
from tests.support.processes import Running
from tests.unit.quality.fakes import MemoryPrefs
from tests.unit.quality.form_driver import FormRunner, submit

PASSWORD = "quality-pass-1"


def _signed_in(central: Running) -> QualitySession:
    admin = CentralApi(central.url)
    admin.login("admin", ADMIN_PASSWORD)
    admin.create_user(
        {"username": "quinn", "display_name": "Quinn", "role": "quality_manager", "password": PASSWORD}
    )
    admin.close()
    session = QualitySession(CentralApi, MemoryPrefs(), central.url)
    assert isinstance(session.sign_in(central.url, "quinn", PASSWORD), Done)
    return session


@pytest.mark.req("QAP-031")
def test_the_verification_form_cannot_save_an_unanswered_question(central: Running) -> None:
    session = _signed_in(central)
    opened = session.attempt(lambda api: api.open_capa({"title": "Gowning", "problem_statement": "Unsigned"}))
    assert isinstance(opened, Done)
    capa_id = str(opened.value["id"])
    saved: list[CapaView] = []

    async def done(view: CapaView) -> None:
        saved.append(view)

    forms = CapaForms(capa_id, FormRunner(session), done)  # type: ignore[arg-type]
    loaded = session.attempt(lambda api: capa_views.load_capa(api, capa_id))
    assert isinstance(loaded, Done)
    forms.prefill(loaded.value)
    form = forms.verification
    form.fields["comment"].value = "Reviewed against the technical file"
    submit(form)
    assert str(form.error.value).startswith(
        "Regulatory compliance, Device safety and performance: not answered"
    )
    assert form.fields["comment"].value == "Reviewed against the technical file"
    assert saved == []
    stored = session.attempt(lambda api: (capa_views.load_capa(api, capa_id), api.trail("capa", capa_id)))
    assert isinstance(stored, Done)
    view, trail = stored.value
    assert view.verification is None
    assert not any("verification" in line.changes for line in trail_view.trail_lines(trail))

    form.fields["compliance_unaffected"].value = "unaffected"
    form.fields["safety_performance_unaffected"].value = "unaffected"
    submit(form)
    assert not form.error.visible
    [after] = saved
    assert after.verification is not None
    assert (
        after.verification["compliance_unaffected"],
        after.verification["safety_performance_unaffected"],
    ) == (
        True,
        True,
    )
    assert {g.code: g.met for g in after.gates}["verification_adverse"]
    session.close()


@pytest.mark.req("QAP-032")
def test_a_new_capa_shows_no_gate_met(central: Running) -> None:
    session = _signed_in(central)
    opened = session.attempt(lambda api: api.open_capa({"title": "Gowning", "problem_statement": "Unsigned"}))
    assert isinstance(opened, Done)
    loaded = session.attempt(lambda api: capa_views.load_capa(api, str(opened.value["id"])))
    assert isinstance(loaded, Done)
    view = loaded.value
    store_missing = {str(g["code"]) for g in view.missing}
    assert "action_implemented" not in store_missing  # the store has no action to call unimplemented ...
    assert [g.code for g in view.gates if g.met] == []  # ... and still nothing is ticked
    assert [g.code for g in view.gates] == list(GATE_CODES)
    session.close()
