"""`auditapp demo`: the central store and the field app together, seeded with demo data."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from auditapp.cli import argument_type, port_number
from auditapp.config import data_home, env_int, env_port, parse_int


def _port_or_none(text: str, where: str | None) -> int:
    return parse_int(text, where, 0, 65535)


port_or_none = argument_type(_port_or_none, "port")
"""argparse type of --quality-port: a TCP port, or 0 for none."""


def register(sub: Any) -> None:
    """Add the `demo` subcommand."""
    parser: argparse.ArgumentParser = sub.add_parser(
        "demo",
        help="run the central store, the field app and the quality app together with demo data",
        description="Start the central store on SQLite, the field app and the quality app in web mode, "
        "seeded with a demo organisation, users and audit. Prints the URLs and demo credentials; "
        "Ctrl-C stops all.",
    )
    parser.add_argument(
        "--home",
        type=Path,
        default=data_home() / "demo",
        help="folder for the demo's data [AUDITAPP_HOME]/demo",
    )
    parser.add_argument(
        "--server-port",
        type=port_number,
        default=env_port("SERVER_PORT", 8765),
        help="central store port [AUDITAPP_SERVER_PORT]",
    )
    parser.add_argument(
        "--field-port",
        type=port_number,
        default=env_port("FIELD_PORT", 8550),
        help="field app port [AUDITAPP_FIELD_PORT]",
    )
    parser.add_argument(
        "--quality-port",
        type=port_or_none,
        default=env_int("QUALITY_PORT", 8560, 0, 65535),
        help="quality app port; 0 leaves the quality app out [AUDITAPP_QUALITY_PORT]",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Seed, start both parts, wait for Ctrl-C."""
    from auditapp.demo import run_demo

    return run_demo(args.home, args.server_port, args.field_port, args.quality_port)
