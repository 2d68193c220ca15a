"""`auditapp server`: run the central store's HTTP API."""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import socket
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditapp.cli import port_number
from auditapp.config import ServerConfig
from auditapp.domain.errors import AuditAppError

if TYPE_CHECKING:
    from fastapi import FastAPI

APP_FACTORY = "auditapp.cli.server:app_from_env"
"""What each worker process imports and calls to build its application when --workers is more than 1."""
BACKLOG = 2048
"""Connections waiting to be accepted, as uvicorn's default."""
STARTUP_FAILURE = 3
"""The exit status when the server could not start serving (uvicorn's own)."""


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


def _bind_reason(exc: OSError) -> str:
    """Why an address cannot be listened on, in words that say what to change."""
    if exc.errno == errno.EADDRINUSE:
        return "the address is already in use (is another server running there?): choose another --port"
    if exc.errno == errno.EADDRNOTAVAIL:
        return "the address is not one of this machine's: check --host"
    if exc.errno == errno.EACCES:
        return "permission denied: ports below 1024 need privileges, choose a higher --port"
    if isinstance(exc, socket.gaierror):
        return "the host name is not known: check --host"
    return f"{exc.strerror or type(exc).__name__}: check --host and --port"


def address_url(host: str, port: int) -> str:
    """The address as a URL (an IPv6 address in brackets)."""
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def listen(host: str, port: int) -> list[socket.socket]:
    """Bind and listen on host:port now, before anything is announced; the sockets are handed to the
    server. AuditAppError in one line naming host and port when the address cannot be used.

    One socket per address the host name resolves to (both loopbacks for `localhost`), an address family
    the machine has switched off skipped, SO_REUSEADDR so that a restart need not wait for old connections
    to time out. When a name resolves to IPv4 and IPv6 addresses, the IPv6 socket is IPv6 only so the two
    do not collide; a lone IPv6 address (`::`) keeps the system's default, which on Linux serves IPv4 too.
    """
    where = address_url(host, port)
    sockets: list[socket.socket] = []
    try:
        infos = list(
            dict.fromkeys(
                socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
            )
        )
        unavailable: OSError | None = None
        for family, kind, proto, _, address in infos:
            try:
                sock = socket.socket(family, kind, proto)
            except OSError as exc:  # IPv6 switched off while /etc/hosts still names ::1
                if exc.errno not in (errno.EAFNOSUPPORT, errno.EPROTONOSUPPORT):
                    raise
                unavailable = exc
                continue
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6 and len(infos) > 1:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            try:
                sock.bind(address)
            except OSError as exc:
                if exc.errno != errno.EADDRNOTAVAIL:
                    raise
                unavailable = exc
                sockets.pop().close()
                continue
            sock.listen(BACKLOG)
        if not sockets:
            raise unavailable or OSError(errno.EADDRNOTAVAIL, "no address to listen on")
    except OSError as exc:
        for sock in sockets:
            sock.close()
        raise AuditAppError(f"cannot listen on {where}: {_bind_reason(exc)}") from None
    return sockets


def run(args: argparse.Namespace) -> int:
    """Migrate the schema, bind the address, then serve until stopped."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

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
    sockets = listen(config.host, config.port)  # an address in use stops here too
    print(
        f"auditapp central store listening on {address_url(config.host, config.port)}"
        + (f" with {args.workers} workers" if args.workers > 1 else ""),
        flush=True,
    )
    if args.workers == 1:
        server = uvicorn.Server(uvicorn.Config(app, host=config.host, port=config.port, log_level="warning"))
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl+C: the server has shut down cleanly
            server.run(sockets=sockets)
        return 0 if server.started else STARTUP_FAILURE
    database.engine.dispose()  # the workers open their own connections
    for sock in sockets:
        sock.set_inheritable(True)  # the worker processes serve from them
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
    workers = uvicorn.Config(
        APP_FACTORY,
        factory=True,
        workers=args.workers,
        host=config.host,
        port=config.port,
        log_level="warning",
    )
    with contextlib.suppress(KeyboardInterrupt):
        Multiprocess(workers, sockets=sockets).run()  # what uvicorn.run does, on the sockets bound above
    return 0
