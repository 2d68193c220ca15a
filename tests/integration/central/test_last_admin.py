"""Two administrators removing each other at the same moment never leave the store without one (PLT-015).

The check "is this the last active admin?" and the change are serialised; the request that loses the race
is refused with 409 `last_admin` (or, when the winner already switched its caller off, with 401/403) and
changes nothing. Once with two transactions interleaved by hand, once with concurrent requests against a
real `auditapp server`, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
import requests
from sqlalchemy import select

from auditapp.central import auth
from auditapp.central.database import Database
from auditapp.central.errors import ApiError
from auditapp.central.service import create_user, open_database
from auditapp.central.tables import User
from tests.integration.central.conftest import ADMIN_PASSWORD
from tests.support.processes import Running

PASSWORD = "admin-password-2"
Change = Callable[[Any, User, str], None]
CHANGES: dict[str, Change] = {
    "deactivate": lambda s, user, actor: auth.deactivate(s, user, actor),
    "demote": lambda s, user, actor: auth.set_role(s, user, auth.Role.VIEWER, actor),
}


def _active_admins(database: Database) -> list[str]:
    with database.transaction() as s:
        query = select(User.username).where(User.role == "admin", User.active.is_(True))
        return sorted(s.scalars(query))


@pytest.mark.req("PLT-015")
@pytest.mark.parametrize("change", sorted(CHANGES))
def test_the_second_of_two_overlapping_removals_waits_and_is_refused(database_url: str, change: str) -> None:
    database = open_database(database_url)
    try:
        ada = create_user(database, "ada", PASSWORD, "admin")
        bob = create_user(database, "bob", PASSWORD, "admin")
        first = database.session()
        first.begin()
        CHANGES[change](first, first.get(User, bob), "ada")  # written, not committed yet
        first.flush()
        outcome: list[str] = []

        def second() -> None:
            try:
                with database.transaction() as s:
                    CHANGES[change](s, s.get(User, ada), "bob")
                outcome.append("changed")
            except ApiError as exc:
                outcome.append(exc.code)

        racer = threading.Thread(target=second)
        racer.start()
        time.sleep(0.5)  # let the second transaction reach its check while the first is still open
        first.commit()
        first.close()
        racer.join(timeout=60)
        assert outcome == ["last_admin"]
        assert _active_admins(database) == ["ada"]
    finally:
        database.dispose()


def _login(server: Running, username: str, password: str) -> requests.Session:
    http = requests.Session()
    reply = http.post(
        f"{server.url}/api/auth/login", json={"username": username, "password": password}, timeout=30
    )
    assert reply.status_code == 200, reply.text
    http.headers["Authorization"] = f"Bearer {reply.json()['token']}"
    return http


def _user_ids(http: requests.Session, server: Running) -> dict[str, str]:
    reply = http.get(f"{server.url}/api/users", params={"limit": 200}, timeout=30)
    assert reply.status_code == 200, reply.text
    return {u["username"]: u["id"] for u in reply.json()["items"]}


def _race(server: Running, change: str, moves: list[tuple[str, requests.Session, str]]) -> dict[str, Any]:
    """Send each admin's removal of the other at the same moment; returns who got which reply."""
    barrier = threading.Barrier(len(moves))
    replies: dict[str, requests.Response] = {}

    def remove(who: str, http: requests.Session, target_id: str) -> None:
        barrier.wait()
        if change == "deactivate":
            replies[who] = http.post(f"{server.url}/api/users/{target_id}/deactivate", timeout=60)
        else:
            replies[who] = http.put(
                f"{server.url}/api/users/{target_id}/role", json={"role": "viewer"}, timeout=60
            )

    racers = [threading.Thread(target=remove, args=move) for move in moves]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join(timeout=60)
    return replies


@pytest.mark.req("PLT-015")
def test_two_admins_removing_each_other_over_http_leave_one(central: Running) -> None:
    passwords = {"admin": ADMIN_PASSWORD}
    survivor = "admin"
    for round_number in range(8):
        change = ("deactivate", "demote")[round_number % 2]
        other = f"admin{round_number}"
        passwords[other] = PASSWORD
        boss = _login(central, survivor, passwords[survivor])
        made = boss.post(
            f"{central.url}/api/users",
            json={"username": other, "role": "admin", "password": PASSWORD, "display_name": other},
            timeout=30,
        )
        assert made.status_code == 201, made.text
        peer = _login(central, other, PASSWORD)
        ids = _user_ids(boss, central)
        replies = _race(central, change, [(survivor, boss, ids[other]), (other, peer, ids[survivor])])
        won = [who for who, reply in replies.items() if reply.status_code == 200]
        assert len(won) == 1, {who: (r.status_code, r.text) for who, r in replies.items()}
        lost = next(who for who in replies if who not in won)
        error = replies[lost].json()["error"]
        assert (replies[lost].status_code, error["code"]) in {
            (409, "last_admin"),
            (401, "invalid_token"),  # the winner had already switched the loser off
            (403, "forbidden"),  # the winner had already made the loser a viewer
        }, error
        # Nothing changed for the loser: the winner is the one active admin left.
        survivor = won[0]
        users = _login(central, survivor, passwords[survivor]).get(f"{central.url}/api/users", timeout=30)
        admins = [u["username"] for u in users.json()["items"] if u["role"] == "admin" and u["active"]]
        assert admins == [survivor]
