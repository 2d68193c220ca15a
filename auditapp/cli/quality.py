"""`auditapp quality`: the quality manager's desktop app over the central store."""

from __future__ import annotations

import argparse
from typing import Any

from auditapp.cli import port_number
from auditapp.config import env, env_port


def register(sub: Any) -> None:
    """Add the `quality` subcommand."""
    parser: argparse.ArgumentParser = sub.add_parser(
        "quality",
        help="the quality desktop app: triage findings, drive CAPAs (web mode on localhost)",
        description="Run the quality desktop app in Flet web mode on localhost. It talks to the central "
        "store only through its HTTP API.",
    )
    parser.add_argument(
        "--server-url",
        default=env("SERVER_URL", ""),
        help="central store URL shown at sign-in [AUDITAPP_SERVER_URL]; default: the URL of the last "
        "successful sign-in (kept in the user's config folder, AUDITAPP_CONFIG_DIR), else "
        "http://127.0.0.1:8765",
    )
    parser.add_argument(
        "--host", default=env("QUALITY_HOST", "127.0.0.1"), help="address to serve on [AUDITAPP_QUALITY_HOST]"
    )
    parser.add_argument(
        "--port",
        type=port_number,
        default=env_port("QUALITY_PORT", 8560),
        help="port, 1 to 65535 [AUDITAPP_QUALITY_PORT]",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Serve the quality app until stopped."""
    from auditapp.ui.quality.app import serve

    serve(args.server_url, args.host, args.port)
    return 0
