"""`auditapp admin`: users, enrollment codes and devices of the central store."""

from __future__ import annotations

import argparse
import getpass
import os
from typing import Any

from auditapp.cli.server import add_database_option
from auditapp.config import ServerConfig


def register(sub: Any) -> None:
    """Add the `admin` subcommand and its actions."""
    defaults = ServerConfig.from_env()
    parser: argparse.ArgumentParser = sub.add_parser(
        "admin",
        help="administer the central store: users and devices",
        description="Administer the central store: create users, list and revoke devices.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    create = actions.add_parser(
        "create-user",
        help="add a user",
        description="Add a user. The password is read from AUDITAPP_PASSWORD or asked for.",
    )
    add_database_option(create, defaults)
    create.add_argument("username")
    create.add_argument(
        "--role",
        default="auditor",
        help="admin, quality_manager, capa_owner, auditor or viewer (default auditor)",
    )
    create.add_argument("--name", default="", help="printed name, shown on signatures")
    create.set_defaults(handler=_create_user)

    code = actions.add_parser(
        "enroll-code",
        help="issue a one-time device enrollment code",
        description="Issue a one-time code (valid 15 minutes, single use) that enrolls one field device for "
        "the user; printed as text and as a QR code to scan on the device.",
    )
    add_database_option(code, defaults)
    code.add_argument("--user", required=True, help="the user the device will belong to")
    code.add_argument("--no-qr", action="store_true", help="print the code only, without the QR code")
    code.set_defaults(handler=_enroll_code)

    devices = actions.add_parser("devices", help="list devices", description="List enrolled devices.")
    add_database_option(devices, defaults)
    devices.set_defaults(handler=_devices)

    revoke = actions.add_parser(
        "revoke",
        help="revoke a device",
        description="Revoke a device: everything it sends afterwards is refused.",
    )
    add_database_option(revoke, defaults)
    revoke.add_argument("device_id")
    revoke.set_defaults(handler=_revoke)


def _password() -> str:
    return os.environ.get("AUDITAPP_PASSWORD") or getpass.getpass("Password: ")


def _create_user(args: argparse.Namespace) -> int:
    from auditapp.central.service import create_user, open_database

    user_id = create_user(open_database(args.database_url), args.username, _password(), args.role, args.name)
    print(f"created user {args.username} ({args.role}) id {user_id}")
    return 0


def _enroll_code(args: argparse.Namespace) -> int:
    import segno

    from auditapp.central.service import issue_enrollment_code, open_database

    issued = issue_enrollment_code(open_database(args.database_url), args.user, issued_by="admin command")
    print(f"enrollment code for {issued.username}: {issued.code}")
    print(f"valid until {issued.expires_at:%Y-%m-%d %H:%M} UTC, once; type it or scan it on the field device")
    if not args.no_qr:
        # The QR code holds the code alone, in QR alphanumeric mode: small enough for any tablet camera.
        segno.make(issued.code, error="m").terminal(compact=True)
    return 0


def _devices(args: argparse.Namespace) -> int:
    from auditapp.central.service import list_devices, open_database

    for device in list_devices(open_database(args.database_url)):
        print(f"{device.id}  {device.status:8}  {device.username:20}  {device.name}")
    return 0


def _revoke(args: argparse.Namespace) -> int:
    from auditapp.central.service import open_database, revoke_device

    revoke_device(open_database(args.database_url), args.device_id)
    print(f"revoked device {args.device_id}")
    return 0
