"""`python -m bench SUITE [--quick] [--json]`: run one benchmark suite, or `all`."""

from __future__ import annotations

import argparse
import importlib
import json
import sys

from bench.harness import Report

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
    args = parser.parse_args(argv)
    names = list(SUITES) if args.suite == "all" else [args.suite]
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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
