"""Kill -9 the writer at random moments: every acknowledged write is there after reopening."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditapp.store.crash_drill import run_drill


@pytest.mark.slow
@pytest.mark.req("STO-001")
@pytest.mark.req("STO-002")
@pytest.mark.req("STO-007")
def test_twenty_random_kills_lose_nothing_acknowledged(tmp_path: Path) -> None:
    result = run_drill(tmp_path / "store", trials=20, seed=2026)
    assert result.problems == []
    assert result.trials == 20
    assert result.acknowledged > 100  # the writer really wrote between kills
    assert result.acknowledged_lost == 0
    assert result.unreadable_stores == 0
    assert result.duplicates == 0
    assert result.outbox_errors == 0
    assert result.torn_tails_injected > 0
    assert result.torn_tails_dropped == result.torn_tails_injected
