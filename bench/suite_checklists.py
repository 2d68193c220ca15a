"""Benchmark `checklists`: loading the ISO 13485 library file, and importing a 5,000-row XLSX.

Workload 1: load and fully validate `checklists/library/iso13485-2016.yaml` (read, compose the YAML node
tree with libyaml, walk it recording every problem, build the model, compute the content hash).
Baseline: a bare `yaml.load(text, Loader=CSafeLoader)` of the same text (read included), i.e. what
`yaml.safe_load` costs with the same C parser. Both sides use libyaml when it is available (the
`yaml_c` note says whether it was); the target is load <= 2x the bare parse.

Workload 2: import a generated 5,000-row XLSX (clause, question, guidance, evidence, records, process).
Baseline: a bare openpyxl read of the same file in the same mode (`load_workbook(data_only=True)` and
every cell value visited), which any XLSX importer must pay.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import yaml
from openpyxl import Workbook, load_workbook

from bench.harness import Report, median, timed
from checklists import import_file, library_dir, load_file

_C_LOADER = getattr(yaml, "CSafeLoader", None)
PROCESSES = ("P&SC", "Management", "MAI", "Purchasing", "D&D")


def _bare_yaml(path: Path) -> object:
    text = path.read_text(encoding="utf-8")
    return yaml.load(text, Loader=_C_LOADER or yaml.SafeLoader)  # noqa: S506 - a safe loader either way


def _project_load(path: Path) -> object:
    checklist = load_file(path)
    return checklist.content_hash


def write_workbook(path: Path, rows: int) -> None:
    """A realistic imported checklist: 50 clauses under 8, several questions per clause."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Checklist"
    sheet.append(
        ["Clause", "Title", "Audit question", "Guidance", "Evidence", "Records to sample", "MDSAP process"]
    )
    for n in range(rows):
        clause = f"8.{n % 50 + 1}.{n % 7 + 1}"
        sheet.append(
            [
                clause,
                f"Topic {n % 50}" if n < 350 else "",
                f"Question {n}: are records for step {n} complete &amp; signed?",
                f"Sample five records of step {n}; compare with the procedure.",
                "record, interview" if n % 2 else "observation",
                "batch records; training records",
                PROCESSES[n % len(PROCESSES)],
            ]
        )
    book.save(path)


def _bare_openpyxl(path: Path) -> int:
    book = load_workbook(path, data_only=True)
    count = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            count += sum(1 for value in row if value is not None)
    book.close()
    return count


def _interleaved(
    project: Callable[[], object], base: Callable[[], object], repeat: int
) -> tuple[float, float]:
    """Median seconds of each, measured alternately so that load from other processes hits both alike."""
    mine: list[float] = []
    theirs: list[float] = []
    for _ in range(repeat):
        mine.append(timed(project))
        theirs.append(timed(base))
    return median(mine), median(theirs)


def run(quick: bool) -> Report:
    """Measure both workloads against their baselines."""
    report = Report("checklists")
    iso = library_dir() / "iso13485-2016.yaml"
    repeat = 5 if quick else 25
    _project_load(iso)  # warm the imports
    load, bare = _interleaved(lambda: _project_load(iso), lambda: _bare_yaml(iso), repeat)
    report.metrics["load_iso13485_s"] = round(load, 5)
    report.baseline["yaml_safe_load_iso13485_s"] = round(bare, 5)
    report.ratio("load_vs_safe_load", "load_iso13485_s", "yaml_safe_load_iso13485_s")
    report.notes["yaml_c"] = _C_LOADER is not None
    report.notes["iso13485_items"] = len(load_file(iso).items)
    report.notes["iso13485_bytes"] = iso.stat().st_size

    rows = 5000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.xlsx"
        write_workbook(path, rows)
        xrepeat = 1 if quick else 3
        imported, read = _interleaved(lambda: import_file(path), lambda: _bare_openpyxl(path), xrepeat)
        report.metrics["import_xlsx_5000_s"] = round(imported, 4)
        report.baseline["openpyxl_read_5000_s"] = round(read, 4)
        report.notes["xlsx_items"] = len(import_file(path).items)
    report.ratio("import_vs_openpyxl", "import_xlsx_5000_s", "openpyxl_read_5000_s")
    report.notes["xlsx_rows"] = rows
    report.target("load_vs_safe_load", "<=", 2.0)
    return report
