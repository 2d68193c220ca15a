"""Many wrong passwords at once, against a real server: the store keeps answering everyone, and the
sign-in limits hold (at most 5 passwords checked per account and 20 per address in a window)."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from tests.integration.central.conftest import ADMIN_PASSWORD
from tests.support.processes import Running, run_cli

ANSWER_WITHIN = 60.0
"""Seconds a request may take before the test counts it as not answered: generous (no timing is tested;
each checked password costs argon2's time, on a machine that may be busy)."""


@dataclass(frozen=True)
class Call:
    """One request of a burst."""

    method: str
    path: str
    body: dict[str, Any] | None = None
    headers: dict[str, str] | None = None


def _burst(base: str, calls: list[Call]) -> list[tuple[int, str]]:
    """Send the calls all at once, each from its own thread; (status, error code) of each, in order.
    A request that got no answer in ANSWER_WITHIN seconds reads (0, "no answer")."""
    start = threading.Barrier(len(calls))

    def send(call: Call) -> tuple[int, str]:
        start.wait()
        try:
            reply = requests.request(
                call.method, base + call.path, json=call.body, headers=call.headers, timeout=ANSWER_WITHIN
            )
        except requests.RequestException:
            return 0, "no answer"
        try:
            code = reply.json().get("error", {}).get("code", "")
        except ValueError:
            code = reply.text[:80]
        return reply.status_code, code

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(send, calls))


def _sign_in(base: str, username: str, password: str) -> dict[str, str]:
    reply = requests.post(
        f"{base}/api/auth/login", json={"username": username, "password": password}, timeout=ANSWER_WITHIN
    )
    assert reply.status_code == 200, reply.text
    return {"Authorization": f"Bearer {reply.json()['token']}"}


def _login(username: str, password: str) -> Call:
    return Call("POST", "/api/auth/login", {"username": username, "password": password})


def _refusals_within(answers: list[tuple[int, str]], refused: tuple[int, str], limit: int) -> None:
    """Every answer is the refusal or too_many_attempts, and at most `limit` are the refusal."""
    counts = Counter(answers)
    assert set(counts) <= {refused, (429, "too_many_attempts")}, counts
    assert counts[refused] <= limit, counts


@pytest.mark.req("PLT-006")
def test_wrong_passwords_from_one_address_at_once_leave_the_store_answering(central: Running) -> None:
    """24 wrong sign-ins at once (8 names, 3 each: under the account limit) from one address: the store
    answers each (no 500), checks at most 20 passwords (the address limit) and refuses the rest with 429,
    and a signed-in user is served meanwhile."""
    me = _sign_in(central.url, "admin", ADMIN_PASSWORD)
    guesses = [_login(f"guess{i % 8}", f"wrong-guess-{i}") for i in range(24)]
    *answers, mine = _burst(central.url, [*guesses, Call("GET", "/api/me", headers=me)])
    _refusals_within(answers, (401, "bad_credentials"), 20)
    assert mine[0] == 200, mine


@pytest.mark.req("PLT-006")
def test_wrong_passwords_for_one_account_at_once_check_at_most_five(central: Running) -> None:
    """20 wrong passwords for one account at once: at most 5 are checked, the rest are refused with 429,
    the right password is then refused too, and a signed-in user is served meanwhile."""
    me = _sign_in(central.url, "admin", ADMIN_PASSWORD)
    guesses = [_login("admin", f"wrong-guess-{i}") for i in range(20)]
    *answers, mine = _burst(central.url, [*guesses, Call("GET", "/api/me", headers=me)])
    _refusals_within(answers, (401, "bad_credentials"), 5)
    assert mine[0] == 200, mine
    right = _burst(central.url, [_login("admin", ADMIN_PASSWORD)])
    assert right == [(429, "too_many_attempts")]


@pytest.mark.req("CAP-018", "PLT-006")
def test_wrong_signature_passwords_at_once_leave_the_store_answering(central: Running) -> None:
    """20 closures of a CAPA at once with a wrong password: each is answered (no 500), at most 5 passwords
    are checked, the CAPA stays open, and another signed-in user is served meanwhile."""
    env = central.env  # type: ignore[attr-defined]
    made = run_cli(["admin", "create-user", "quinn", "--role", "quality_manager", "--name", "Quinn Q"], env)
    assert made.returncode == 0, made.stderr
    quinn = _sign_in(central.url, "quinn", ADMIN_PASSWORD)
    me = _sign_in(central.url, "admin", ADMIN_PASSWORD)
    capa = {"title": "Gowning log gaps", "problem_statement": "3 of 10 days unsigned", "owner": "quinn"}
    opened = requests.post(f"{central.url}/api/capas", json=capa, headers=quinn, timeout=ANSWER_WITHIN)
    assert opened.status_code == 201, opened.text
    close = f"/api/capas/{opened.json()['id']}/close"
    bodies = [
        {"password": f"wrong-password-{i}", "meaning": "approved closure", "signer_timezone": "Europe/Berlin"}
        for i in range(20)
    ]
    tries = [Call("POST", close, body, quinn) for body in bodies]
    *answers, mine = _burst(central.url, [*tries, Call("GET", "/api/me", headers=me)])
    _refusals_within(answers, (401, "bad_signature_password"), 5)
    assert mine[0] == 200, mine
    after = requests.get(f"{central.url}{close.removesuffix('/close')}", headers=me, timeout=ANSWER_WITHIN)
    assert after.json()["signatures"] == []
