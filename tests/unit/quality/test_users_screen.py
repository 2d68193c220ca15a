"""The users screen: an active user's row offers "Deactivate", a deactivated user's row offers "Reactivate",
and reactivating sends one request and shows the user active again (PLT-024)."""

from __future__ import annotations

from types import SimpleNamespace

import flet as ft
import pytest

from auditapp.services.quality import admin
from auditapp.services.quality.session import Done, Failed, QualitySession
from auditapp.ui.quality.users import UsersScreen
from tests.unit.quality.capa_screen_driver import StandInPage, StraightRunner, drive
from tests.unit.quality.fakes import FakeStore


def _screen(session: QualitySession) -> tuple[UsersScreen, list[str]]:
    toasts: list[str] = []
    ctx = SimpleNamespace(
        page=StandInPage(), session=session, runner=StraightRunner(session), toast=toasts.append
    )
    screen = UsersScreen(ctx)  # type: ignore[arg-type]
    drive(screen.load)
    return screen, toasts


def _rows(screen: UsersScreen) -> dict[str, tuple[str, ft.OutlinedButton]]:
    """username -> (status shown, the row's button)."""
    [table] = screen.table.controls
    assert isinstance(table, ft.DataTable)
    rows: dict[str, tuple[str, ft.OutlinedButton]] = {}
    for row in table.rows:
        name, _, _, status, action = (cell.content for cell in row.cells)
        assert isinstance(name, ft.Text)
        assert isinstance(action, ft.OutlinedButton)
        shown = [c.value for c in _texts(status)]
        rows[str(name.value)] = (" ".join(str(v) for v in shown), action)
    return rows


def _texts(control: object) -> list[ft.Text]:
    if isinstance(control, ft.Text):
        return [control]
    inner = getattr(control, "content", None)
    return _texts(inner) if inner is not None else []


@pytest.mark.req("PLT-024")
def test_a_deactivated_user_is_offered_reactivate_and_shows_active_after_it(
    session: QualitySession, store: FakeStore
) -> None:
    store.inactive.add("vera")
    screen, toasts = _screen(session)
    before = _rows(screen)
    assert {name: (status, button.content) for name, (status, button) in before.items()} == {
        "quinn": ("active", "Deactivate quinn"),
        "owen": ("active", "Deactivate owen"),
        "vera": ("deactivated", "Reactivate vera"),
    }
    store.calls.clear()

    click = before["vera"][1].on_click
    drive(lambda: click.__wrapped__(None))  # type: ignore[union-attr]  # without the page refresh

    assert store.calls[0] == ("reactivate_user", "vera")
    assert [name for name, _ in store.calls] == ["reactivate_user", "users"]
    assert toasts == ["vera can sign in again with their password."]  # a viewer has no tablet to enroll
    status, button = _rows(screen)["vera"]
    assert (status, button.content) == ("active", "Deactivate vera")


@pytest.mark.req("PLT-024")
def test_reactivating_a_user_who_is_active_is_refused_with_the_stores_reason(session: QualitySession) -> None:
    outcome = session.attempt(lambda api: admin.reactivate(api, "owen"))
    assert isinstance(outcome, Failed)
    assert outcome.message == "user 'owen' is active: only a deactivated user can be reactivated"
    assert outcome.code == "user_active"


@pytest.mark.req("PLT-024")
def test_reactivate_answers_the_user_as_a_row(session: QualitySession, store: FakeStore) -> None:
    store.inactive.add("owen")
    outcome = session.attempt(lambda api: admin.reactivate(api, "owen"))
    assert isinstance(outcome, Done)
    assert (outcome.value.username, outcome.value.display_name, outcome.value.active) == (
        "owen",
        "Owen Owner",
        True,
    )


@pytest.mark.req("PLT-024")
@pytest.mark.parametrize(
    ("role", "enrollment_hint"),
    [("auditor", True), ("quality_manager", True), ("admin", True), ("viewer", False), ("capa_owner", False)],
)
def test_a_new_enrollment_code_is_suggested_only_for_roles_that_may_have_a_tablet(
    role: str, enrollment_hint: bool
) -> None:
    row = admin.UserRow("u1", "pat", "Pat Doe", role, True)
    said = admin.reactivated_message(row)
    assert said.startswith("pat can sign in again with their password.")
    assert ("issue a new enrollment code" in said) is enrollment_hint
