"""`auditapp server`: run the central store's HTTP API."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from auditapp.config import ServerConfig


def add_database_option(parser: argparse.ArgumentParser, defaults: ServerConfig) -> None:
    """The --database-url option shared by server and admin commands."""
    parser.add_argument(
        "--database-url",
        default=defaults.database_url,
        help="SQLAlchemy URL of the central database: sqlite:///PATH (default under AUDITAPP_HOME) or "
        "postgresql://USER@HOST/DB [AUDITAPP_DATABASE_URL]",
    )


def register(sub: Any) -> None:
    """Add the `server` subcommand."""
    defaults = ServerConfig.from_env()
    parser: argparse.ArgumentParser = sub.add_parser(
        "server",
        help="run the central store (HTTP API on SQLite or PostgreSQL)",
        description="Run the central store: the HTTP API that devices sync to and the quality app uses. "
        "The schema is migrated to the newest version on start.",
    )
    add_database_option(parser, defaults)
    parser.add_argument(
        "--blob-dir", type=Path, default=defaults.blob_dir, help="folder for photo blobs [AUDITAPP_BLOB_DIR]"
    )
    parser.add_argument("--host", default=defaults.host, help="address to listen on [AUDITAPP_SERVER_HOST]")
    parser.add_argument("--port", type=int, default=defaults.port, help="port [AUDITAPP_SERVER_PORT]")
    parser.add_argument("--workers", type=int, default=1, help="API worker processes (PostgreSQL only)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Migrate the schema, then serve until stopped."""
    import uvicorn

    from auditapp.central.allocator import keep_freed_memory
    from auditapp.central.api import create_app
    from auditapp.central.service import open_database

    config = ServerConfig(
        database_url=args.database_url, blob_dir=args.blob_dir, host=args.host, port=args.port
    )
    keep_freed_memory()  # photo bodies reuse mapped pages instead of faulting fresh ones in (ADR 0064)
    database = open_database(config.database_url)
    app = create_app(config, database)
    print(f"auditapp central store listening on http://{config.host}:{config.port}", flush=True)
    uvicorn.run(app, host=config.host, port=config.port, log_level="warning")
    return 0
