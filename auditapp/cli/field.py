"""`auditapp field`: the auditor's app, Flet web mode on localhost, fully offline."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from auditapp.config import FieldConfig


def register(sub: Any) -> None:
    """Add the `field` subcommand."""
    defaults = FieldConfig.from_env()
    parser: argparse.ArgumentParser = sub.add_parser(
        "field",
        help="the auditor's field app (Flet web mode on localhost, works offline)",
        description="Run the auditor's field app in Flet web mode on localhost, with every asset served "
        "locally. Data stays in an encrypted workspace on this device until it is synced.",
    )
    parser.add_argument(
        "--workspace",
        type=Path,
        default=defaults.workspace,
        help="folder of the encrypted workspace [AUDITAPP_WORKSPACE]",
    )
    parser.add_argument("--host", default=defaults.host, help="address to serve on [AUDITAPP_FIELD_HOST]")
    parser.add_argument("--port", type=int, default=defaults.port, help="port [AUDITAPP_FIELD_PORT]")
    parser.add_argument(
        "--server-url",
        default=defaults.server_url,
        help="central store to sync with; none means offline only [AUDITAPP_SERVER_URL]",
    )
    parser.add_argument(
        "--sync-interval",
        type=float,
        default=defaults.sync_interval_s,
        help="seconds between background sync attempts [AUDITAPP_SYNC_INTERVAL]",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Serve the field app until stopped."""
    from auditapp.bootstrap import field_workspace
    from auditapp.ui.field.app import serve

    config = FieldConfig(
        workspace=args.workspace,
        host=args.host,
        port=args.port,
        server_url=args.server_url,
        sync_interval_s=args.sync_interval,
    )
    serve(field_workspace(config), config.host, config.port)
    return 0
