"""Users without an e-mail address get reminders in the app only, and the store says so (PLT-017)."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from auditapp.central import mail, reminders
from auditapp.central.auth import now
from auditapp.central.database import Database
from auditapp.central.mail import QueuedMail
from tests.integration.platform.capa_rows import action_row, capa_row
from tests.integration.platform.conftest import client, database, headers, users  # noqa: F401 - fixtures


@pytest.mark.req("PLT-017")
def test_users_without_an_address_are_marked_and_their_unmailed_reminders_counted(
    client: TestClient,  # noqa: F811
    headers: dict[str, dict[str, str]],  # noqa: F811
    users: dict[str, str],  # noqa: F811
    database: Database,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    owner, qm = users["capa_owner"], users["quality_manager"]
    today = now().date()
    with database.transaction() as s:
        capa = capa_row(owner, "action", 10, title="Gowning practice")
        s.add(capa)
        s.flush()
        s.add_all(
            [
                action_row(capa, owner, "in_progress", today - timedelta(days=3), what="Retrain night shift"),
                action_row(capa, qm, "planned", today + timedelta(days=1), what="QM's own"),
                action_row(capa, qm, "planned", today - timedelta(days=2), what="QM's overdue"),
            ]
        )
        mail.set_email(s, owner, "owner@example.test")

    listed = client.get("/api/users", headers=headers["admin"]).json()["items"]
    assert {u["username"]: u["email_reminders"] for u in listed} == {
        "admin": False,
        "auditor": False,
        "capa_owner": True,
        "quality_manager": False,
        "viewer": False,
    }
    assert client.get("/api/me", headers=headers["capa_owner"]).json()["email_reminders"] is True
    taken = client.put(f"/api/users/{owner}/email", json={"email": None}, headers=headers["admin"])
    assert taken.status_code == 200
    demoted = client.put(
        f"/api/users/{owner}/role", json={"role": "quality_manager"}, headers=headers["admin"]
    )
    assert demoted.json()["email_reminders"] is False
    back = client.put(
        f"/api/users/{owner}/email", json={"email": "owner@example.test"}, headers=headers["admin"]
    )
    assert back.status_code == 200, back.text

    caplog.set_level(logging.INFO, logger="auditapp.central.reminders")
    with database.transaction() as s:
        queued = reminders.queue_mail(s, now(), 7)
    with database.transaction() as s:
        addressed = [m.to_address for m in s.scalars(select(QueuedMail))]
    assert addressed == ["owner@example.test"]  # the owner's; the quality manager has no address
    assert queued == 1
    said = [r.getMessage() for r in caplog.records if r.name == "auditapp.central.reminders"]
    assert said == ["2 reminders not mailed: 1 owners have no e-mail address (they see them in the app only)"]
    assert "example.test" not in caplog.text
    assert "quality_manager" not in caplog.text
