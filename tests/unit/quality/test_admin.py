"""Users, devices and enrollment codes as the admin screens show and send them."""

from __future__ import annotations

import io

import pytest

from auditapp.services.quality import admin
from auditapp.services.quality.session import Done, Failed, QualitySession
from tests.unit.quality.fakes import FakeStore


@pytest.mark.req("QAP-010")
def test_an_enrollment_code_comes_with_a_qr_code_that_holds_exactly_the_code(session: QualitySession) -> None:
    from PIL import Image  # only to look at the picture the screen shows

    outcome = session.attempt(lambda api: admin.issue_code(api, " avery "))
    assert isinstance(outcome, Done)
    code = outcome.value
    assert (code.code, code.username) == ("ABCDE-FGHJK", "avery")
    assert code.expires.startswith("2026-01-01")
    picture = Image.open(io.BytesIO(code.qr_png))
    assert picture.format == "PNG"
    assert picture.width >= 150
    assert code.qr_png == admin.qr_png("ABCDE-FGHJK")
    assert code.qr_png != admin.qr_png("ABCDE-FGHJJ")


@pytest.mark.req("QAP-010")
def test_a_code_needs_a_username_and_nothing_is_sent_without_one(
    session: QualitySession, store: FakeStore
) -> None:
    outcome = session.attempt(lambda api: admin.issue_code(api, "  "))
    assert isinstance(outcome, Failed)
    assert outcome.message.startswith("Username:")
    assert store.calls == []


@pytest.mark.req("QAP-010")
def test_devices_are_listed_with_user_status_and_local_times() -> None:
    rows = admin.devices_from(
        [
            {
                "id": "d1",
                "name": "Avery's tablet",
                "username": "avery",
                "status": "revoked",
                "created_at": "2026-03-01T08:00:00+00:00",
                "revoked_at": "2026-03-02T08:00:00Z",
            },
            {"id": "d2", "name": "", "username": "bo", "status": "active", "created_at": None},
        ]
    )
    assert [(r.name, r.username, r.active) for r in rows] == [
        ("Avery's tablet", "avery", False),
        ("unnamed device", "bo", True),
    ]
    assert rows[0].revoked.startswith("2026-03-0")
    assert rows[1].enrolled == ""


@pytest.mark.req("QAP-011")
@pytest.mark.parametrize(
    ("username", "role", "password", "field"),
    [
        ("has space", "viewer", "long enough pw", "Username"),
        ("", "viewer", "long enough pw", "Username"),
        ("cara", "superuser", "long enough pw", "Role"),
        ("cara", "viewer", "short", "Initial password"),
    ],
)
def test_a_new_user_form_names_the_field_to_fix_and_sends_nothing(
    session: QualitySession, store: FakeStore, username: str, role: str, password: str, field: str
) -> None:
    outcome = session.attempt(lambda api: admin.create_user(api, username, "Cara", role, password))
    assert isinstance(outcome, Failed)
    assert outcome.message.startswith(f"{field}:")
    assert [name for name, _ in store.calls] == []


@pytest.mark.req("QAP-011")
def test_users_are_created_with_their_role_and_roles_change(
    session: QualitySession, store: FakeStore
) -> None:
    made = session.attempt(
        lambda api: admin.create_user(api, "cara", "Cara Capa", "capa_owner", "cara-pass-12")
    )
    assert isinstance(made, Done)
    assert (made.value.username, made.value.role_label) == ("cara", "CAPA owner")
    taken = session.attempt(lambda api: admin.create_user(api, "cara", "", "viewer", "cara-pass-12"))
    assert isinstance(taken, Failed)
    assert "taken" in taken.message

    changed = session.attempt(lambda api: admin.set_role(api, "cara", "quality_manager"))
    assert isinstance(changed, Done)
    assert store.users["cara"][2] == "quality_manager"
    listed = session.attempt(admin.load_users)
    assert isinstance(listed, Done)
    assert {u.username: u.role for u in listed.value}["cara"] == "quality_manager"
