"""`python -m bench SUITE [--quick] [--json] [--check]`: run one benchmark suite, or `all`.

With --check, the figures are also compared with the targets each suite declares: every missed target is
named on stderr with its measured value, and the exit code is 1 when any was missed (0 otherwise)."""

from __future__ import annotations

import argparse
import importlib
import json
import sys

from bench.harness import Miss, Report

# Suite name -> module in bench/ with a `run(quick: bool) -> Report` function.
SUITES = {
    "checklists": "bench.suite_checklists",
    "crash": "bench.suite_crash",
    "photo": "bench.suite_photo",
    "store": "bench.suite_store",
    "domain": "bench.suite_domain",
    "sync": "bench.suite_sync",
    "ui": "bench.ui",
    "reports": "bench.reports",
    "central": "bench.central",
}


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run the suites, print the reports."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("suite", choices=[*SUITES, "all"], help="which suite to run")
    parser.add_argument("--quick", action="store_true", help="a smaller run that finishes in under a minute")
    parser.add_argument("--json", action="store_true", help="print one JSON object per suite")
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit 1, naming each one on stderr, when a figure misses a target the suite declares",
    )
    args = parser.parse_args(argv)
    names = list(SUITES) if args.suite == "all" else [args.suite]
    missed: list[Miss] = []
    for name in names:
        module = importlib.import_module(SUITES[name])
        report: Report = module.run(quick=args.quick)
        if args.json:
            print(json.dumps(report.as_json()))
        else:
            print(f"== {report.suite}")
            for section in ("metrics", "baseline", "ratios"):
                for key, value in getattr(report, section).items():
                    print(f"  {section[:-1] if section != 'metrics' else 'metric'} {key}: {value}")
        sys.stdout.flush()
        if args.check:
            missed += _check(report)
    return 1 if missed else 0


def _check(report: Report) -> list[Miss]:
    """The report's missed targets, each named on stderr; says so when the suite declares none."""
    missed = report.missed()
    if not report.targets:
        print(f"bench {report.suite}: declares no targets; nothing to check", file=sys.stderr)
    elif not missed:
        print(f"bench {report.suite}: all {len(report.targets)} targets met", file=sys.stderr)
    for miss in missed:
        print(f"bench {report.suite}: target missed: {miss}", file=sys.stderr)
    sys.stderr.flush()
    return missed


if __name__ == "__main__":
    raise SystemExit(main())
