"""CSV and XLSX checklists with a header row (clause, question, guidance, evidence, process, ...)."""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from checklists import nodes
from checklists.clauses import split_trailing_refs
from checklists.importers.builder import ChecklistBuilder, Where
from checklists.importers.cells import (
    ClauseCell,
    cell_text,
    clause_cell,
    evidence_kinds,
    header_field,
    process_name,
    slug,
    split_list,
)
from checklists.importers.workbook import Cell, read_workbook
from checklists.model import Checklist, Item
from checklists.problems import ChecklistError, Problem, ProblemList

META_KEYS = ("id", "title", "version", "standard", "language")
META_SHEETS = ("meta", "metadata", "about")


@dataclass(frozen=True)
class _Row:
    """One data row: its cells by model field, their cleaned texts, and where each one is."""

    where: Where
    cells: dict[str, Cell]
    texts: dict[str, str]


def import_csv(path: Path) -> Checklist:
    """Import a CSV file; '#key: value' lines at the top give id, title, version, standard, language."""
    problems = ProblemList(str(path))
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ChecklistError([Problem(str(path), message="file not found")]) from None
    except OSError as exc:
        raise nodes.unreadable(path, exc) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")  # what Excel on Windows writes by default
    # One line ending, so that line numbers are the ones an editor shows (old Mac files end lines with CR).
    lines = io.StringIO(text.replace("\r\n", "\n").replace("\r", "\n")).readlines()
    meta: dict[str, str] = {}
    id_where: Where | None = None
    skipped = 0
    while skipped < len(lines) and lines[skipped].startswith("#"):
        key, sep, value = lines[skipped][1:].partition(":")
        if sep and key.strip().lower() in META_KEYS:
            meta[key.strip().lower()] = value.strip()
            if key.strip().lower() == "id":
                id_where = Where(None, skipped + 1, 1)
        skipped += 1
    body = lines[skipped:]
    try:
        sample = "".join(body)[:4096]
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    grid = _csv_records(body, dialect, problems, line_offset=skipped)
    rows = _rows(grid, None, problems, numbered_columns=True)
    return _build(rows, problems, meta, slug(path.stem), path.stem, id_where)


def _csv_records(
    lines: list[str], dialect: type[csv.Dialect] | csv.Dialect, problems: ProblemList, line_offset: int
) -> list[tuple[int, list[Cell]]]:
    """Each record with the file line it starts on (a quoted cell may span lines), cells numbered from 1.

    A quoted cell that is never closed would swallow the rest of the file into one cell: it is reported at
    the line where its quote opened and its record is left out (the file does not load; earlier records are
    still checked).
    """
    reader = csv.reader(lines, dialect)
    records: list[tuple[int, list[Cell]]] = []
    start = 1
    try:
        for row in reader:
            cells = [Cell(value, None, f"{n}") for n, value in enumerate(row, 1)]
            records.append((start + line_offset, cells))
            start = reader.line_num + 1
    except csv.Error as exc:
        opened = _open_quote(lines[start - 1 : reader.line_num], dialect)
        if opened is None:
            problems.at(start + line_offset, None, f"this record cannot be read as CSV ({exc})")
        else:
            problems.at(
                start + opened + line_offset,
                None,
                f"a quoted cell opened here runs on too long ({exc}); is its closing quote missing?",
            )
        return records
    if records:
        last = records[-1][0] - line_offset
        opened = _open_quote(lines[last - 1 :], dialect)
        if opened is not None:
            problems.at(last + opened + line_offset, None, "a quoted cell opened here is never closed")
            records.pop()
    return records


def _open_quote(lines: list[str], dialect: type[csv.Dialect] | csv.Dialect) -> int | None:
    """The index in `lines` (which start a record) of the line whose quote opens a cell still open at the end.

    csv.reader outside strict mode reads a quote that is never closed as a cell running to the end of the
    file; this follows the same rules (a quote opens a cell only at its start) to tell whether that happened.
    """
    quote, delimiter, escape = dialect.quotechar, dialect.delimiter, dialect.escapechar
    if not quote or dialect.quoting == csv.QUOTE_NONE:
        return None
    opened: int | None = None
    at_start = True
    for index, line in enumerate(lines):
        i = 0
        while i < len(line):
            char = line[i]
            if opened is not None:
                if escape and char == escape:
                    i += 1
                elif char == quote:
                    if dialect.doublequote and line.startswith(quote, i + 1):
                        i += 1
                    else:
                        opened = None
            elif char in (delimiter, "\n"):
                at_start = True
            elif at_start and char == quote:
                opened, at_start = index, False
            elif not (at_start and char == " " and dialect.skipinitialspace):
                at_start = False
                if escape and char == escape:
                    i += 1
            i += 1
    return opened


def import_xlsx(path: Path) -> Checklist:
    """Import an XLSX workbook: items from the first sheet with a header row, metadata from a 'meta' sheet."""
    problems = ProblemList(str(path))
    sheets = read_workbook(path, problems)
    meta: dict[str, str] = {}
    id_where: Where | None = None
    data_sheet: str | None = None
    for name, grid in sheets.items():
        if name.strip().lower() in META_SHEETS:
            for number, row in enumerate(grid, 1):
                if (
                    len(row) >= 2
                    and isinstance(row[0].value, str)
                    and row[0].value.strip().lower() in META_KEYS
                ):
                    meta[row[0].value.strip().lower()] = cell_text(row[1].value)
                    if row[0].value.strip().lower() == "id":
                        id_where = Where(name, number, row[1].column)
        elif data_sheet is None:
            data_sheet = name
    if data_sheet is None:
        raise ChecklistError([Problem(str(path), message="the workbook has no sheet with questions")])
    rows = _rows(enumerate(sheets[data_sheet], 1), data_sheet, problems)
    return _build(rows, problems, meta, slug(path.stem), path.stem, id_where)


def _rows(
    grid: Iterable[tuple[int, list[Cell]]],
    sheet: str | None,
    problems: ProblemList,
    numbered_columns: bool = False,
) -> list[_Row]:
    """Find the header row, map its columns to fields, and return the non-blank rows after it.

    `grid` gives each row with its number: the sheet row, or the file line a CSV record starts on.
    """
    columns: dict[int, str] = {}
    rows: list[_Row] = []
    for number, row in grid:
        if not columns:
            found = {n: header_field(cell.value) for n, cell in enumerate(row)}
            columns = {n: f for n, f in found.items() if f is not None}
            if columns and "question" not in columns.values():
                names = ", ".join(cell_text(c.value) for c in row if c.value not in (None, ""))
                _report(
                    problems,
                    Where(sheet, number, 1 if numbered_columns else "A"),
                    f"the header row has no question column (found: {names}); "
                    "see docs/checklist-format.md for accepted column names",
                )
                return []
            continue
        cells = {field: row[n] for n, field in columns.items() if n < len(row)}
        texts = {field: cell_text(cell.value) for field, cell in cells.items()}
        if not any(texts.values()):
            continue  # blank rows separate groups in many spreadsheets
        rows.append(_Row(Where(sheet, number), cells, texts))
    if not columns:
        _report(problems, Where(sheet, None), "no header row found (a row naming at least a question column)")
    return rows


def _report(problems: ProblemList, where: Where, message: str) -> None:
    if where.sheet is None:
        problems.at(where.row, where.column if isinstance(where.column, int) else None, message)
    else:
        problems.cell(where.sheet, where.row, str(where.column) if where.column else None, message)


def _build(
    rows: Iterable[_Row],
    problems: ProblemList,
    meta: dict[str, str],
    default_id: str,
    default_title: str,
    id_where: Where | None = None,
) -> Checklist:
    """Turn rows into a checklist; a row with a title and no question declares a section.

    A row with a clause but neither question nor title is an error, never dropped: its question was
    most likely lost on the way to the file.
    """
    builder = ChecklistBuilder(problems, meta.get("id") or default_id, id_where if meta.get("id") else None)
    current: ClauseCell | None = None
    numeric_clauses: dict[str, Where] = {}
    for row in rows:
        parsed = _row_clause(builder, row, numeric_clauses)
        if isinstance(parsed, str):
            continue  # the problem is recorded; the rest of the file is still checked
        text, trailing = split_trailing_refs(_text(row, "question"))
        if parsed is None and trailing is not None:
            parsed = ClauseCell(trailing.clauses[0], trailing)
        clause = parsed or current  # merged or blank clause cells continue the clause above
        if clause is None:
            builder.report(_where(row, "clause"), "row has no clause number")
            continue
        current = clause
        title = _text(row, "title")
        if parsed is not None and (title or not text):
            builder.section(clause.clause, title, _where(row, "title" if title else "clause"))
        if not text:
            if not title:
                builder.report(_where(row, "question"), _no_question(row, clause.clause))
            continue
        refs = [*split_list(_text(row, "refs")), *clause.refs.clauses[1:], *clause.refs.other]
        if trailing is not None:
            refs += [*trailing.clauses, *trailing.other]
        item = Item(
            id=_text(row, "id"),
            clause=clause.clause,
            text=text,
            guidance=_text(row, "guidance"),
            evidence=_evidence(builder, row),
            records=tuple(split_list(_text(row, "records"))),
            process=_process(builder, row),
            refs=tuple(r for r in dict.fromkeys(refs) if r != clause.clause),
        )
        builder.item(item, _where(row, "question"), _where(row, "id"))
    _hint_numeric(problems, numeric_clauses)
    checklist = builder.build(
        meta.get("title") or default_title,
        meta.get("version") or "1",
        meta.get("standard", ""),
        meta.get("language", "en"),
    )
    problems.raise_if_any()
    assert checklist is not None
    return checklist


def _no_question(row: _Row, clause: str) -> str:
    """What is wrong with a row that has a clause and no question, and how to put it right."""
    if any(_text(row, field) for field in row.texts if field not in ("clause", "question")):
        return f"empty question under clause {clause}"
    heading = "or a title to make the row a section heading" if "title" in row.cells else "or remove the row"
    return f"empty question under clause {clause}: write the question, {heading}"


def _row_clause(builder: ChecklistBuilder, row: _Row, numeric: dict[str, Where]) -> ClauseCell | str | None:
    """The clause the row's clause cell gives, None when blank, or the message already reported."""
    cell = row.cells.get("clause")
    if cell is None or cell.value in (None, ""):
        return None
    parsed = clause_cell(cell.value, cell.number_format)
    if isinstance(parsed, str):
        builder.report(_where(row, "clause"), parsed)
    elif parsed.from_number:
        numeric.setdefault(parsed.clause, _where(row, "clause"))
    return parsed


def _text(row: _Row, field: str) -> str:
    return row.texts.get(field, "")


def _where(row: _Row, field: str) -> Where:
    cell = row.cells.get(field)
    if cell is None:
        return row.where
    return row.where.at(int(cell.column) if cell.column.isdigit() else cell.column)


def _evidence(builder: ChecklistBuilder, row: _Row) -> tuple[str, ...]:
    kinds, unknown = evidence_kinds(_text(row, "evidence"))
    if unknown:
        words = ", ".join(map(repr, unknown))
        builder.report(
            _where(row, "evidence"),
            f"unknown evidence {words}; use document, record, interview or observation",
        )
    return tuple(kinds)


def _process(builder: ChecklistBuilder, row: _Row) -> str | None:
    text = _text(row, "process")
    if not text:
        return None
    name = process_name(text)
    if name is None:
        builder.report(_where(row, "process"), f"process {text!r} is not one of the seven MDSAP processes")
    return name


def _hint_numeric(problems: ProblemList, numeric: dict[str, Where]) -> None:
    """A duplicate of a clause typed as a number is likely 7.10 shown as 7.1: say so where it happened."""
    for index, problem in enumerate(problems.problems):
        for clause, where in numeric.items():
            if f"clause {clause} " in problem.message and "duplicate" in problem.message:
                hint = (
                    f"; clause {clause} was stored as a number in {where.sheet or 'the file'} row {where.row}"
                    f", which drops trailing zeros (7.10 becomes 7.1): store clause numbers as text"
                )
                problems.problems[index] = dataclasses.replace(problem, message=problem.message + hint)
