"""Every implementation of the store ports, so one contract suite runs against each."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from auditapp.store.memory import MemoryEventStore

PASSPHRASE = "correct horse battery staple"


@pytest.fixture(params=["memory", "tinydb"])
def field_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """A store implementing EventStore, Outbox and Settings, with `.photos` (a PhotoStore)."""
    if request.param == "memory":
        yield MemoryEventStore()
        return
    from auditapp.store import FieldStore

    store = FieldStore.create(tmp_path / "field", PASSPHRASE)
    try:
        yield store
    finally:
        store.close()
