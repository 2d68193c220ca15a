"""The quality app's API client against a real central store on loopback, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import update

from auditapp.central.database import Database
from auditapp.central.tables import ApiToken
from auditapp.client.central_api import CentralApi
from auditapp.services.quality import capa_views, capa_work, checklists, inbox, trail_view
from auditapp.services.quality.errors import CentralApiError, ClosureRefused, Forbidden, SessionExpired
from auditapp.services.quality.port import QualityApi
from auditapp.services.quality.session import Done, Failed, NeedsSignIn, QualitySession
from tests.integration.central.conftest import ADMIN_PASSWORD
from tests.integration.quality_client.seed import GOWNING, seed_two_audits
from tests.support.processes import Running
from tests.unit.quality.fakes import MemoryPrefs

PASSWORD = "quality-pass-1"


def _admin(central: Running) -> CentralApi:
    api = CentralApi(central.url)
    api.login("admin", ADMIN_PASSWORD)
    return api


def _users(central: Running) -> None:
    admin = _admin(central)
    for username, role in (("quinn", "quality_manager"), ("vera", "viewer")):
        admin.create_user(
            {"username": username, "display_name": username.title(), "role": role, "password": PASSWORD}
        )
    admin.close()


def _open_capa(api: QualityApi) -> str:
    reply = api.open_capa({"title": "Gowning", "problem_statement": "Pages left unsigned"})
    return str(reply["id"])


@pytest.mark.req("QAP-001")
@pytest.mark.req("QAP-002")
@pytest.mark.req("QAP-060")
def test_refusals_arrive_as_errors_that_say_what_to_do(central: Running) -> None:
    _users(central)
    api = CentralApi(central.url)
    with pytest.raises(CentralApiError, match="username or password is wrong") as wrong:
        api.login("quinn", "not the password")
    assert not isinstance(wrong.value, SessionExpired)
    api.login("vera", PASSWORD)
    with pytest.raises(Forbidden, match=r"your role \(viewer\) may not"):
        api.create_user({"username": "x", "role": "viewer", "password": PASSWORD})
    with pytest.raises(CentralApiError) as unknown:
        api.capa("no-such-capa")
    assert unknown.value.status == 404
    api.close()
    with pytest.raises(CentralApiError, match=r"check the central store URL http://127\.0\.0\.1:9"):
        CentralApi("http://127.0.0.1:9").login("quinn", PASSWORD)


@pytest.mark.req("QAP-004")
def test_an_expired_sign_in_keeps_the_form_and_saves_it_after_the_password(
    central: Running, database_url: str
) -> None:
    _users(central)
    session = QualitySession(CentralApi, MemoryPrefs(), central.url)
    assert isinstance(session.sign_in(central.url, "quinn", PASSWORD), Done)
    opened = session.attempt(_open_capa)
    assert isinstance(opened, Done)
    capa_id = opened.value
    database = Database(database_url)
    try:
        with database.transaction() as s:
            s.execute(update(ApiToken).values(expires_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC)))
    finally:
        database.dispose()

    form = {"method": "five_whys", "result": "Sign-off sits at shift end"}
    first = session.attempt(lambda api: capa_work.record_section(api, capa_id, "root-cause", form))
    assert isinstance(first, NeedsSignIn)
    assert "expired" in first.message
    assert isinstance(session.sign_in_again("wrong password"), Failed)
    resumed = session.sign_in_again(PASSWORD)
    assert isinstance(resumed, Done)
    assert resumed.value.root_cause_result == "Sign-off sits at shift end"
    session.close()


@pytest.mark.req("QAP-032")
@pytest.mark.req("QAP-034")
@pytest.mark.req("QAP-038")
def test_closure_is_refused_with_the_missing_gates_and_the_trail_shows_each_change(central: Running) -> None:
    _users(central)
    api = CentralApi(central.url)
    api.login("quinn", PASSWORD)
    capa_id = _open_capa(api)
    with pytest.raises(ClosureRefused) as refused:
        capa_work.sign_closure(api, capa_id, PASSWORD)
    codes = [g["code"] for g in refused.value.missing]
    assert codes[0] == "root_cause"
    assert "effectiveness_check" in codes
    assert refused.value.message.startswith(
        "Closing is refused. Still missing: record the root cause analysis"
    )
    view = capa_views.load_capa(api, capa_id)
    unmet = {g.code for g in view.gates if not g.met}
    assert set(codes) <= unmet  # every gate the store misses, and the ones waiting on them (nothing to check)
    assert unmet - set(codes) <= set(capa_views.GATE_NEEDS)

    capa_work.record_section(api, capa_id, "root-cause", {"method": "fishbone", "result": "Shift end"})
    viewer = CentralApi(central.url)
    viewer.login("vera", PASSWORD)
    lines = trail_view.load_trail(viewer, "capa", capa_id)
    assert [line.actor for line in lines][-1] == "Quinn (quinn)"  # by printed name, read by a viewer
    assert any("Shift end" in line.changes for line in lines)
    assert trail_view.load_trail(viewer, "capa", "no-such-capa") == []
    api.close()
    viewer.close()


CHECKLISTS = Path(__file__).resolve().parents[2] / "fixtures" / "checklists"


@pytest.mark.req("QAP-070")
@pytest.mark.req("SYN-213")
def test_a_quality_manager_publishes_a_checklist_file_and_a_broken_one_is_refused_by_line(
    central: Running,
) -> None:
    _users(central)
    session = QualitySession(CentralApi, MemoryPrefs(), central.url)
    assert isinstance(session.sign_in(central.url, "quinn", PASSWORD), Done)
    small = (CHECKLISTS / "small.yaml").read_bytes()

    first = session.attempt(lambda api: checklists.publish(api, "/home/quinn/small.yaml", small))
    assert isinstance(first, Done)
    assert (first.value.checklist_id, first.value.version, first.value.new) == ("supplier-walk", "2.1", True)
    assert first.value.outcome.endswith("every field device receives it with its next sync.")
    # The same content again, from the Excel file: nothing new is published.
    workbook = (CHECKLISTS / "small.xlsx").read_bytes()
    again = session.attempt(lambda api: checklists.publish(api, "small.xlsx", workbook))
    assert isinstance(again, Done)
    assert not again.value.new
    assert "was already published on" in again.value.outcome
    assert "by quinn" in again.value.outcome

    broken = session.attempt(
        lambda api: checklists.publish(api, "broken.yaml", (CHECKLISTS / "broken.yaml").read_bytes())
    )
    assert isinstance(broken, Failed)
    assert "broken.yaml:7:5: unknown key 'colour'" in broken.message, broken.message
    assert "/tmp" not in broken.message
    not_a_checklist = session.attempt(lambda api: checklists.publish(api, "minutes.docx", b"PK\x03\x04"))
    assert isinstance(not_a_checklist, Failed)
    assert not_a_checklist.message.startswith("Checklist file: minutes.docx is not a checklist file")

    listed = session.attempt(checklists.load_published)
    assert isinstance(listed, Done)
    assert [(r.checklist_id, r.source_name, r.published_by, r.items > 0) for r in listed.value] == [
        ("supplier-walk", "small.yaml", "quinn", True)
    ]

    viewer = QualitySession(CentralApi, MemoryPrefs(), central.url)
    assert isinstance(viewer.sign_in(central.url, "vera", PASSWORD), Done)
    refused = viewer.attempt(lambda api: checklists.publish(api, "small.yaml", small))
    assert isinstance(refused, Failed)
    assert "viewer" in refused.message
    seen = viewer.attempt(checklists.load_published)
    assert isinstance(seen, Done)
    assert len(seen.value) == 1


class CountingApi(CentralApi):
    """The real client, counting the calls it makes by method name."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.counts: dict[str, int] = {}

    def finding(self, finding_id: str) -> dict[str, object]:
        self.counts["finding"] = self.counts.get("finding", 0) + 1
        return super().finding(finding_id)

    def finding_photos(self, finding_ids: Sequence[str]) -> dict[str, list[dict[str, object]]]:
        self.counts["finding_photos"] = self.counts.get("finding_photos", 0) + 1
        return super().finding_photos(finding_ids)


@pytest.mark.req("QAP-020")
def test_the_inbox_gets_a_pages_thumbnails_with_one_call_for_their_photos(
    central: Running, tmp_path: Path
) -> None:
    admin = _admin(central)
    admin.create_user({"username": "avery", "display_name": "Avery", "role": "auditor", "password": PASSWORD})
    _users(central)
    seeded = seed_two_audits(central.url, tmp_path / "field", ("admin", ADMIN_PASSWORD), "avery")
    api = CountingApi(central.url)
    api.login("vera", PASSWORD)

    page = inbox.load_page(api, inbox.InboxFilters())
    assert len(page.rows) == 4
    images = inbox.thumbnails(api, page.rows)

    assert api.counts == {"finding_photos": 1}
    gowning = seeded.findings[GOWNING]
    assert list(images) == [gowning]
    thumbnail = Image.open(io.BytesIO(images[gowning][0]))
    assert max(thumbnail.size) <= 400
    # The call names a finding the store does not have, and keeps nothing of the others from the caller.
    with pytest.raises(CentralApiError) as refused:
        api.finding_photos([gowning, "no-such-finding"])
    assert (refused.value.status, refused.value.code) == (404, "unknown_finding")
    assert "'no-such-finding'" in refused.value.message
    api.close()
    admin.close()
