"""`auditapp admin rebuild-metrics`: recount the dashboard's counters from the store's tables."""

from __future__ import annotations

import argparse
from typing import Any

from auditapp.cli.server import add_database_option
from auditapp.config import ServerConfig


def register(actions: Any, defaults: ServerConfig) -> None:
    """Add `rebuild-metrics` to `auditapp admin`."""
    rebuild = actions.add_parser(
        "rebuild-metrics",
        help="recount the dashboard's counters",
        description="Recount the counters behind GET /api/metrics from the findings, CAPAs, actions and "
        "effectiveness checks, and print how many were wrong or missing. Needed only after rows were "
        "loaded or changed around the application (a bulk import, a restore, a manual fix); safe at any "
        "time, also while the server runs.",
    )
    add_database_option(rebuild, defaults)
    rebuild.set_defaults(handler=_rebuild)


def _rebuild(args: argparse.Namespace) -> int:
    from auditapp.central.service import open_existing_database, rebuild_metrics

    database = open_existing_database(args.database_url)
    try:
        repaired = rebuild_metrics(database)
    finally:
        database.dispose()
    print(
        f"dashboard counters recounted: {repaired} repaired" if repaired else "dashboard counters were right"
    )
    return 0
