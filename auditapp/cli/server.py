"""`auditapp server`: run the central store's HTTP API."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditapp.cli import port_number
from auditapp.config import ServerConfig
from auditapp.domain.errors import AuditAppError

if TYPE_CHECKING:
    from fastapi import FastAPI

APP_FACTORY = "auditapp.cli.server:app_from_env"
"""What each worker process imports and calls to build its application when --workers is more than 1."""


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
        "The schema is migrated to the newest version on start. A sign-in token lasts "
        "AUDITAPP_TOKEN_MINUTES minutes (default 30).",
    )
    add_database_option(parser, defaults)
    parser.add_argument(
        "--blob-dir", type=Path, default=defaults.blob_dir, help="folder for photo blobs [AUDITAPP_BLOB_DIR]"
    )
    parser.add_argument("--host", default=defaults.host, help="address to listen on [AUDITAPP_SERVER_HOST]")
    parser.add_argument(
        "--port", type=port_number, default=defaults.port, help="port, 1 to 65535 [AUDITAPP_SERVER_PORT]"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="API worker processes sharing the port (default 1; more than 1 needs PostgreSQL)",
    )
    parser.set_defaults(handler=run, token_minutes=defaults.token_minutes)


def app_from_env() -> FastAPI:
    """One worker's application, configured from the AUDITAPP_* variables `run` set for it."""
    from auditapp.central.allocator import keep_freed_memory
    from auditapp.central.api import create_app
    from auditapp.central.database import Database

    keep_freed_memory()  # per process: each worker has its own allocator (ADR 0064)
    config = ServerConfig.from_env()
    return create_app(config, Database(config.database_url))  # the parent migrated the schema


def run(args: argparse.Namespace) -> int:
    """Migrate the schema, then serve until stopped."""
    import uvicorn

    from auditapp.central.allocator import keep_freed_memory
    from auditapp.central.api import create_app
    from auditapp.central.database import parse_url
    from auditapp.central.service import open_database

    if args.workers < 1:
        raise AuditAppError(f"--workers: {args.workers} is not a number of processes (1 or more)")
    if args.workers > 1 and parse_url(args.database_url).get_backend_name() == "sqlite":
        raise AuditAppError(
            f"--workers {args.workers} needs PostgreSQL: a SQLite database serves one worker only "
            "(use --workers 1, or --database-url postgresql://...)"
        )
    config = ServerConfig(
        database_url=args.database_url,
        blob_dir=args.blob_dir,
        host=args.host,
        port=args.port,
        token_minutes=args.token_minutes,
    )
    keep_freed_memory()  # photo bodies reuse mapped pages instead of faulting fresh ones in (ADR 0064)
    database = open_database(config.database_url)
    app = create_app(config, database)  # a bad setting stops here, before "listening" is printed
    print(
        f"auditapp central store listening on http://{config.host}:{config.port}"
        + (f" with {args.workers} workers" if args.workers > 1 else ""),
        flush=True,
    )
    if args.workers == 1:
        uvicorn.run(app, host=config.host, port=config.port, log_level="warning")
        return 0
    database.engine.dispose()  # the workers open their own connections
    # Worker processes start afresh and read their configuration from the environment they inherit.
    os.environ.update(
        {
            "AUDITAPP_DATABASE_URL": config.database_url,
            "AUDITAPP_BLOB_DIR": str(config.blob_dir),
            "AUDITAPP_SERVER_HOST": config.host,
            "AUDITAPP_SERVER_PORT": str(config.port),
            "AUDITAPP_TOKEN_MINUTES": str(config.token_minutes),
        }
    )
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        workers=args.workers,
        host=config.host,
        port=config.port,
        log_level="warning",
    )
    return 0
