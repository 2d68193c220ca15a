"""`auditapp field`: the auditor's app, Flet web mode on localhost, fully offline."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path
from typing import Any

from auditapp.cli import argument_type, port_number
from auditapp.config import FieldConfig, parse_chunk_size, parse_float


def register(sub: Any) -> None:
    """Add the `field` subcommand."""
    defaults = FieldConfig.from_env()
    parser: argparse.ArgumentParser = sub.add_parser(
        "field",
        help="the auditor's field app (Flet web mode on localhost, works offline)",
        description="Run the auditor's field app in Flet web mode on localhost, with every asset served "
        "locally. Data stays in encrypted workspaces on this device (one per client, each with its own "
        "passphrase and central store) until it is synced.",
    )
    parser.add_argument(
        "--workspace",
        type=Path,
        default=None,
        help="folder of the workspace to open at start; it joins the workspace list where it is "
        f"[AUDITAPP_WORKSPACE] (default: the one opened last, first run {defaults.workspace})",
    )
    parser.add_argument(
        "--workspaces",
        type=Path,
        default=defaults.workspaces,
        help="folder of the workspace list (workspaces.json) and of new workspaces "
        "[AUDITAPP_WORKSPACES] (default: the folder holding the start workspace)",
    )
    parser.add_argument("--host", default=defaults.host, help="address to serve on [AUDITAPP_FIELD_HOST]")
    parser.add_argument(
        "--port", type=port_number, default=defaults.port, help="port, 1 to 65535 [AUDITAPP_FIELD_PORT]"
    )
    parser.add_argument(
        "--server-url",
        default=defaults.server_url,
        help="central store of the workspace opened at start; none keeps its own setting "
        "[AUDITAPP_SERVER_URL]",
    )
    parser.add_argument(
        "--sync-interval",
        type=argument_type(lambda text, where: parse_float(text, where, 0, above=True), "seconds"),
        default=defaults.sync_interval_s,
        help="seconds between background sync attempts [AUDITAPP_SYNC_INTERVAL]",
    )
    parser.add_argument(
        "--chunk-size",
        type=argument_type(parse_chunk_size, "chunk size"),
        default=defaults.sync_chunk_size,
        metavar="BYTES",
        help="photos are uploaded in chunks of this many bytes, 1 to 16777216 (16 MiB); default 2097152 "
        "(2 MiB) [AUDITAPP_SYNC_CHUNK_SIZE]",
    )
    parser.set_defaults(handler=run)


def config_from(args: argparse.Namespace) -> FieldConfig:
    """The field configuration the arguments describe (environment defaults for what is not given)."""
    config = replace(
        FieldConfig.from_env(),
        host=args.host,
        port=args.port,
        server_url=args.server_url,
        sync_interval_s=args.sync_interval,
        sync_chunk_size=args.chunk_size,
        workspaces=args.workspaces,
    )
    if args.workspace is not None:
        config = replace(config, workspace=args.workspace, reopen_last=False)
    return config


def run(args: argparse.Namespace) -> int:
    """Serve the field app until stopped; the app is assembled while the browser loads its web client."""
    from auditapp.ui.field.launch import Served, serve_assembled

    config = config_from(args)

    def assemble() -> Served:
        from auditapp.bootstrap import field_audits, field_workspaces
        from auditapp.ui.field.app import FieldServer

        workspaces = field_workspaces(config)
        return FieldServer(workspaces, field_audits(workspaces))

    serve_assembled(assemble, config.host, config.port)
    return 0
