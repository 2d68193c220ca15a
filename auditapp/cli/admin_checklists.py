"""`auditapp admin publish-checklist` and `auditapp admin checklists`: checklists for the field devices."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from auditapp.cli.server import add_database_option
from auditapp.config import ServerConfig

FORMATS = ("yaml", "csv", "xlsx", "ciso-yaml", "ciso-xlsx")


def register(actions: Any, defaults: ServerConfig, actor: Any) -> None:
    """Add the publishing actions to `auditapp admin` (`actor()` names the command line's user)."""
    publish = actions.add_parser(
        "publish-checklist",
        help="publish a checklist to every field device",
        description="Publish a checklist file (YAML, XLSX, CSV or CISO Assistant; validated like `auditapp "
        "checklist validate`) to every enrolled field device: each receives it with its next sync and can "
        "plan new audits with it; audits planned before keep their version. A version is named by its "
        "content hash and never changes; publishing the same content again changes nothing.",
    )
    add_database_option(publish, defaults)
    publish.add_argument("file", type=Path, help="the checklist file")
    publish.add_argument("--format", choices=FORMATS, default=None, help="when the extension does not say")
    publish.set_defaults(handler=lambda args: _publish(args, actor()))

    listing = actions.add_parser(
        "checklists",
        help="list published checklists",
        description="List the checklist versions published to the field devices, the newest first.",
    )
    add_database_option(listing, defaults)
    listing.set_defaults(handler=_list)


def _publish(args: argparse.Namespace, actor: str) -> int:
    import checklists
    from auditapp.central import checklist_publishing
    from auditapp.central.errors import ApiError
    from auditapp.central.service import AdminError, open_existing_database

    try:
        checklist = checklists.import_file(args.file, args.format)
    except checklists.ChecklistError as exc:
        raise AdminError(f"the checklist cannot be published:\n{exc}") from None
    database = open_existing_database(args.database_url)
    try:
        with database.transaction() as session:
            done = checklist_publishing.publish(session, checklist, source_name=args.file.name, actor=actor)
    except ApiError as exc:
        raise AdminError(exc.message) from None
    finally:
        database.dispose()
    name = f"{done.checklist_id} version {done.version} ({done.items} items)"
    if done.new:
        print(f"published {name} as number {done.number}, content hash {done.content_hash}")
        print("every enrolled field device receives it with its next sync")
    else:
        print(f"{name} was published before as number {done.number} ({done.content_hash}); nothing changed")
    return 0


def _list(args: argparse.Namespace) -> int:
    from auditapp.central import checklist_publishing
    from auditapp.central.service import open_existing_database

    database = open_existing_database(args.database_url)
    try:
        with database.transaction() as session:
            rows = checklist_publishing.published(session)
    finally:
        database.dispose()
    if not rows:
        print("no checklists published")
    for p in rows:
        print(
            f"{p.number:4}  {p.checklist_id:24}  {p.version:12}  {p.items:4} items  {p.content_hash[:16]}  "
            f"{p.published_at:%Y-%m-%d %H:%M}  {p.published_by}"
        )
    return 0
