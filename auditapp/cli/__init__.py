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


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="auditapp",
        description="Offline ISO 13485 audits on a tablet, and a central store that turns findings into "
        "CAPAs proven to work. Every option can also be set with an AUDITAPP_* environment variable.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module_name in COMMANDS.values():
        importlib.import_module(module_name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; user errors print one clear line and exit 2."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except AuditAppError as exc:
        print(f"auditapp {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
