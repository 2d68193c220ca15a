"""Signing in, remembering the store, signing out, and signing in again without losing pending work."""

from __future__ import annotations

import pytest

from auditapp.services.quality.session import Done, Failed, NeedsSignIn, Prefs, QualitySession
from tests.unit.quality.conftest import PASSWORD
from tests.unit.quality.fakes import FakeApi, FakeStore, MemoryPrefs


@pytest.mark.req("QAP-001")
def test_sign_in_remembers_url_and_username_but_never_the_password(
    store: FakeStore, prefs: MemoryPrefs
) -> None:
    session = QualitySession(lambda url: FakeApi(store, url), prefs)
    outcome = session.sign_in("http://store.test:8765/ ", "quinn", PASSWORD)
    assert isinstance(outcome, Done)
    assert prefs.saved == Prefs(server_url="http://store.test:8765", username="quinn")
    assert PASSWORD not in repr(prefs.saved)
    assert outcome.value.token not in repr(prefs.saved)

    again = QualitySession(lambda url: FakeApi(store, url), prefs)
    assert (again.server_url, again.last_username) == ("http://store.test:8765", "quinn")
    assert again.user is None


@pytest.mark.req("QAP-001")
def test_a_url_given_on_the_command_line_wins_over_the_remembered_one(
    store: FakeStore, prefs: MemoryPrefs
) -> None:
    prefs.saved = Prefs("http://old.test", "quinn")
    assert QualitySession(lambda url: FakeApi(store, url), prefs, "http://new.test").server_url == (
        "http://new.test"
    )
    assert QualitySession(lambda url: FakeApi(store, url), MemoryPrefs()).server_url == (
        "http://127.0.0.1:8765"
    )


@pytest.mark.req("QAP-001")
@pytest.mark.parametrize(
    ("url", "username", "password", "says"),
    [
        ("store.test", "quinn", PASSWORD, "http://"),
        ("http://store.test", "", PASSWORD, "username"),
        ("http://store.test", "quinn", "wrong", "username or password is wrong"),
    ],
)
def test_a_failed_sign_in_says_why_and_remembers_nothing(
    store: FakeStore, prefs: MemoryPrefs, url: str, username: str, password: str, says: str
) -> None:
    session = QualitySession(lambda u: FakeApi(store, u), prefs)
    outcome = session.sign_in(url, username, password)
    assert isinstance(outcome, Failed)
    assert says in outcome.message
    assert prefs.writes == 0
    assert session.user is None


@pytest.mark.req("QAP-001")
def test_an_unreachable_store_is_reported_with_what_to_check(store: FakeStore, prefs: MemoryPrefs) -> None:
    store.down = True
    outcome = QualitySession(lambda u: FakeApi(store, u), prefs).sign_in("http://x.test", "quinn", PASSWORD)
    assert isinstance(outcome, Failed)
    assert "check the URL" in outcome.message


@pytest.mark.req("QAP-003")
def test_sign_out_forgets_the_user_and_refuses_further_calls(session: QualitySession) -> None:
    session.sign_out()
    assert session.user is None
    assert session.abilities.read_only
    outcome = session.attempt(lambda api: api.metrics())
    assert isinstance(outcome, Failed)
    assert outcome.code == "not_signed_in"


@pytest.mark.req("QAP-004")
def test_expired_sign_in_keeps_the_work_and_runs_it_after_the_password_is_re_entered(
    session: QualitySession, store: FakeStore
) -> None:
    form = {"method": "five_whys", "result": "operators were never trained on rev C"}
    store.capas["c1"] = {"id": "c1"}
    store.expire_next = True

    first = session.attempt(lambda api: api.update_capa("c1", "root-cause", dict(form)))
    assert isinstance(first, NeedsSignIn)
    assert "expired" in first.message
    assert session.has_pending
    assert store.capas["c1"] == {"id": "c1"}

    wrong = session.sign_in_again("not the password")
    assert isinstance(wrong, Failed)
    assert session.has_pending

    resumed = session.sign_in_again(PASSWORD)
    assert isinstance(resumed, Done)
    assert store.capas["c1"]["root-cause"] == form
    assert not session.has_pending
    assert session.user is not None
    assert session.user.username == "quinn"


@pytest.mark.req("QAP-004")
def test_cancelling_the_sign_in_drops_the_pending_work_only(
    session: QualitySession, store: FakeStore
) -> None:
    store.expire_next = True
    assert isinstance(session.attempt(lambda api: api.metrics()), NeedsSignIn)
    session.drop_pending()
    assert not session.has_pending
    assert isinstance(session.sign_in_again(PASSWORD), Done)
    assert [name for name, _ in store.calls] == []


def test_a_refusal_is_a_failure_with_the_stores_message(session: QualitySession) -> None:
    def refuse(_: object) -> None:
        from auditapp.services.quality.errors import Forbidden

        raise Forbidden("your role (viewer) may not triage findings", "forbidden", 403)

    outcome = session.attempt(refuse)
    assert isinstance(outcome, Failed)
    assert (outcome.code, outcome.message) == ("forbidden", "your role (viewer) may not triage findings")
