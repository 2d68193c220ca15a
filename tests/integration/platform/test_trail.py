"""The audit trail on both databases: entries chain, tampering is found, concurrent appends never fork."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from auditapp.central import devices, enrollment, trail
from auditapp.central.database import Database
from auditapp.central.service import create_user, deactivate_user, revoke_device, set_role
from auditapp.central.trail_tables import TrailEntry
from sync.keys import DeviceKeys
from tests.integration.platform.conftest import lift_append_only_guard
from tests.support.processes import run_cli


def _append(db: Database, n: int, actor: str = "ada") -> None:
    for i in range(n):
        with db.transaction() as session:
            changes: dict[str, tuple[object, object]] = {"status": ("new", "capa"), "n": (None, i)}
            trail.record(session, actor, "finding", f"f{i}", "triage", changes)


def _entries(db: Database) -> list[TrailEntry]:
    with db.transaction() as session:
        return list(session.scalars(select(TrailEntry).order_by(TrailEntry.seq)))


@pytest.mark.req("PLT-001")
def test_each_change_is_an_entry_chained_to_the_one_before(database: Database) -> None:
    _append(database, 3)
    rows = _entries(database)
    assert [r.seq for r in rows] == [1, 2, 3]
    assert rows[0].prev_hash == "0" * 64
    assert rows[1].prev_hash == rows[0].hash
    assert rows[2].old_values == '{"n":null,"status":"new"}'
    assert rows[2].new_values == '{"n":2,"status":"capa"}'
    assert rows[2].actor == "ada"
    with database.transaction() as session:
        result = trail.verify(session)
        assert [e.seq for e in trail.history(session, "finding", "f1")] == [2]
    assert result.intact
    assert result.entries == 3
    assert result.head_hash == rows[2].hash


@pytest.mark.req("PLT-001")
def test_a_rolled_back_change_leaves_no_entry(database: Database) -> None:
    _append(database, 1)

    def failing_change() -> None:
        with database.transaction() as session:
            trail.record(session, "ada", "capa", "c1", "open", {"stage": (None, "open")})
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError):
        failing_change()
    _append(database, 1)
    assert [r.seq for r in _entries(database)] == [1, 2]
    with database.transaction() as session:
        assert trail.verify(session).intact


@pytest.mark.req("PLT-002")
@pytest.mark.parametrize("statement", ["UPDATE audit_trail SET actor = 'mallory'", "DELETE FROM audit_trail"])
def test_the_database_refuses_to_change_or_delete_entries(database: Database, statement: str) -> None:
    _append(database, 2)
    with pytest.raises(DBAPIError, match="append-only"), database.engine.begin() as conn:
        conn.execute(text(statement))
    assert len(_entries(database)) == 2


@pytest.mark.req("PLT-002")
@pytest.mark.parametrize(
    ("tamper", "bad"),
    [
        ('UPDATE audit_trail SET new_values = \'{"role":"admin"}\' WHERE seq = 3', 3),
        ("DELETE FROM audit_trail WHERE seq = 2", 2),
        ("DELETE FROM audit_trail WHERE seq = 5", 5),
        ("UPDATE audit_trail SET seq = 10 WHERE seq = 4", 4),
        (
            "INSERT INTO audit_trail (seq, at, actor, entity, entity_id, action, old_values, new_values, "
            "prev_hash, hash) SELECT 6, at, actor, entity, entity_id, action, old_values, new_values, hash, "
            "'abababababababababababababababab"
            "abababababababababababababababab' FROM audit_trail WHERE seq = 5",
            6,
        ),
        ("UPDATE audit_trail_head SET seq = 4", 5),
    ],
    ids=["altered", "removed", "removed-last", "renumbered", "inserted", "head-moved"],
)
def test_verify_trail_exits_non_zero_naming_the_first_bad_entry(
    database: Database, cli_env: dict[str, str], tamper: str, bad: int
) -> None:
    _append(database, 5)
    intact = run_cli(["admin", "verify-trail"], cli_env)
    assert intact.returncode == 0, intact.stderr
    assert "intact: 5 entries" in intact.stdout
    lift_append_only_guard(database)
    with database.engine.begin() as conn:
        conn.execute(text(tamper))
    broken = run_cli(["admin", "verify-trail"], cli_env)
    assert broken.returncode == 1
    assert f"audit trail broken at entry {bad}:" in broken.stderr


@pytest.mark.req("PLT-002")
def test_an_altered_entry_with_a_recomputed_hash_is_found_by_the_next_link(
    database: Database, cli_env: dict[str, str]
) -> None:
    _append(database, 4)
    row = _entries(database)[1]
    forged = trail.entry_hash(
        seq=row.seq,
        at=row.at,
        actor="mallory",
        entity=row.entity,
        entity_id=row.entity_id,
        action=row.action,
        old_values=row.old_values,
        new_values=row.new_values,
        prev_hash=row.prev_hash,
    )
    lift_append_only_guard(database)
    with database.engine.begin() as conn:
        conn.execute(text("UPDATE audit_trail SET actor = 'mallory', hash = :h WHERE seq = 2"), {"h": forged})
    broken = run_cli(["admin", "verify-trail"], cli_env)
    assert broken.returncode == 1
    assert "broken at entry 2:" in broken.stderr


@pytest.mark.req("PLT-002")
def test_a_head_hash_kept_elsewhere_catches_a_rewritten_chain(
    database: Database, cli_env: dict[str, str]
) -> None:
    _append(database, 2)
    head = _entries(database)[-1].hash
    assert run_cli(["admin", "verify-trail", "--expect-head", head], cli_env).returncode == 0
    other = run_cli(["admin", "verify-trail", "--expect-head", "ab" * 32], cli_env)
    assert other.returncode == 1
    assert "not the expected" in other.stderr


@pytest.mark.req("PLT-003")
def test_concurrent_appends_never_fork_the_chain(database: Database) -> None:
    errors: list[BaseException] = []

    def worker(name: str) -> None:
        try:
            _append(database, 15, actor=name)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(f"user{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    rows = _entries(database)
    assert [r.seq for r in rows] == list(range(1, 61))
    assert len({r.prev_hash for r in rows}) == 60
    with database.transaction() as session:
        assert trail.verify(session).intact


@pytest.mark.req("PLT-004")
def test_user_and_device_changes_are_recorded_with_who_and_what(database: Database) -> None:
    create_user(database, "ada", "ada-password-1", "admin", "Ada Admin", actor="cli:root")
    create_user(database, "quinn", "quinn-password-1", "viewer", actor="ada")
    set_role(database, "quinn", "quality_manager", actor="ada")
    with database.transaction() as session:
        code = enrollment.issue_code(session, "quinn", issued_by="ada").code
    keys = DeviceKeys.generate()
    device_id = "8b0f5a4e-2c1d-4f7e-9a3b-1c2d3e4f5a6b"
    with database.transaction() as session:
        request = enrollment.EnrollRequest(
            code, device_id, keys.signing_public_b64, keys.receiving_public_b64, "tab"
        )
        enrollment.enroll(session, request)
    revoke_device(database, device_id, actor="ada")
    deactivate_user(database, "quinn", actor="ada")
    seen = [(r.actor, r.entity, r.action) for r in _entries(database)]
    assert seen == [
        ("cli:root", "user", "create"),
        ("ada", "user", "create"),
        ("ada", "user", "change_role"),
        ("ada", "enrollment_code", "issue"),
        (f"device:{device_id}", "device", "enroll"),
        ("ada", "device", "revoke"),
        ("ada", "user", "deactivate"),
    ]
    rows = _entries(database)
    assert rows[2].old_values == '{"role":"viewer"}'
    assert rows[2].new_values == '{"role":"quality_manager"}'
    assert "password" not in rows[1].new_values
    with database.transaction() as session:
        assert devices.list_all(session)[0].status == "revoked"
        assert trail.verify(session).intact
