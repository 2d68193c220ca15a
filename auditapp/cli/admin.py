"""`auditapp admin`: users, enrollment codes and devices of the central store."""

from __future__ import annotations

import argparse
import getpass
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from auditapp.cli import admin_checklists, admin_metrics
from auditapp.cli.server import add_database_option
from auditapp.config import ServerConfig


def register(sub: Any) -> None:
    """Add the `admin` subcommand and its actions."""
    defaults = ServerConfig.from_env()
    parser: argparse.ArgumentParser = sub.add_parser(
        "admin",
        help="administer the central store: set it up, users, devices, store keys, checklists, audit trail, "
        "dashboard",
        description="Administer the central store: set it up, create users and set roles, list and revoke "
        "devices, publish checklists to the field devices, verify the audit trail, recount the dashboard.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    init = actions.add_parser(
        "init",
        help="set up a new store: the first administrator and the store's keys",
        description="Set up a new central store: migrate the database, create the store's key pair "
        "(once) and the first administrator. Refused once an administrator exists. The password is read from "
        "AUDITAPP_PASSWORD or asked for twice.",
    )
    add_database_option(init, defaults)
    init.add_argument("username", nargs="?", default="admin", help="the administrator's username (admin)")
    init.add_argument("--name", default="", help="printed name, shown on signatures")
    init.add_argument(
        "--blob-dir",
        type=Path,
        default=defaults.blob_dir,
        help="the server's blob folder; the key file goes next to it unless AUDITAPP_STORE_KEY_FILE is set "
        "[AUDITAPP_BLOB_DIR]",
    )
    init.set_defaults(handler=_init)

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
    create.add_argument("--email", default=None, help="address for reminder e-mail (optional)")
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

    rekey = actions.add_parser(
        "replace-store-keys",
        help="new store keys when the key file is lost or exposed; every device is enrolled again",
        description="Make a new key pair for the store when its key file is lost (the server refuses to "
        "start without it) or exposed. An existing key file is kept beside the new one as "
        "<name>.replaced-<time>. Every active device is revoked, since it holds the old public keys: each "
        "is enrolled again with a new code, then sends what waited on it. Nothing stored is changed.",
    )
    add_database_option(rekey, defaults)
    rekey.add_argument(
        "--blob-dir",
        type=Path,
        default=defaults.blob_dir,
        help="the server's blob folder; the key file is next to it unless AUDITAPP_STORE_KEY_FILE is set "
        "[AUDITAPP_BLOB_DIR]",
    )
    rekey.add_argument("--yes", action="store_true", help="confirm: every device must be enrolled again")
    rekey.set_defaults(handler=_replace_store_keys)

    role = actions.add_parser("set-role", help="change a user's role", description="Change a user's role.")
    add_database_option(role, defaults)
    role.add_argument("username")
    role.add_argument("role", help="admin, quality_manager, capa_owner, auditor or viewer")
    role.set_defaults(handler=_set_role)

    off = actions.add_parser(
        "deactivate",
        help="switch a user off",
        description="Switch a user off: they can no longer sign in and their sessions end at once.",
    )
    add_database_option(off, defaults)
    off.add_argument("username")
    off.set_defaults(handler=_deactivate)

    on = actions.add_parser(
        "reactivate",
        help="switch a deactivated user on again",
        description="Switch a deactivated user on again: they sign in again with their password. Sessions "
        "and devices ended by the deactivation stay ended: a device needs a new enrollment code. Refused "
        "for a user who is active.",
    )
    add_database_option(on, defaults)
    on.add_argument("username")
    on.set_defaults(handler=_reactivate)

    verify = actions.add_parser(
        "verify-trail",
        help="check the audit trail's hash chain",
        description="Recompute the audit trail's hash chain. Exits 0 and prints the number of entries "
        "and the head hash when it is intact; exits 1 naming the first bad entry if any entry was altered, "
        "removed or inserted.",
    )
    add_database_option(verify, defaults)
    verify.add_argument(
        "--expect-head",
        default="",
        metavar="HASH",
        help="also require this head hash (printed earlier, kept elsewhere): catches a rewritten chain",
    )
    verify.set_defaults(handler=_verify_trail)
    admin_checklists.register(actions, defaults, cli_actor)
    admin_metrics.register(actions, defaults)


def cli_actor() -> str:
    """Who the audit trail names for a change made from this command line: `cli:<login name>`."""
    try:
        login = getpass.getuser()
    except (OSError, KeyError):
        login = "unknown"
    return f"cli:{login}"[:120]


def shown(text: str) -> str:
    """Text as a listing prints it: a stored name's control characters (line breaks, escape codes, text
    direction) shown escaped, as in \\x1b or \\u202e, so old data cannot change the terminal or fake rows."""
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)


def _ask(prompt: str) -> str:
    """A password typed at the terminal (or read from standard input when there is none)."""
    try:
        return getpass.getpass(prompt)
    except EOFError:
        from auditapp.central.service import AdminError

        raise AdminError(
            "password: none given: set AUDITAPP_PASSWORD or run the command in a terminal to type it"
        ) from None


def _password() -> str:
    return os.environ.get("AUDITAPP_PASSWORD") or _ask("Password: ")


def _new_password() -> str:
    if "AUDITAPP_PASSWORD" in os.environ:
        return os.environ["AUDITAPP_PASSWORD"]
    first = _ask("Password (at least 10 characters): ")
    if _ask("Repeat the password: ") != first:
        from auditapp.central.service import AdminError

        raise AdminError("password: the two entries differ; nothing was changed")
    return first


def _init(args: argparse.Namespace) -> int:
    from auditapp.central.enrollment import store_key_path
    from auditapp.central.service import check_name, init_store, open_database

    check_name(args.name, "--name", "printed name")  # before the password is asked for
    key_path = store_key_path(args.blob_dir)
    password = _new_password()
    database = open_database(args.database_url)
    done = init_store(database, key_path, args.username, password, args.name, cli_actor())
    print(f"created administrator {args.username} (id {done.user_id})")
    print(f"store keys in {done.key_path} (signing key {done.signing_public}); back this file up")
    return 0


def _create_user(args: argparse.Namespace) -> int:
    from auditapp.central.service import check_name, create_user, open_database

    check_name(args.name, "--name", "printed name")  # before the password is asked for
    database = open_database(args.database_url)
    user_id = create_user(database, args.username, _password(), args.role, args.name, cli_actor(), args.email)
    print(f"created user {args.username} ({args.role}) id {user_id}")
    return 0


def _enroll_code(args: argparse.Namespace) -> int:
    import segno

    from auditapp.central.service import issue_enrollment_code, open_existing_database

    issued = issue_enrollment_code(
        open_existing_database(args.database_url), args.user, issued_by=cli_actor()
    )
    print(f"enrollment code for {issued.username}: {issued.code}")
    print(f"valid until {issued.expires_at:%Y-%m-%d %H:%M} UTC, once; type it or scan it on the field device")
    if not args.no_qr:
        # The code alone, in alphanumeric mode: a small full QR code (camera apps do not read Micro QR).
        qr = segno.make_qr(issued.code, error="m")
        cannot = _cannot_draw(int(qr.symbol_size(border=QR_BORDER)[0]))
        if cannot:
            print(f"(no QR code: {cannot}; type the code instead)")
        else:
            qr.terminal(compact=True, border=QR_BORDER)
    return 0


QR_BORDER = 4
"""The quiet zone, in modules, around a QR code (what scanners expect)."""


def _cannot_draw(width: int) -> str:
    """Why this terminal cannot show a QR code `width` characters wide ('' when it can): its encoding has no
    block characters, or it is too narrow (a cut QR code is unreadable)."""
    encoding = getattr(sys.stdout, "encoding", None) or "ascii"
    try:
        "█▀▄".encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return f"the terminal's encoding ({encoding}) has no block characters"
    columns = shutil.get_terminal_size(fallback=(80, 24)).columns
    if columns < width:
        return f"the terminal is {columns} characters wide and the QR code needs {width}"
    return ""


def _devices(args: argparse.Namespace) -> int:
    from auditapp.central.service import list_devices, open_existing_database

    listed = list_devices(open_existing_database(args.database_url))
    if not listed:
        print("no devices enrolled")
    for device in listed:
        print(f"{device.id}  {device.status:8}  {shown(device.username):20}  {shown(device.name)}")
    return 0


def _revoke(args: argparse.Namespace) -> int:
    from auditapp.central.service import open_existing_database, revoke_device

    revoke_device(open_existing_database(args.database_url), args.device_id, cli_actor())
    print(f"revoked device {args.device_id}")
    return 0


def _replace_store_keys(args: argparse.Namespace) -> int:
    from auditapp.central.enrollment import store_key_path
    from auditapp.central.service import AdminError, open_existing_database, replace_store_keys

    key_path = store_key_path(args.blob_dir)
    if not args.yes:
        raise AdminError(
            f"--yes: replacing the store keys in {key_path} revokes every device until it is enrolled again; "
            "add --yes to go ahead"
        )
    revoked = replace_store_keys(open_existing_database(args.database_url), key_path, cli_actor())
    print(f"new store keys in {key_path}")
    print(
        "restart every server process with this file (copy it to every host first); "
        "until then they refuse to sync"
    )
    print(
        f"{len(revoked)} devices revoked; enroll each again with a new code "
        "(their unsent data waits on them):"
    )
    for device_id in revoked:
        print(f"  {device_id}")
    return 0


def _set_role(args: argparse.Namespace) -> int:
    from auditapp.central.service import open_existing_database, set_role

    set_role(open_existing_database(args.database_url), args.username, args.role, cli_actor())
    print(f"user {args.username} now has the role {args.role}")
    return 0


def _deactivate(args: argparse.Namespace) -> int:
    from auditapp.central.service import deactivate_user, open_existing_database

    deactivate_user(open_existing_database(args.database_url), args.username, cli_actor())
    print(f"user {args.username} is deactivated")
    return 0


def _reactivate(args: argparse.Namespace) -> int:
    from auditapp.central.auth import audits_in_field
    from auditapp.central.service import open_existing_database, reactivate_user

    role = reactivate_user(open_existing_database(args.database_url), args.username, cli_actor())
    said = f"user {args.username} is active again: they sign in with their password"
    if audits_in_field(role):
        said += (
            "; devices revoked by the deactivation stay revoked "
            f"(`auditapp admin enroll-code --user {args.username}` enrolls one again)"
        )
    print(said)
    return 0


def _verify_trail(args: argparse.Namespace) -> int:
    from auditapp.central.service import open_existing_database, verify_trail

    result = verify_trail(open_existing_database(args.database_url))
    if not result.intact:
        print(f"audit trail broken at entry {result.bad_seq}: {result.problem}", file=sys.stderr)
        return 1
    if args.expect_head and args.expect_head.strip().lower() != result.head_hash:
        print(
            f"audit trail head is {result.head_hash}, not the expected {args.expect_head.strip()}: "
            "the chain was rewritten or entries were removed from its end",
            file=sys.stderr,
        )
        return 1
    print(f"audit trail intact: {result.entries} entries, head {result.head_hash}")
    return 0
