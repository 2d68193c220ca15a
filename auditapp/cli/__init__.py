"""The `auditapp` command: one entry point for the field app, the quality app, the server and tools."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from auditapp.domain.errors import AuditAppError, ValidationError

T = TypeVar("T")

# Subcommand -> module under auditapp.cli exposing `register(subparsers)`.
COMMANDS = {
    "field": "auditapp.cli.field",
    "quality": "auditapp.cli.quality",
    "server": "auditapp.cli.server",
    "demo": "auditapp.cli.demo",
    "checklist": "auditapp.cli.checklist",
    "admin": "auditapp.cli.admin",
    "report": "auditapp.cli.report",
    "readiness": "auditapp.cli.readiness",
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser with every subcommand registered, or just `only` (a start-up saving)."""
    parser = argparse.ArgumentParser(
        prog="auditapp",
        description="Offline ISO 13485 audits on a tablet, and a central store that turns findings into "
        "CAPAs proven to work. Where an option's help names an AUDITAPP_* environment variable in brackets, "
        "that variable sets its default; some settings are environment variables only.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, module_name in COMMANDS.items():
        if only is None or name == only:
            importlib.import_module(module_name).register(sub)
    return parser


# What a shell reports for a command stopped by SIGPIPE (128 + 13): its reader (`| head`) stopped early.
EXIT_PIPE_CLOSED = 141


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; user errors print one clear line and exit 2.

    Output never ends the command with a traceback once its work is done (FND-007): a character the
    terminal's encoding cannot hold is printed as '?', and a reader that stops early (`| head`) ends the
    command quietly.
    """
    _tolerate_unprintable()
    try:
        try:
            code = _run(argv)
        finally:
            sys.stdout.flush()  # a reader that stopped early shows up here (after --help too), not at exit
    except BrokenPipeError:
        # The standard recipe: what is still buffered goes nowhere instead of failing again at exit.
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return EXIT_PIPE_CLOSED
    return code


def _tolerate_unprintable() -> None:
    """Replace, rather than fail on, characters the output's encoding cannot hold (e.g. PYTHONIOENCODING)."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):
                reconfigure(errors="replace" if stream is sys.stdout else "backslashreplace")


def _run(argv: Sequence[str] | None) -> int:
    """Parse the arguments and run the subcommand's handler."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    # Import only the named subcommand's module: `auditapp field` should not pay for the server's imports.
    named = arguments[0] if arguments and arguments[0] in COMMANDS else None
    try:
        parser = build_parser(named)  # option defaults come from AUDITAPP_* variables, which can be wrong
    except AuditAppError as exc:
        print(f"auditapp{' ' + named if named else ''}: error: {exc}", file=sys.stderr)
        return 2
    args = parser.parse_args(arguments)
    try:
        _check_text_arguments(args)
        return int(args.handler(args) or 0)
    except AuditAppError as exc:
        print(f"auditapp {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


# Arguments stored or sent as text (names, ids, addresses): UTF-8 or nothing. File paths, folders and
# database URLs are not among them: they keep whatever bytes the file system allows.
TEXT_ARGUMENTS = frozenset(
    {
        "username",
        "name",
        "email",
        "user",
        "device_id",
        "role",
        "site",
        "organisation",
        "audit_id",
        "distribute",
    }
)


def _check_text_arguments(args: argparse.Namespace) -> None:
    """Refuse, naming the argument, a name or id that is not UTF-8 (a terminal set to another encoding sent
    it): it is stored and sent as UTF-8, so it would fail later with a traceback."""
    for dest in sorted(TEXT_ARGUMENTS & set(vars(args))):
        value = getattr(args, dest)
        for text in value if isinstance(value, list) else [value]:
            if isinstance(text, str) and not _is_utf8(text):
                shown = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
                raise ValidationError(
                    f"{shown!r} is not valid UTF-8 text: the terminal sent it in another encoding; "
                    "set the terminal to UTF-8 and type it again",
                    dest.replace("_", "-"),
                )


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def argument_type(parse: Callable[[str, str | None], T], name: str) -> Callable[[str], T]:
    """An argparse `type` from a config parser `(text, where) -> value`; argparse names the option."""

    def convert(text: str) -> T:
        try:
            return parse(text, None)
        except AuditAppError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = name  # argparse says "invalid <name> value" should anything else go wrong
    return convert


def port_number(text: str) -> int:
    """argparse type of a --port option: a TCP port, 1 to 65535."""
    from auditapp.config import parse_port

    return argument_type(parse_port, "port")(text)


def check_output(path: Path, option: str, force: bool) -> None:
    """Refuse, before any work is done, an output file that exists (without --force) or cannot be written."""
    if path.is_dir():
        raise ValidationError(f"{path} is a folder: name a file in it", option)
    if path.exists() and not force:
        raise ValidationError(f"{path} exists: choose another file or add --force", option)
    folder = path.parent
    if folder.exists() and not folder.is_dir():
        raise ValidationError(f"{folder} is not a folder: choose another place for {path.name}", option)
    if not folder.is_dir():
        raise ValidationError(f"the folder {folder} does not exist: create it or choose another", option)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ValidationError(f"the folder {folder} cannot be written to: choose another", option)


def write_output(path: Path, data: bytes, option: str) -> None:
    """Write `data` to `path` whole or not at all: a failed write leaves what was there before untouched."""
    if path.is_symlink():
        path = path.resolve()  # replace the file the link names, not the link
    try:
        mode = (
            path.stat().st_mode & 0o777
        )  # a replaced file keeps its permissions (a private report stays so)
    except OSError:
        mode = 0o666 & ~_umask()
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ValidationError(f"cannot write {path}: {reason}", option) from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
