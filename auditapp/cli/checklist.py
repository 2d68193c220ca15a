"""`auditapp checklist`: list, show, validate and import checklists."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import checklists
from auditapp.cli import check_output, write_output
from auditapp.domain.errors import NotFoundError, ValidationError

# Extensions of the files a checklist can be read from (and .xls, which is refused with a reason).
FILE_SUFFIXES = (".yaml", ".yml", ".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls")


def register(sub: Any) -> None:
    """Add the `checklist` subcommand and its four actions."""
    parser: argparse.ArgumentParser = sub.add_parser(
        "checklist",
        help="list, show, validate and import checklists",
        description="List, show, validate and import audit checklists.",
    )
    parser.set_defaults(handler=lambda args: _help(parser))
    actions = parser.add_subparsers(dest="action", metavar="ACTION")

    lister = actions.add_parser(
        "list",
        help="list the checklists and views of the library",
        description="List the checklists and views of the built-in library.",
    )
    lister.add_argument("--json", action="store_true", help="print one JSON object")
    lister.set_defaults(handler=list_command)

    show = actions.add_parser(
        "show",
        help="show one checklist of the library (or a file)",
        description="Show a library checklist or view by id, or a checklist file by path.",
    )
    show.add_argument("id", metavar="ID", help="checklist id (e.g. iso13485-2016), view id, or a file path")
    show.add_argument("--json", action="store_true", help="print one JSON object")
    show.set_defaults(handler=show_command)

    validate = actions.add_parser(
        "validate",
        help="check checklist files; exit 0 only when all are valid",
        description="Check checklist and view files. Every problem is printed as file:line:col: message "
        "(or file:Sheet!A1: message for workbooks); exit status 0 only when all files are valid.",
    )
    validate.add_argument("files", metavar="FILE", nargs="+", type=Path, help="checklist or view files")
    validate.set_defaults(handler=validate_command)

    importer = actions.add_parser(
        "import",
        help="turn a CSV, XLSX or CISO Assistant file into a checklist",
        description="Import a checklist from CSV, XLSX, CISO Assistant YAML or CISO Assistant Excel v2; "
        "print it as library YAML, or write it with -o, or print JSON with --json.",
    )
    importer.add_argument("file", metavar="FILE", type=Path, help="the file to import")
    importer.add_argument(
        "--format",
        choices=[f for f in checklists.FORMATS if f != "yaml"],
        help="the file's format (default: from its extension and content)",
    )
    importer.add_argument("-o", "--output", metavar="OUT.yaml", type=Path, help="write library YAML here")
    importer.add_argument("--force", action="store_true", help="overwrite OUT.yaml if it exists")
    importer.add_argument("--json", action="store_true", help="print one JSON object")
    importer.set_defaults(handler=import_command)


def _help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 0


def _print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2))


def _print_problems(error: checklists.ChecklistError) -> None:
    for problem in error.problems:
        print(problem, file=sys.stderr)


def list_command(args: argparse.Namespace) -> int:
    """Print the library's checklists (id, version, items, title) and views."""
    books = checklists.load_library()
    views = checklists.library_views()
    if args.json:
        _print_json(
            {
                "checklists": [
                    {
                        "id": c.id,
                        "title": c.title,
                        "version": c.version,
                        "standard": c.standard,
                        "language": c.language,
                        "content_hash": c.content_hash,
                        "sections": len(c.sections),
                        "items": len(c.items),
                    }
                    for c in books
                ],
                "views": [
                    {"id": v.id, "title": v.title, "version": v.version, "checklist": v.checklist}
                    for v in views
                ],
            }
        )
        return 0
    width = max([len(c.id) for c in books] + [len(v.id) for v in views] + [10])
    for c in books:
        print(f"{c.id:<{width}}  v{c.version:<7} {len(c.items):>4} items  {c.title}")
    for v in views:
        print(f"{v.id:<{width}}  v{v.version:<7}  view of {v.checklist}  {v.title}")
    return 0


def show_command(args: argparse.Namespace) -> int:
    """Print one checklist (or view) as an indented outline, or as JSON."""
    views = {v.id: v for v in checklists.library_views()}
    if args.id in views:
        return _show_view(views[args.id], args.json)
    path = Path(args.id)
    checklist: checklists.Checklist
    try:
        if path.suffix and path.exists() and checklists.detect_format(path) != "yaml":
            checklist = checklists.import_file(path)
        elif path.suffix and path.exists():
            document = checklists.load_document(path)
            if isinstance(document, checklists.View):
                return _show_view(document, args.json)
            checklist = document
        else:
            checklist = checklists.get_library_checklist(args.id)
    except checklists.ChecklistNotFoundError as exc:
        if _names_a_file(args.id):
            # ID takes a path too: a missing file is reported as one, not as an unknown library id.
            raise NotFoundError(f"{args.id}: file not found") from None
        raise NotFoundError(str(exc).strip("'\"")) from None
    except checklists.ChecklistError as exc:
        _print_problems(exc)
        return 1
    if args.json:
        _print_json(checklists.to_json(checklist))
        return 0
    print(f"{checklist.title}  ({checklist.id} v{checklist.version}, {checklist.standard})")
    print(f"content hash {checklist.content_hash}")
    depth: dict[str, int] = {}
    for section in checklist.sections:
        depth[section.clause] = depth.get(section.parent, -1) + 1 if section.parent else 0
        indent = "  " * depth[section.clause]
        print(f"{indent}{section.clause} {section.title}".rstrip())
        for item in checklist.items_under(section.clause):
            print(f"{indent}  - [{item.id}] {item.text}")
    return 0


def _names_a_file(text: str) -> bool:
    """Whether `checklist show`'s ID is a path (a folder in it, or a checklist file's extension)."""
    path = Path(text)
    return len(path.parts) > 1 or path.suffix.lower() in FILE_SUFFIXES


def _show_view(view: checklists.View, as_json: bool) -> int:
    checklist = checklists.get_library_checklist(view.checklist)
    grouped = checklists.by_process(checklist)
    if as_json:
        _print_json(
            {
                "id": view.id,
                "title": view.title,
                "version": view.version,
                "checklist": view.checklist,
                "processes": [
                    {"process": process, "items": [checklists.to_json_item(i) for i in items]}
                    for process, items in grouped.items()
                ],
            }
        )
        return 0
    print(f"{view.title}  ({view.id} v{view.version}, view of {view.checklist})")
    for process, items in grouped.items():
        print(f"{process} ({len(items)} items)")
        for item in items:
            print(f"  - {item.clause} [{item.id}] {item.text}")
    return 0


def validate_command(args: argparse.Namespace) -> int:
    """Check every file; print each problem located, and exit 1 when any file is invalid."""
    files: list[Path] = args.files
    known = {c.id: c for c in checklists.load_library()}
    failed = 0
    loaded: list[tuple[Path, Any]] = []
    # Checklists first, so that a view validates against a checklist given on the same command line.
    for path in sorted(files, key=lambda p: _is_view_candidate(p)):
        try:
            if path.suffix.lower() in (".yaml", ".yml") and checklists.detect_format(path) == "yaml":
                document = checklists.load_document(path, known)
            else:
                document = checklists.import_file(path)
        except checklists.ChecklistError as exc:
            _print_problems(exc)
            failed += 1
            continue
        if isinstance(document, checklists.Checklist):
            known[document.id] = document
        loaded.append((path, document))
    for path, document in loaded:
        if isinstance(document, checklists.Checklist):
            print(
                f"{path}: ok: {document.id} v{document.version}, {len(document.sections)} clauses, "
                f"{len(document.items)} items, content hash {document.content_hash[:16]}"
            )
        else:
            print(f"{path}: ok: view {document.id} of {document.checklist}")
    if failed:
        print(f"{failed} of {len(files)} file(s) invalid", file=sys.stderr)
    return 1 if failed else 0


def _is_view_candidate(path: Path) -> bool:
    try:
        return "kind: view" in path.read_text(encoding="utf-8-sig")[:4000]
    except (OSError, UnicodeDecodeError):
        return False


def import_command(args: argparse.Namespace) -> int:
    """Import a file; print library YAML (or JSON), or write it to -o without overwriting by accident."""
    output: Path | None = args.output
    if output is not None and output.exists() and not output.is_dir() and not args.force:
        raise ValidationError(f"{output} exists; choose another name or add --force to overwrite it", "-o")
    if output is not None:
        check_output(output, "-o", args.force)  # before the import, so that no work is lost
    try:
        checklist = checklists.import_file(args.file, args.format)
    except checklists.ChecklistError as exc:
        _print_problems(exc)
        return 1
    if output is not None:
        header = f"# Imported from {args.file.name} by `auditapp checklist import`.\n"
        write_output(output, checklists.to_yaml(checklist, header).encode("utf-8"), "-o")
        print(
            f"wrote {output}: {len(checklist.items)} items, content hash {checklist.content_hash}",
            file=sys.stderr,
        )
    if args.json:
        _print_json(checklists.to_json(checklist))
    elif output is None:
        sys.stdout.write(checklists.to_yaml(checklist))
    return 0
