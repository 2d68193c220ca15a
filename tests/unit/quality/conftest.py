"""Fixtures of the quality view-model tests: an in-memory store and a session signed in to it."""

from __future__ import annotations

import pytest

from auditapp.services.quality.session import Done, QualitySession
from tests.unit.quality.fakes import FakeApi, FakeStore, MemoryPrefs

PASSWORD = "quality-pass-1"


@pytest.fixture
def store() -> FakeStore:
    """A store with a quality manager, a CAPA owner and a viewer."""
    return FakeStore(
        users={
            "quinn": (PASSWORD, "Quinn Quality", "quality_manager"),
            "owen": (PASSWORD, "Owen Owner", "capa_owner"),
            "vera": (PASSWORD, "Vera Viewer", "viewer"),
        }
    )


@pytest.fixture
def prefs() -> MemoryPrefs:
    """Preferences in memory."""
    return MemoryPrefs()


@pytest.fixture
def session(store: FakeStore, prefs: MemoryPrefs) -> QualitySession:
    """Quinn signed in to the fake store."""
    signed = QualitySession(lambda url: FakeApi(store, url), prefs)
    assert isinstance(signed.sign_in("http://store.test", "quinn", PASSWORD), Done)
    return signed
