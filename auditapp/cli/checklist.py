"""`auditapp checklist`: list, show, validate and import checklists."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    """Add the `checklist` subcommand."""
    parser: argparse.ArgumentParser = sub.add_parser(
        "checklist",
        help="list, show, validate and import checklists",
        description="List, show, validate and import audit checklists.",
    )
    parser.set_defaults(handler=lambda args: parser.print_help())
