"""Reading an XLSX workbook into plain grids of cells, with merged ranges filled from their top-left cell."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

from checklists import nodes
from checklists.problems import ChecklistError, Problem, ProblemList

XLS_UNSUPPORTED = ".xls (Excel 97-2003) is not supported; save it as .xlsx"
_OLE2 = bytes.fromhex("d0cf11e0a1b11ae1")  # how .xls (and password-protected .xlsx) files start


@dataclass(frozen=True)
class Cell:
    """A cell's value (as openpyxl typed it), its number format, and its column letter or number."""

    value: object
    number_format: str | None
    column: str


def read_workbook(path: Path, problems: ProblemList) -> dict[str, list[list[Cell]]]:
    """Every sheet as rows of cells; all cells of a merged range carry its value (clause cells often are)."""
    # Imported here: openpyxl costs ~60 ms to import and only spreadsheet imports need it.
    import openpyxl
    from openpyxl.utils import get_column_letter
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise ChecklistError([Problem(str(path), message="file not found")]) from None
    except OSError as exc:
        raise nodes.unreadable(path, exc) from None
    with handle:
        try:
            # A file object, not the name: the content decides, whatever the extension (--format xlsx).
            book = openpyxl.load_workbook(handle, data_only=True)
        except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as exc:
            handle.seek(0)
            message = f"not a readable XLSX workbook ({exc})"
            if path.suffix.lower() == ".xls":
                message += f"; {XLS_UNSUPPORTED}"
            elif handle.read(len(_OLE2)) == _OLE2:
                message += "; it is an Excel 97-2003 or a password-protected workbook: save it as .xlsx"
            raise ChecklistError([Problem(str(path), message=message)]) from None
    sheets: dict[str, list[list[Cell]]] = {}
    letters = [get_column_letter(n) for n in range(1, 200)]
    for sheet in book.worksheets:
        fill: dict[tuple[int, int], object] = {}
        for merged in sheet.merged_cells.ranges:
            top_left = sheet.cell(merged.min_row, merged.min_col).value
            for row in range(merged.min_row, merged.max_row + 1):
                for col in range(merged.min_col, merged.max_col + 1):
                    fill[(row, col)] = top_left
        grid: list[list[Cell]] = []
        for r, row in enumerate(sheet.iter_rows(), 1):
            cells: list[Cell] = []
            for c, cell in enumerate(row, 1):
                value = fill.get((r, c), cell.value) if fill else cell.value
                letter = letters[c - 1] if c < len(letters) else get_column_letter(c)
                cells.append(Cell(value, cell.number_format, letter))
            grid.append(cells)
        sheets[sheet.title] = grid
    book.close()
    del problems
    return sheets
