"""The `auditapp` command: one entry point for the field app, the quality app, the server and tools."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from auditapp.domain.errors import AuditAppError

# Subcommand -> module under auditapp.cli exposing `register(subparsers)`.
COMMANDS = {
    "field": "auditapp.cli.field",
    "quality": "auditapp.cli.quality",
    "server": "auditapp.cli.server",
    "demo": "auditapp.cli.demo",
    "checklist": "auditapp.cli.checklist",
    "admin": "auditapp.cli.admin",
    "report": "auditapp.cli.report",
    "readiness": "auditapp.cli.readiness",
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser with every subcommand registered, or just `only` (a start-up saving)."""
    parser = argparse.ArgumentParser(
        prog="auditapp",
        description="Offline ISO 13485 audits on a tablet, and a central store that turns findings into "
        "CAPAs proven to work. Where an option's help names an AUDITAPP_* environment variable in brackets, "
        "that variable sets its default; some settings are environment variables only.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, module_name in COMMANDS.items():
        if only is None or name == only:
            importlib.import_module(module_name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; user errors print one clear line and exit 2."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    # Import only the named subcommand's module: `auditapp field` should not pay for the server's imports.
    named = arguments[0] if arguments and arguments[0] in COMMANDS else None
    parser = build_parser(named)
    args = parser.parse_args(arguments)
    try:
        return int(args.handler(args) or 0)
    except AuditAppError as exc:
        print(f"auditapp {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
