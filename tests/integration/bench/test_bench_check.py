"""`python -m bench SUITE --check` fails when a figure misses a target its suite declares.

The store suite runs for real here except for its measurements, which are replaced by made-up timings:
no benchmark runs and no time is asserted, only the exit code and what the check names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench import suite_store
from bench.__main__ import main
from bench.harness import Report


def _fake_store_timings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, ms_at_20000: float) -> None:
    """Median append of 2 ms at 1,000 and 5,000 events and `ms_at_20000` at 20,000; an fsync'd append
    of 2 ms; 100 ms to open the big store."""
    monkeypatch.setenv("BENCH_TMP", str(tmp_path))

    def appends(folder: Path, _make: Any, samples: int) -> tuple[list[float], list[float]]:
        ms = ms_at_20000 if folder.name == "store-20000" else 2.0
        return [ms / 1000] * samples, [0.002] * samples

    def tinydb_inserts(folder: Path, _make: Any, _size: int, inserts: int) -> list[float]:
        (folder / "naive.json").touch()  # the suite removes the file after each size
        return [0.05] * inserts

    monkeypatch.setattr(suite_store, "_prefill", lambda *_: None)
    monkeypatch.setattr(suite_store, "_appends", appends)
    monkeypatch.setattr(suite_store, "_tinydb_inserts", tinydb_inserts)
    monkeypatch.setattr(suite_store, "_open_to_usable", lambda *_: ([0.1], [0.05], 20_000))


def test_store_check_fails_naming_the_missed_target_with_measured_and_target(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _fake_store_timings(monkeypatch, tmp_path, ms_at_20000=4.0)  # twice as slow at 20,000 events

    assert main(["store", "--quick", "--check"]) == 1
    err = capsys.readouterr().err
    assert "bench store: target missed: append_median_20000_vs_1000 measured 2, target <= 1.5" in err
    assert err.count("target missed") == 1  # the targets that were met are not named


def test_store_check_passes_when_every_declared_target_is_met(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _fake_store_timings(monkeypatch, tmp_path, ms_at_20000=2.2)

    assert main(["store", "--quick", "--check"]) == 0
    assert "bench store: all 3 targets met" in capsys.readouterr().err


def test_without_check_a_missed_target_still_exits_0_and_the_json_lists_the_targets(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _fake_store_timings(monkeypatch, tmp_path, ms_at_20000=4.0)

    assert main(["store", "--quick", "--json"]) == 0
    out = capsys.readouterr()
    assert out.err == ""
    assert '"append_median_20000_vs_1000": "<= 1.5"' in out.out


def test_a_declared_target_whose_figure_was_not_measured_is_missed() -> None:
    report = Report(suite="store", ratios={"append_median_20000_vs_1000": 1.0})
    report.target("append_median_20000_vs_1000", "<=", 1.5)
    report.target("open_to_usable_ms_20000", "<", 300)
    assert [str(miss) for miss in report.missed()] == ["open_to_usable_ms_20000 not measured, target < 300"]
    with pytest.raises(ValueError, match="'=<' is not one of"):
        report.target("x", "=<", 1)
