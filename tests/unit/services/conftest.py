"""Fixtures shared by the capture-service tests: an in-memory store, a capture context, a planned audit."""

from __future__ import annotations

import pytest

from auditapp.services.context import CaptureContext
from auditapp.store.memory import MemoryEventStore
from tests.unit.services.fakes import context_over, planned


@pytest.fixture
def store() -> MemoryEventStore:
    return MemoryEventStore()


@pytest.fixture
def ctx(store: MemoryEventStore) -> CaptureContext:
    return context_over(store)


@pytest.fixture
def audit_id(ctx: CaptureContext) -> str:
    return planned(ctx)
