"""Reminders: listed for their owners in the app and e-mailed through a real SMTP server on loopback."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from auditapp.central import mail
from auditapp.central.api import create_app
from auditapp.central.auth import now
from auditapp.central.database import Database
from auditapp.central.mail import QueuedMail
from auditapp.config import ServerConfig
from tests.integration.platform.capa_rows import action_row, capa_row, check_row
from tests.integration.platform.smtp_sink import SilentServer, SinkHandler, SmtpSink

SMTP_USER = "mailer"
SMTP_PASSWORD = "smtp-secret-pw-42"


def _seed(database: Database, users: dict[str, str]) -> dict[str, str]:
    """Two due actions and one ending window for the CAPA owner, one far-off action, one for the QM."""
    owner, qm = users["capa_owner"], users["quality_manager"]
    today = now().date()
    with database.transaction() as s:
        capa = capa_row(owner, "action", 10, title="Gowning practice")
        closed = capa_row(owner, "closed", 90, title="Old one")
        s.add_all([capa, closed])
        s.flush()
        late = action_row(capa, owner, "in_progress", today - timedelta(days=3), what="Retrain night shift")
        soon = action_row(capa, owner, "planned", today + timedelta(days=2), what="Update SOP-12")
        s.add_all(
            [
                late,
                soon,
                action_row(capa, owner, "planned", today + timedelta(days=40), what="Later"),
                action_row(capa, owner, "implemented", today - timedelta(days=5), what="Done already"),
                action_row(closed, owner, "planned", today - timedelta(days=5), what="On a closed CAPA"),
                action_row(capa, qm, "planned", today + timedelta(days=1), what="QM's own"),
                check_row(capa, "pending", window_end=today + timedelta(days=5)),
            ]
        )
        mail.set_email(s, owner, "owner@example.test")
        return {"late": late.id, "soon": soon.id}


@pytest.mark.req("PLT-012")
def test_each_owner_sees_their_due_and_overdue_items_soonest_first(
    client: TestClient, headers: dict[str, dict[str, str]], users: dict[str, str], database: Database
) -> None:
    ids = _seed(database, users)
    first = client.get("/api/reminders", params={"limit": 2}, headers=headers["capa_owner"]).json()
    rest = client.get(
        "/api/reminders", params={"cursor": first["next_cursor"]}, headers=headers["capa_owner"]
    ).json()
    items = first["items"] + rest["items"]
    assert [(i["kind"], i["what"], i["state"]) for i in items] == [
        ("action", "Retrain night shift", "overdue"),
        ("action", "Update SOP-12", "due"),
        ("effectiveness_window", "c", "due"),
    ]
    assert items[0]["item_id"] == ids["late"]
    assert items[0]["capa_title"] == "Gowning practice"
    assert rest["next_cursor"] is None
    qm = client.get("/api/reminders", headers=headers["quality_manager"]).json()["items"]
    assert [i["what"] for i in qm] == ["QM's own"]
    assert client.get("/api/reminders", headers=headers["viewer"]).json()["items"] == []


@pytest.fixture
def smtp_app(
    database: Database, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[SmtpSink, TestClient]]:
    """The app with mail going to a real SMTP sink that refuses its first two messages."""
    with SmtpSink(SinkHandler(refuse=2), SMTP_USER, SMTP_PASSWORD) as sink:
        for name, value in {
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(sink.port),
            "SMTP_USER": SMTP_USER,
            "SMTP_PASSWORD": SMTP_PASSWORD,
            "SMTP_FROM": "quality@example.test",
            "SMTP_TLS": "none",
            "SMTP_RETRY_SECONDS": "0.2",
        }.items():
            monkeypatch.setenv(f"AUDITAPP_{name}", value)
        config = ServerConfig(database_url=database_url, blob_dir=tmp_path / "central" / "blobs")
        with TestClient(create_app(config, database), raise_server_exceptions=False) as client:
            yield sink, client


@pytest.mark.req("PLT-013")
def test_reminders_are_mailed_once_and_retried_after_a_refusal(
    smtp_app: tuple[SmtpSink, TestClient],
    headers: dict[str, dict[str, str]],
    users: dict[str, str],
    database: Database,
    caplog: pytest.LogCaptureFixture,
) -> None:
    sink, client = smtp_app
    _seed(database, users)
    caplog.set_level(logging.DEBUG, logger="auditapp")
    reply = client.post("/api/reminders/send", headers=headers["quality_manager"])
    assert reply.status_code == 202
    assert reply.json()["mail_enabled"] is True
    assert reply.json()["queued"] <= 3  # the sender's own round at start-up may have queued them first
    received = sink.wait_for(3)
    assert sink.handler.refused == 2
    subjects = sorted(str(m["Subject"]).strip() for m in received)  # a long subject is folded
    assert all(m["To"] == "owner@example.test" and m["From"] == "quality@example.test" for m in received)
    overdue = "[auditapp] Overdue: CAPA action on CAPA 'Gowning practice' was due"
    assert any(s.startswith(overdue) for s in subjects), subjects
    assert any("Action: Update SOP-12" in m.get_content() for m in received)
    again = client.post("/api/reminders/send", headers=headers["quality_manager"])
    assert again.json()["queued"] == 0
    with database.transaction() as s:
        rows = list(s.scalars(select(QueuedMail)))
    assert len(rows) == 3
    assert {r.status for r in rows} == {"sent"}
    assert sum(r.attempts for r in rows) == 5  # two refusals retried
    assert SMTP_PASSWORD not in caplog.text
    assert client.post("/api/reminders/send", headers=headers["capa_owner"]).status_code == 403


@pytest.mark.req("PLT-013")
def test_a_wrong_smtp_password_is_retried_and_never_logged(
    database: Database,
    database_url: str,
    tmp_path: Path,
    users: dict[str, str],
    headers: dict[str, dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _seed(database, users)
    caplog.set_level(logging.DEBUG, logger="auditapp")
    wrong = "not-the-password-77"
    with SmtpSink(SinkHandler(), SMTP_USER, SMTP_PASSWORD) as sink:
        for name, value in {
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(sink.port),
            "SMTP_USER": SMTP_USER,
            "SMTP_PASSWORD": wrong,
            "SMTP_TLS": "none",
            "SMTP_RETRY_SECONDS": "0.1",
            "SMTP_MAX_ATTEMPTS": "2",
        }.items():
            monkeypatch.setenv(f"AUDITAPP_{name}", value)
        config = ServerConfig(database_url=database_url, blob_dir=tmp_path / "central" / "blobs")
        with TestClient(create_app(config, database), raise_server_exceptions=False) as client:
            assert client.post("/api/reminders/send", headers=headers["quality_manager"]).status_code == 202
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                with database.transaction() as s:
                    statuses = {r.status for r in s.scalars(select(QueuedMail))}
                    errors = [r.last_error for r in s.scalars(select(QueuedMail))]
                if statuses == {"failed"}:
                    break
                time.sleep(0.05)
    assert statuses == {"failed"}
    assert all("SMTPAuthenticationError" in e for e in errors)
    assert sink.handler.received == []
    assert wrong not in caplog.text
    assert all(wrong not in e for e in errors)
    assert "SMTPAuthenticationError" in caplog.text


@pytest.mark.req("PLT-013")
def test_a_hung_mail_server_never_blocks_a_request(
    database: Database,
    database_url: str,
    tmp_path: Path,
    users: dict[str, str],
    headers: dict[str, dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _seed(database, users)
    with SilentServer() as silent:
        for name, value in {
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(silent.port),
            "SMTP_TLS": "none",
            "SMTP_TIMEOUT_SECONDS": "60",
        }.items():
            monkeypatch.setenv(f"AUDITAPP_{name}", value)
        config = ServerConfig(database_url=database_url, blob_dir=tmp_path / "central" / "blobs")
        with TestClient(create_app(config, database), raise_server_exceptions=False) as client:
            sent = client.post("/api/reminders/send", headers=headers["quality_manager"])
            assert sent.status_code == 202
            assert silent.connected.wait(30), "the sender never tried the mail server"
            # The sender is now stuck in its SMTP greeting; requests are still answered.
            listed = client.get("/api/reminders", headers=headers["capa_owner"])
            assert listed.status_code == 200
            assert len(listed.json()["items"]) == 3
            again = client.post("/api/reminders/send", headers=headers["quality_manager"])
            assert again.status_code == 202
            with database.transaction() as s:
                assert {r.status for r in s.scalars(select(QueuedMail))} <= {"queued", "sending"}
