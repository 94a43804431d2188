"""Problems sent back to the sender (`validate --annotate DIR`): for each delivered file a copy of
the unit's own workbook with every problem cell filled red and a comment stating the rule in
Chinese, plus a 问题清单 sheet listing them all, so a street can return each community its own file.
A CSV gets an .xlsx copy (its cells as text, exactly as typed). The copy reads back as the file
it was made from: the added sheet is one intake skips, fills and comments change no value, and
formula-like text is written through `cells.safe`, which intake undoes."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from analysis.cells import safe_row
from analysis.intake import csvstream
from analysis.intake.readers import PROBLEM_SHEET, Batch, Problem

PROBLEM_FILL = PatternFill("solid", fgColor="FFC7CE")
"""Excel's own light red for bad cells."""
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
AUTHOR = "台账校验"


def chinese(message: str) -> str:
    """The Chinese half of a "中文 / English" message."""
    return message.split(" / ")[0].strip()


def annotate(paths: list[Path], batches: list[Batch], problems: list[Problem], out_dir: Path) -> list[Path]:
    """One annotated copy per delivered file in `paths` (also files without problems, so every
    unit gets its file back with an empty 问题清单); returns the copies written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    by_file: dict[str, list[Problem]] = defaultdict(list)
    for p in problems:
        by_file[p.file].append(p)
    sheets: dict[tuple[str, str], Batch] = {(b.path.name, b.sheet): b for b in batches}
    written, used = [], set()
    for path in paths:
        name = path.stem + ".xlsx"
        if name in used:  # two delivered files of one name in different folders
            name = f"{path.parent.name}__{name}"
        used.add(name)
        mine = by_file.get(path.name, [])
        suffix = path.suffix.lower()
        wb = (_workbook(path) if suffix == ".xlsx" else
              _csv_workbook(path, next((b for b in batches if b.path == path), None)) if suffix == ".csv" else None)
        if wb is None:  # not readable at all: the list alone says why
            wb = openpyxl.Workbook()
            wb.remove(wb.active)
        _mark(wb, mine, sheets, path)
        _problem_sheet(wb, mine, sheets)
        out = out_dir / name
        wb.save(out)
        written.append(out)
    return written


def _workbook(path: Path) -> openpyxl.Workbook | None:
    try:
        return openpyxl.load_workbook(path)
    except Exception:  # noqa: BLE001 - a damaged file was already reported as such
        return None


def _csv_workbook(path: Path, batch: Batch | None) -> openpyxl.Workbook | None:
    """The CSV's records as one sheet of text cells, record n on row n."""
    try:
        file = csvstream.sniff(path)
    except Exception:  # noqa: BLE001 - an unreadable CSV was already reported as such
        return None
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = batch.ledger.title if batch else "Sheet1"
    with open(path, encoding=file.encoding, newline="") as f:
        for record in csv.reader(f, delimiter=file.delimiter):
            ws.append(safe_row(record))
    return wb


def _mark(wb: openpyxl.Workbook, problems: list[Problem], sheets: dict[tuple[str, str], Batch], path: Path) -> None:
    """Fill and comment each problem cell (a row's first cell for a problem with the whole row)."""
    notes: dict[tuple[str, int, int], list[str]] = defaultdict(list)
    for p in problems:
        if p.row is None:
            continue
        batch = sheets.get((p.file, p.sheet))
        title = p.sheet or (wb.worksheets[0].title if wb.worksheets else None)
        if title not in wb.sheetnames:
            continue
        columns = [p.sheet_column] if p.sheet_column else \
            [batch.positions[h] for h in p.column.split("、") if batch and h in batch.positions] or [1]
        for col in columns:
            notes[(title, p.row, col)].append(chinese(p.message))
    for (title, row, col), texts in notes.items():
        cell = wb[title].cell(row=row, column=col)
        cell.fill = PROBLEM_FILL
        comment = Comment("\n".join(dict.fromkeys(texts)), AUTHOR)
        comment.width, comment.height = 300, 40 + 40 * len(texts)
        cell.comment = comment


def _cell_of(p: Problem, sheets: dict[tuple[str, str], Batch]) -> str:
    """The cell's address (B7) where the problem has one."""
    if p.row is None:
        return ""
    batch = sheets.get((p.file, p.sheet))
    col = p.sheet_column or (batch.positions.get(p.column.split("、")[0]) if batch else None)
    return f"{get_column_letter(col)}{p.row}" if col else ""


def _problem_sheet(wb: openpyxl.Workbook, problems: list[Problem], sheets: dict[tuple[str, str], Batch]) -> None:
    if PROBLEM_SHEET in wb.sheetnames:
        del wb[PROBLEM_SHEET]
    ws = wb.create_sheet(PROBLEM_SHEET, 0)
    headers = ["工作表", "行", "列", "单元格", "填报值", "规则", "问题说明"]
    ws.append(headers)
    for j, w in enumerate([14, 6, 22, 8, 24, 20, 70], start=1):
        ws.cell(row=1, column=j).font = Font(bold=True)
        ws.cell(row=1, column=j).fill = HEADER_FILL
        ws.column_dimensions[get_column_letter(j)].width = w
    if not problems:
        ws.append(["未发现问题 / no problems found"])
    for p in problems:
        ws.append(safe_row([p.sheet, p.row, p.column, _cell_of(p, sheets), p.value, p.rule, chinese(p.message)]))
        ws.cell(row=ws.max_row, column=7).alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    wb.active = 0
    ws.sheet_view.tabSelected = True
    for other in wb.worksheets[1:]:
        other.sheet_view.tabSelected = False
    if problems:
        ws.sheet_properties.tabColor = "C00000"
