"""`python -m bench SUITE --json` prints the report the issues ask for (shape only: no timing asserted)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.support.processes import ROOT


@pytest.mark.req("FND-006")
def test_domain_suite_prints_metrics_baseline_ratios_and_environment() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "domain", "--quick", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["suite"] == "domain"
    assert {"metrics", "baseline", "ratios", "env"} <= report.keys()
    assert report["metrics"]
    assert report["baseline"]
    assert report["ratios"]
    assert all(isinstance(v, int | float) for v in report["ratios"].values())
    assert report["env"]["cpus"] >= 1


def test_unknown_suite_is_refused_with_the_list_of_suites() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "nope"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "domain" in done.stderr
