"""`auditapp report`: an audit's PDF report or CSV, XLSX and JSON exports; `--import` reads a JSON export.

Also where `report` and `readiness` read from: the encrypted workspace, or the central store.
"""

from __future__ import annotations

import argparse
import getpass
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from auditapp.cli import check_output, write_output
from auditapp.config import FieldConfig, env
from auditapp.domain.errors import ValidationError

FORMATS = ("pdf", "csv", "xlsx", "json")


def register(sub: Any) -> None:
    """Add the `report` subcommand."""
    parser: argparse.ArgumentParser = sub.add_parser(
        "report",
        help="an audit's report (PDF) or exports (CSV, XLSX, JSON), from the workspace or the central store",
        description="Write an audit's report as PDF, its findings or CAPA log as CSV, both as XLSX, or the "
        "whole audit as a JSON document that --import reads back. Reads the encrypted field workspace "
        "(offline) or, with --server, the central store. Example: auditapp report AUDIT_ID --format pdf "
        "--out report.pdf",
    )
    parser.add_argument("audit_id", nargs="?", metavar="AUDIT_ID", help="the audit to report on")
    parser.add_argument("--format", choices=FORMATS, help="what to write (default pdf)")
    parser.add_argument("--out", type=Path, metavar="FILE", help="the file to write (required)")
    parser.add_argument(
        "--table",
        choices=("findings", "capas"),
        help="with --format csv: one row per finding (default) or per CAPA; XLSX holds both",
    )
    parser.add_argument("--photos", action="store_true", help="with --format json: embed the photos")
    parser.add_argument(
        "--distribute",
        action="append",
        default=[],
        metavar="NAME",
        help="with --format pdf from the workspace: add to the distribution list (repeatable)",
    )
    parser.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    parser.add_argument(
        "--import",
        dest="import_file",
        type=Path,
        metavar="FILE",
        help="instead: import a JSON export into the workspace (its events and photos; nothing is sent)",
    )
    add_source_options(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Write the report, or import a JSON export."""
    if args.import_file is not None:
        _refuse_with_import(args)
        return _import(args)
    _refuse_ignored(args)
    args.format = args.format or "pdf"
    args.table = args.table or "findings"
    if not args.audit_id:
        raise ValidationError("name the audit: auditapp report AUDIT_ID --out FILE", "AUDIT_ID")
    if args.out is None:
        raise ValidationError("say where to write the report with --out FILE", "--out")
    check_output(args.out, "--out", args.force)  # before the work: a report is not built to be lost
    if args.server:
        with central(args) as api:
            data = api.audit_report(args.audit_id, args.format, args.table, args.photos)
    else:
        data = _local(args)
    write_output(args.out, data, "--out")
    print(f"wrote {args.out} ({args.format}, {len(data)} bytes) for audit {args.audit_id}")
    return 0


MAX_DISTRIBUTION_NAME = 200  # a person's name and role, not a paragraph


def _refuse_with_import(args: argparse.Namespace) -> None:
    """--import reads an export into the workspace: refuse the options of writing one, which it ignores."""
    given = {
        "AUDIT_ID": args.audit_id is not None,
        "--format": args.format is not None,
        "--out": args.out is not None,
        "--table": args.table is not None,
        "--photos": args.photos,
        "--distribute": bool(args.distribute),
        "--force": args.force,
    }
    for option, present in given.items():
        if present:
            raise ValidationError(
                "does nothing with --import (it reads a JSON export into the workspace): leave it out", option
            )


def _refuse_ignored(args: argparse.Namespace) -> None:
    """Refuse --table, --photos and --distribute where the chosen output would ignore them (FND-007)."""
    fmt = args.format or "pdf"
    if args.table is not None and fmt != "csv":
        why = "the workbook holds both tables" if fmt == "xlsx" else "it chooses the table of a CSV"
        raise ValidationError(f"does nothing with --format {fmt} ({why}): leave it out", "--table")
    if args.photos and fmt != "json":
        raise ValidationError(
            f"does nothing with --format {fmt} (it embeds photos in a JSON export): leave it out",
            "--photos",
        )
    if args.distribute and fmt != "pdf":
        raise ValidationError(
            f"does nothing with --format {fmt} (the distribution list is part of the PDF "
            "report): leave it out",
            "--distribute",
        )
    if args.distribute and args.server:
        raise ValidationError(
            "does nothing with --server (the central store's report takes no distribution "
            "list): make the report from the workspace, or leave --distribute out",
            "--distribute",
        )
    for name in args.distribute:
        _check_distribution_name(name)


def _check_distribution_name(name: str) -> None:
    """A name for the distribution list: not blank, one plain line, of a sensible length."""
    from auditapp.domain.payloads import UNSAFE_CHARACTER, describe_character

    if not name.strip():
        raise ValidationError("a name on the distribution list must not be empty", "--distribute")
    if len(name) > MAX_DISTRIBUTION_NAME:
        raise ValidationError(
            f"{name[:30]!r}... is {len(name)} characters long: a name on the distribution list takes at "
            f"most {MAX_DISTRIBUTION_NAME}",
            "--distribute",
        )
    found = UNSAFE_CHARACTER.search(name) or re.search(r"[\n\r\t]", name)
    if found:
        char = found.group()
        what = "a line break or tab" if char in "\n\r\t" else describe_character(char)
        raise ValidationError(
            f"{name!r} contains U+{ord(char):04X} ({what}) at position {found.start() + 1}", "--distribute"
        )


def _local(args: argparse.Namespace) -> bytes:
    from auditapp.client.device_checklists import DeviceChecklists
    from auditapp.reports.audit_json import to_json
    from auditapp.reports.audit_report import render_audit_pdf
    from auditapp.reports.exports import capa_table, findings_table, to_csv, to_xlsx
    from auditapp.services.reporting import field_dossier

    with workspace_store(args) as store:
        dossier = field_dossier(
            store,
            # The versions the audit was planned with, as the walkthrough shows them: published to this
            # workspace by the central store, else shipped with the app.
            DeviceChecklists(lambda: store),
            args.audit_id,
            photos=store.photos,
            distribution=args.distribute,
            source=f"the field workspace {args.workspace}",
        )
        if args.format == "pdf":
            return render_audit_pdf(dossier)
        if args.format == "json":
            return to_json(dossier, with_photos=args.photos)
        if args.format == "xlsx":
            return to_xlsx([findings_table(dossier), capa_table(dossier)])
        return to_csv(findings_table(dossier) if args.table == "findings" else capa_table(dossier))


def _import(args: argparse.Namespace) -> int:
    from auditapp.reports.audit_json import read_document
    from auditapp.services.reporting import import_audit

    if args.server:
        raise ValidationError(
            "--import reads into a workspace; it cannot be combined with --server", "--import"
        )
    try:
        data = args.import_file.read_bytes()
    except OSError as exc:
        raise ValidationError(f"cannot read {args.import_file}: {exc.strerror}", "--import") from None
    document = read_document(data, str(args.import_file))
    with workspace_store(args) as store:
        added = import_audit(store, store.photos, document.events, document.photos.values())
    print(f"imported audit {document.audit_id}: {added} new events, {len(document.photos)} photos")
    return 0


def add_source_options(parser: argparse.ArgumentParser) -> None:
    """--workspace (local, offline) or --server/--user (the central store)."""
    defaults = FieldConfig.from_env()
    parser.add_argument(
        "--workspace",
        default=defaults.workspace,
        help="folder of the encrypted field workspace to read; the passphrase is read from "
        "AUDITAPP_PASSPHRASE or asked for [AUDITAPP_WORKSPACE]",
    )
    parser.add_argument(
        "--server",
        metavar="URL",
        help="read from this central store instead of the workspace (sign in with --user; the password "
        "is read from AUDITAPP_PASSWORD or asked for)",
    )
    parser.add_argument(
        "--user", default=env("USER", ""), help="user to sign in as with --server [AUDITAPP_USER]"
    )


def passphrase() -> str:
    """The workspace passphrase: AUDITAPP_PASSPHRASE, or asked without echo."""
    return os.environ.get("AUDITAPP_PASSPHRASE") or _ask("Workspace passphrase: ", "AUDITAPP_PASSPHRASE")


def password() -> str:
    """The central store password: AUDITAPP_PASSWORD, or asked without echo."""
    return os.environ.get("AUDITAPP_PASSWORD") or _ask("Password: ", "AUDITAPP_PASSWORD")


def _ask(prompt: str, variable: str) -> str:
    """A secret typed at the terminal; with no terminal to type it in, an error that says how to give it."""
    try:
        return getpass.getpass(prompt)
    except EOFError:
        raise ValidationError(
            f"{prompt.rstrip(': ').lower()}: none given: set {variable} or run the command in a terminal "
            "to type it",
            variable,
        ) from None


@contextmanager
def workspace_store(args: argparse.Namespace) -> Iterator[Any]:
    """The workspace's encrypted store, open for the command and closed after it."""
    from auditapp.store import FieldStore

    store = FieldStore.open(Path(args.workspace), passphrase())
    try:
        yield store
    finally:
        store.close()


@contextmanager
def central(args: argparse.Namespace) -> Iterator[Any]:
    """A signed-in ReportsApi for --server."""
    from auditapp.client.reports_api import ReportsApi

    if not args.user:
        raise ValidationError("name the user to sign in as with --user (or AUDITAPP_USER)", "user")
    api = ReportsApi(args.server)
    try:
        api.login(args.user, password())
        yield api
    finally:
        api.close()
