"""`auditapp readiness`: is a site ready for its certification audit? The verdict and its reasons."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

from auditapp.cli import check_output, write_output
from auditapp.cli.report import add_source_options, central, workspace_store
from auditapp.domain.errors import ValidationError

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def register(sub: Any) -> None:
    """Add the `readiness` subcommand."""
    parser: argparse.ArgumentParser = sub.add_parser(
        "readiness",
        help="certification readiness of a site: ready for Stage 2, for Stage 1 or not ready, with reasons",
        description="Assess whether a site is ready for its certification audit from the records of the last "
        "12 months: key processes shown running, audit programme coverage of every ISO 13485 clause, CAPA "
        "loops closed, implementation gaps. Reads the encrypted field workspace (offline) or, with "
        "--server, the central store. The verdict is ready for Stage 2, ready for Stage 1 or not ready, "
        "with the reasons; the exit status is 0 whatever the verdict.",
    )
    parser.add_argument("--site", required=True, type=_site, help="the site, as written in its audit plans")
    parser.add_argument(
        "--organisation",
        type=_organisation,
        metavar="NAME",
        help="the organisation whose site it is, as written in its audit plans; needed only when "
        "several organisations have a site of that name",
    )
    parser.add_argument("--as-of", type=_day, metavar="YYYY-MM-DD", help="assessment date (default today)")
    parser.add_argument("--json", action="store_true", help="print the whole assessment as JSON")
    parser.add_argument("--pdf", type=Path, metavar="FILE", help="also write the assessment as a PDF")
    add_source_options(parser)
    parser.set_defaults(handler=run)


def _site(text: str) -> str:
    """argparse type of --site: the name without spaces typed around it by accident; never empty."""
    site = text.strip()
    if not site:
        raise argparse.ArgumentTypeError("give the site's name as written in its audit plans")
    return site


def _organisation(text: str) -> str:
    """argparse type of --organisation: the name without spaces typed around it by accident."""
    return text.strip()


def _day(text: str) -> dt.date:
    """argparse type of --as-of: a day as YYYY-MM-DD, refused in plain words (argparse names the option)."""
    if not _ISO_DAY.fullmatch(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: give it as YYYY-MM-DD, e.g. 2026-03-02")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:  # the right shape, but no such day (2026-02-30, 2026-13-45)
        raise argparse.ArgumentTypeError(
            f"{text} is not a day in the calendar: check the month and the day"
        ) from None


def run(args: argparse.Namespace) -> int:
    """Assess, print, and write the PDF if asked."""
    from auditapp.domain.readiness import check_as_of
    from auditapp.reports.readiness_json import readiness_to_dict
    from auditapp.reports.readiness_report import render_readiness_pdf

    today = dt.datetime.now(dt.UTC).date()
    as_of = args.as_of or today
    check_as_of(as_of, today, "--as-of")
    if args.pdf is not None:
        if args.pdf.exists() and not args.pdf.is_dir():
            raise ValidationError(f"{args.pdf} exists: choose another file", "--pdf")
        check_output(args.pdf, "--pdf", force=False)
    if args.server:
        with central(args) as api:
            result = api.readiness(args.site, as_of, args.organisation)
    else:
        from auditapp.reports.library import standard_clauses
        from auditapp.services.reporting import field_readiness

        with workspace_store(args) as store:
            result = field_readiness(
                store,
                args.site,
                as_of,
                standard_clauses(),
                "--site",
                organisation=args.organisation,
                organisation_where="--organisation",
            )
    if args.json:
        print(json.dumps(readiness_to_dict(result), indent=1, ensure_ascii=False))
    else:
        print(f"{result.site}: {result.verdict.label} (records of the 12 months to {as_of.isoformat()})")
        for reason in result.reasons:
            print(f"  blocks Stage {reason.blocks}: {reason.text}")
        for process in result.processes:
            print(f"  [{process.light.value:5}] {process.name}: {process.explanation}")
    if args.pdf is not None:
        write_output(args.pdf, render_readiness_pdf(result), "--pdf")
        if not args.json:
            print(f"wrote {args.pdf}")
    return 0
