"""Problems found in a checklist file, each with where it is, and the one error that carries them all."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a source file, located by line/column (text) or sheet/row/column (workbook)."""

    source: str
    line: int | None = None
    column: int | str | None = None
    message: str = ""
    sheet: str | None = None
    row: int | None = None

    def __str__(self) -> str:
        """`file:line:col: message`, or `file:sheet!COLrow: message` for a workbook cell."""
        if self.sheet is not None:
            cell = f"{self.column or ''}{self.row or ''}"
            where = f"{self.sheet}!{cell}" if cell else self.sheet
            return f"{self.source}:{where}: {self.message}"
        parts = [self.source]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts) + f": {self.message}"


class ChecklistError(Exception):
    """A checklist file that cannot be loaded; `.problems` lists every problem found in one pass."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class ProblemList:
    """Collects problems during one pass so that all of them are reported together."""

    def __init__(self, source: str):
        self.source = source
        self.problems: list[Problem] = []

    def at(self, line: int | None, column: int | None, message: str) -> None:
        """Record a problem at a 1-based line and column of a text file."""
        self.problems.append(Problem(self.source, line, column, message))

    def cell(self, sheet: str | None, row: int | None, column: str | None, message: str) -> None:
        """Record a problem at a workbook cell (sheet, 1-based row, column letter) or CSV row/column."""
        if sheet is None:
            self.problems.append(Problem(self.source, row, column, message))
        else:
            self.problems.append(Problem(self.source, column=column, message=message, sheet=sheet, row=row))

    def add(self, problem: Problem) -> None:
        """Record a problem found elsewhere."""
        self.problems.append(problem)

    def raise_if_any(self) -> None:
        """Raise one ChecklistError with everything collected, so nothing is half-loaded."""
        if self.problems:
            raise ChecklistError(sorted(self.problems, key=_position))


def _position(problem: Problem) -> tuple[str, int, int, str]:
    """File order: by sheet, then line or row, then column (problems without a place come first)."""
    column = problem.column
    number = column if isinstance(column, int) else 0
    letters = column if isinstance(column, str) else ""
    return (problem.sheet or "", problem.line or problem.row or 0, number, f"{len(letters):02d}{letters}")
