"""Reading ledger files as units deliver them (Excel/CSV, GBK or UTF-8, Chinese dates, full-width
digits) into typed chunks, collecting every problem with file, sheet, row, column and rule.

Cells are parsed a column at a time: a vectorised fast path takes the common spellings (dates
like 2024-03-05, 2024/3/5 or 2024年3月5日, numbers like 1,200 or 60%, 是/否) and only the residue
goes through the per-cell parsers that also understand full-width digits, Excel serials and the
rarer forms, so a cell gets the same value and the same message whichever path it takes. Keys and references are checked across all
files by the warehouse."""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
import warnings
import zipfile
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from itertools import islice
from pathlib import Path
from typing import NamedTuple

import numpy as np
import openpyxl
import pandas as pd
import pandera.pandas as pa
import pyarrow
import pyarrow.compute as pc
from openpyxl.utils import get_column_letter, range_boundaries

from analysis.cells import unquote
from analysis.errors import LedgerError
from analysis.intake import csvstream
from analysis.intake.ledgers import LEDGERS, Column, Ledger

SUPPORTED = (".csv", ".xlsx")
LEGACY = (".xls", ".xlsm", ".et", ".ods")
"""Spreadsheet formats units send that we ask them to re-save as .xlsx."""
PROBLEM_SHEET = "问题清单"
"""The sheet `validate --annotate` adds to a unit's workbook: the problems found in it."""
HELPER_SHEETS = {"填表说明", "代码表", PROBLEM_SHEET}
"""Sheets of our own templates (instructions, code lists) and annotated copies (problems): not data."""
PROBLEM_CAP = 1000
"""Problems kept per sheet for display and the --report CSV; all of them are counted."""
LATEST = date(2099, 12, 31)
"""Dates that may lie ahead (deadlines) must still fall in this century."""
_TRUE = {"是", "y", "yes", "true", "1", "√", "有", "t"}
_FALSE = {"否", "n", "no", "false", "0", "×", "无", "f"}
_DATE_PATTERNS = (
    re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?$"),
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
_EXCEL_EPOCH = date(1899, 12, 30)
_ARROW = {"str": pyarrow.string(), "int": pyarrow.int64(), "float": pyarrow.float64(),
          "date": pyarrow.date32(), "bool": pyarrow.bool_()}
_PANDAS = {pyarrow.string(): pd.StringDtype(), pyarrow.int64(): pd.Int64Dtype(),
           pyarrow.float64(): pd.Float64Dtype(), pyarrow.bool_(): pd.BooleanDtype()}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one cell (or row, or file)."""

    file: str
    sheet: str
    row: int | None
    column: str
    value: str
    rule: str
    message: str
    """Chinese and English, for the clerk who fixes the file."""
    sheet_column: int | None = None
    """The cell's column in the sheet (1-based) where `column` names no header of the ledger."""


@dataclass
class Batch:
    """One sheet of one file: where it came from, how many data rows it has, what is wrong."""

    path: Path
    sheet: str
    ledger: Ledger
    sha256: str
    n_rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    """The first PROBLEM_CAP problems found in the sheet."""
    problem_count: int = 0
    frame: pd.DataFrame | None = None
    """The whole sheet in the ledger's typed columns; only read_ledger_file keeps it."""
    rows: np.ndarray | None = None
    """Row number of each frame row as the clerk sees it in Excel / a text editor."""
    header_row: int = 1
    """Row number of the header as the clerk sees it."""
    positions: dict[str, int] = field(default_factory=dict)
    """Chinese header -> its column in the sheet (1-based), for pointing at a cell."""

    @property
    def label(self) -> str:
        return self.path.name + (f" [{self.sheet}]" if self.sheet else "")

    @property
    def omitted(self) -> int:
        """Problems counted but not kept."""
        return self.problem_count - len(self.problems)

    def add(self, count: int, problems: Iterable[Problem]) -> None:
        """Count `count` problems and keep those that fit under PROBLEM_CAP; the iterable is
        consumed no further, so problems beyond the cap are never built."""
        self.problems.extend(islice(problems, max(0, PROBLEM_CAP - len(self.problems))))
        self.problem_count += count

    def problem(self, row: int | None, column: str, value, rule: str, message: str,
                sheet_column: int | None = None) -> Problem:
        return Problem(self.path.name, self.sheet, row, column, _clean(value)[:60], rule, message, sheet_column)


@dataclass
class Chunk:
    """Consecutive data rows of one sheet in the ledger's typed columns."""

    frame: pd.DataFrame
    rows: np.ndarray
    """Row number of each frame row as the clerk sees it."""


@dataclass
class Sheet:
    """A sheet whose header has been checked; its rows are parsed as `chunks` is iterated, and
    the problems they hold are added to `batch` on the way."""

    batch: Batch
    expected_rows: int
    """About how many data rows to expect (for a progress bar)."""
    chunks: Iterator[Chunk]


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def expand_paths(paths: list[Path]) -> list[Path]:
    """Files as given, and the ledger files inside any folder given, in sorted order."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(sorted(q for q in p.rglob("*") if q.suffix.lower() in SUPPORTED + LEGACY and q.is_file()))
        elif p.exists():
            out.append(p)
        else:
            raise LedgerError(f"找不到文件 / file not found: {p}")
    return out


def detect_ledger(path: Path, headers: list[str]) -> Ledger | None:
    """By file name prefix (`drills__SLQ-QF.csv`), else by the Chinese headers it carries."""
    stem = path.stem.lower()
    by_name = [l for l in LEDGERS.values() if stem == l.name or stem.startswith(l.name + "_")]
    if by_name:
        return max(by_name, key=lambda l: len(l.name))
    present = set(headers)
    scored = [(len(present & set(l.headers)) / len(l.columns), l) for l in LEDGERS.values()]
    score, best = max(scored, key=lambda s: s[0])
    return best if score >= 0.6 else None


def open_ledger_file(path: Path, encoding: str | None = None, ledger_name: str | None = None,
                     today: date | None = None) -> list[Sheet]:
    """Check the file and each sheet's header now (what is wrong with the file as a whole raises
    LedgerError); rows are parsed only as each sheet's chunks are iterated, so a CSV of any size
    streams in bounded memory."""
    today = today or date.today()
    forced = LEDGERS.get(ledger_name) if ledger_name else None
    if ledger_name and forced is None:
        raise LedgerError(f"未知的台账 / unknown ledger {ledger_name!r}; known: {', '.join(LEDGERS)}")
    if path.stat().st_size == 0:
        raise LedgerError(f"{path}: 文件为空 / the file is empty")
    sheets = []
    for raw in _raw_sheets(path, encoding, forced):
        ledger = forced or detect_ledger(path, raw.headers)
        if ledger is None:
            where = path.name + (f" [{raw.sheet}]" if raw.sheet else "")
            raise LedgerError(f"{where}: 无法识别是哪类台账（按文件名或表头） / cannot tell which ledger this is "
                              f"from its file name or headers; name the file like drills__XX.csv or use --ledger")
        batch = Batch(path, raw.sheet, ledger, raw.sha256, header_row=raw.header_row)
        batch.add(len(raw.problems), [batch.problem(*p[:5], sheet_column=p[5]) for p in raw.problems])
        columns = _map_columns(batch, raw.headers, raw.header_row)
        batch.positions = {ledger.column(name).header: j + 1 for name, j in columns.items()}
        unnamed = [j for j, h in enumerate(raw.headers) if not h]
        sheets.append(Sheet(batch, raw.expected_rows, _chunks(batch, columns, raw.chunks, today, unnamed)))
    if not sheets:
        raise LedgerError(f"{path}: 工作簿中没有数据 / the workbook holds no data")
    return sheets


def read_ledger_file(path: Path, encoding: str | None = None, ledger_name: str | None = None,
                     today: date | None = None) -> list[Batch]:
    """One whole file in memory (small files, tests): each sheet's typed frame and every problem
    `validate` finds inside this file alone (references to other ledgers are not checked)."""
    batches = []
    for sheet in open_ledger_file(path, encoding, ledger_name, today):
        chunks = list(sheet.chunks)
        b = sheet.batch
        frame = (pd.concat([c.frame for c in chunks], ignore_index=True) if chunks else
                 _to_frame({c.name: pyarrow.nulls(0, _ARROW[c.dtype]) for c in b.ledger.columns}))
        rows = np.concatenate([c.rows for c in chunks]) if chunks else np.array([], dtype=np.int64)
        order = np.argsort(rows, kind="stable")  # short CSV rows come last from the stream
        b.frame, b.rows = frame.iloc[order].reset_index(drop=True), rows[order]
        _check_unique(b)
        batches.append(b)
    return batches


def _check_unique(b: Batch) -> None:
    """Keys unique within the sheet (the warehouse checks the same in SQL when it stages)."""
    keys = b.frame[list(b.ledger.key)]
    required = [k for k in b.ledger.key if b.ledger.column(k).required]
    dup = (keys[required].notna().all(axis=1) & keys.duplicated(keep=False)).to_numpy().nonzero()[0]
    b.add(len(dup), (b.problem(int(b.rows[p]), key_header(b.ledger), "|".join(map(str, keys.iloc[p])), "unique key",
                               duplicate_key_message(b.ledger)) for p in dup))


def key_header(ledger: Ledger) -> str:
    return "、".join(ledger.column(k).header for k in ledger.key)


def duplicate_key_message(ledger: Ledger) -> str:
    return "编号重复 / duplicate key " + ", ".join(ledger.key)


# --- reading sheets -------------------------------------------------------------------------------

class _RawSheet(NamedTuple):
    sheet: str
    sha256: str
    headers: list[str]
    header_row: int
    """Row number of the header as the clerk sees it."""
    expected_rows: int
    chunks: Iterator[tuple[pyarrow.Table | pd.DataFrame, np.ndarray]]
    """Cells and row numbers: arrow string tables from a CSV, one object frame for a worksheet."""
    problems: tuple[tuple, ...] = ()
    """What is wrong with the sheet as found: (row, column, value, rule, message, sheet column)."""


def _raw_sheets(path: Path, encoding: str | None, forced: Ledger | None) -> Iterator[_RawSheet]:
    """Each sheet's header found below any title rows, its rows still unread."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        file = csvstream.sniff(path, encoding)
        head = file.head()
        width = max((len(r) for r in head), default=0)
        skip = _header_row(pd.DataFrame([r + [""] * (width - len(r)) for r in head]), forced) if head else 0
        headers = [_clean(v) for v in head[skip]] if head else []
        if not any(headers):
            raise LedgerError(f"{path}: 文件为空 / the file is empty")
        yield _RawSheet("", file.sha256, headers, skip + 1, max(file.lines - skip - 1, 0),
                        csvstream.stream(file, skip, len(headers)))
    elif suffix == ".xlsx":
        with open(path, "rb") as f:
            ole = f.read(8).startswith(b"\xd0\xcf\x11\xe0")
        if ole:
            raise LedgerError(f"{path}: 文件已加密或为旧版 .xls 格式，请另存为未加密的 .xlsx / "
                              "encrypted workbook or legacy .xls; save as a plain .xlsx")
        if not zipfile.is_zipfile(path):
            raise LedgerError(f"{path}: 不是有效的 Excel(.xlsx) 文件（可能已损坏或实为网页/文本） / "
                              "not a valid .xlsx file (broken, or really HTML/text)")
        digest = sha256_of(path)
        for title, state, frame, stray, found_header in _read_workbook(path, forced):
            if state != "visible" and found_header is None:
                continue  # a hidden list or WPS's own hidden sheets: nothing a clerk typed as a ledger
            hdr = found_header or 0
            found = [(int(r), f"{get_column_letter(c)}列", v, "cell outside the table",
                      _NO_HEADER.format(get_column_letter(c)), c) for r, c, v in stray]
            if state != "visible":
                found.insert(0, (None, "", title, "hidden sheet",
                                 (f"工作表“{title}”已隐藏，但其中有台账数据：请取消隐藏、核对后重新报送，或删除该工作表 / "
                                  "hidden sheet holds ledger rows: unhide and check it, or delete it"), None))
            body = frame.iloc[hdr + 1:]
            yield _RawSheet(title, digest, [_clean(v) for v in frame.iloc[hdr].tolist()], int(frame.index[hdr]) + 1,
                            len(body), iter([(body, body.index.to_numpy() + 1)]), tuple(found))
    elif suffix in LEGACY:
        raise LedgerError(f"{path}: {suffix} 格式不受支持，请在 Excel/WPS 中另存为 .xlsx / "
                          f"{suffix} is not supported: re-save the workbook as .xlsx")
    else:
        raise LedgerError(f"{path}: 不支持的文件类型 {suffix}，请使用 .xlsx 或 .csv / unsupported file type")


_NO_HEADER = ("{0}列没有表头，但有内容（不会被导入）：请删除该内容，或补上表头 / a value in column {0}, which has "
              "no header: delete it or give the column its header")
HEADER_SPAN = 1024
"""Columns searched for the header row (a ledger has a few dozen at most)."""


def _read_workbook(path: Path, forced: Ledger | None = None
                   ) -> list[tuple[str, str, pd.DataFrame, list[tuple[int, int, object]], int | None]]:
    """Each sheet that holds anything: (title, visibility, the non-empty rows as an object frame
    indexed by row number − 1 and as wide as the header, stray cells right of it as (row, column,
    value), the header's position in the frame or None when no row of the first ten is one).

    Streamed with openpyxl's read-only reader and the sheet's declared dimension ignored, so
    memory follows the cells present, not the grid a sheet claims (one stray cell at XFD1048576
    declares 17 billion). Cell values as stored: formulas stay text so they can be refused.
    Merged cells are read as their top-left value in every cell of the range (a title merged
    across the table, a 所属社区 merged down the rows it covers)."""
    with warnings.catch_warnings():  # openpyxl's notes on WPS styles etc. are no business of the clerk's
        warnings.simplefilter("ignore", UserWarning)
        return _read_sheets(path, forced)


def _read_sheets(path: Path, forced: Ledger | None):
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as e:  # noqa: BLE001 - openpyxl raises many kinds on damaged files
        raise LedgerError(f"{path}: Excel 文件无法读取 / cannot read workbook: {e}") from None
    out = []
    try:
        for ws in wb.worksheets:
            if ws.title in HELPER_SHEETS or not hasattr(ws, "reset_dimensions"):  # chartsheets hold no cells
                continue
            ws.reset_dimensions()
            merged = _merged_ranges(wb, ws)
            numbers, rows = [], []
            for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
                end = len(values)
                while end and _clean(values[end - 1]) == "":
                    end -= 1
                if end:
                    numbers.append(number)
                    rows.append(list(values[:end]))
            if rows:
                span = min(max(len(r) for r in rows[:10]), HEADER_SPAN)
                head = pd.DataFrame([r[:span] + [None] * (span - len(r)) for r in rows[:10]], dtype=object)
                hdr = _find_header(head, forced)
                width = len(rows[hdr]) if hdr is not None else head.shape[1]
                _fill_merged(numbers, rows, merged, width)
                out.append((ws.title, ws.sheet_state, *_cut_table(numbers, rows, width), hdr))
    except LedgerError:
        raise
    except Exception as e:  # noqa: BLE001 - damaged sheet XML surfaces while rows are read
        raise LedgerError(f"{path}: Excel 文件无法读取 / cannot read workbook: {e}") from None
    finally:
        wb.close()
    return out


def _merged_ranges(wb, ws) -> list[tuple[int, int, int, int]]:
    """(min_row, min_col, max_row, max_col) of each merged range, streamed from the sheet's XML
    (the read-only reader does not parse them)."""
    from xml.etree.ElementTree import iterparse

    found = []
    with wb._archive.open(ws._worksheet_path) as src:  # the part openpyxl itself reads the sheet from
        for _, el in iterparse(src):
            if el.tag.endswith("}mergeCell"):
                ref = el.get("ref", "")
                if ":" in ref:
                    c1, r1, c2, r2 = range_boundaries(ref)
                    found.append((r1, c1, r2, c2))
            el.clear()
    return found


def _fill_merged(numbers: list[int], rows: list[list], merged: list[tuple[int, int, int, int]], width: int) -> None:
    """The top-left value of each merged range into the range's other cells, on the rows present
    and no further right than the table (a range over the whole grid costs no more than the data)."""
    if not merged:
        return
    at = {n: i for i, n in enumerate(numbers)}
    for r1, c1, r2, c2 in merged:
        top = rows[at[r1]][c1 - 1] if r1 in at and c1 <= len(rows[at[r1]]) else None
        if _clean(top) == "":
            continue
        for n in numbers[bisect_left(numbers, r1):bisect_right(numbers, r2)]:
            row = rows[at[n]]
            stop = min(c2, width)
            if len(row) < stop:
                row.extend([None] * (stop - len(row)))
            for j in range(c1 - 1, stop):
                row[j] = top


def _cut_table(numbers: list[int], rows: list[list], width: int) -> tuple[pd.DataFrame, list[tuple[int, int, object]]]:
    """The rows as a frame `width` wide (the header's width), and the cells further right as
    stray cells (row, column, value)."""
    stray = [(n, j + 1, v) for n, r in zip(numbers, rows) if len(r) > width
             for j, v in enumerate(r[width:], start=width) if _clean(v) != ""]
    frame = pd.DataFrame([r[:width] + [None] * (width - len(r)) for r in rows], dtype=object,
                         index=np.asarray(numbers) - 1)
    return frame, stray


def _header_row(frame: pd.DataFrame, ledger: Ledger | None) -> int:
    """Index of the header row: title rows above the table are skipped."""
    return _find_header(frame, ledger) or 0


def _has_header(frame: pd.DataFrame, ledger: Ledger | None) -> bool:
    return _find_header(frame, ledger) is not None


def _find_header(frame: pd.DataFrame, ledger: Ledger | None) -> int | None:
    """Index of the first of the first ten rows holding two known headers, else None."""
    known = set(ledger.headers) if ledger else {h for l in LEDGERS.values() for h in l.headers}
    for i in range(min(len(frame), 10)):
        cells = {_clean(v) for v in frame.iloc[i].tolist()}
        if len(cells & known) >= 2:
            return i
    return None


def _map_columns(batch: Batch, headers: list[str], header_row: int) -> dict[str, int]:
    """Ledger column name -> position in the sheet; extra, doubled and missing columns are problems."""
    ledger, mapping = batch.ledger, {}
    names = {c.name for c in ledger.columns}
    found = []
    for j, h in enumerate(headers):
        if not h:
            continue
        name = ledger.headers.get(h) or (h if h in names else None)
        if name is None:
            found.append(batch.problem(header_row, h, h, "extra column", f"多余的列“{h}”，不属于{ledger.title}台账 / "
                                                                 f"column not in the {ledger.name} ledger"))
        elif name in mapping:
            found.append(batch.problem(header_row, h, h, "duplicate column", f"列“{h}”重复 / column appears twice"))
        else:
            mapping[name] = j
    found += [batch.problem(header_row, c.header, "", "missing column", f"缺少列“{c.header}” / missing column {c.name}")
              for c in ledger.columns if c.name not in mapping]
    batch.add(len(found), found)
    return mapping


# --- parsing rows ---------------------------------------------------------------------------------

def _chunks(batch: Batch, columns: dict[str, int], raw_chunks, today: date, unnamed: list[int]) -> Iterator[Chunk]:
    for raw, rows in raw_chunks:
        keep = ~_blank_rows(raw)
        for j in unnamed:  # a column inside the table without a header: its values would be dropped unseen
            cells = raw.column(j) if isinstance(raw, pyarrow.Table) else pyarrow.array(raw.iloc[:, j].map(_clean))
            full = np.flatnonzero(pc.not_equal(pc.utf8_trim_whitespace(cells), "").to_numpy(zero_copy_only=False))
            batch.add(len(full), (batch.problem(int(rows[p]), f"{get_column_letter(j + 1)}列", _as_py(cells, p),
                                                "cell outside the table", _NO_HEADER.format(get_column_letter(j + 1)),
                                                sheet_column=j + 1) for p in full))
        total = np.flatnonzero(_total_rows(raw) & keep)
        batch.add(len(total), (batch.problem(int(rows[p]), "", "合计", "total row",
                                             "合计/小计行不是台账记录，请删除（汇总由系统计算） / a total line is not a "
                                             "record: delete it (the product adds up the rows itself)") for p in total))
        keep[total] = False
        raw, rows = (raw.filter(pyarrow.array(keep)) if isinstance(raw, pyarrow.Table) else raw[keep]), rows[keep]
        if len(rows):
            batch.n_rows += len(rows)
            yield Chunk(_parse_chunk(batch, raw, rows, columns, today), rows)
    if batch.n_rows == 0:
        batch.add(1, [batch.problem(None, "", "", "no data rows", "只有表头，没有数据行 / header only, no data rows")])


def _total_rows(raw) -> np.ndarray:
    """Rows with a cell that holds only 合计, 小计, 总计… (spaces inside allowed: 合　计)."""
    words = pyarrow.array(_TOTAL_WORDS)
    if not isinstance(raw, pyarrow.Table):
        return raw.map(lambda v: re.sub(r"\s", "", _clean(v)).rstrip(":：") in _TOTAL_WORDS
                       ).any(axis=1).to_numpy(dtype=bool)
    total = np.zeros(raw.num_rows, dtype=bool)
    for col in raw.columns:
        doubt = np.flatnonzero(pc.match_substring(col, "计").to_numpy(zero_copy_only=False))
        if len(doubt):
            text = pc.replace_substring_regex(col.take(doubt), r"[\s:：]", "")
            total[doubt[pc.is_in(text, words).to_numpy(zero_copy_only=False)]] = True
    return total


def _blank_rows(raw) -> np.ndarray:
    """Rows whose every cell is empty or white space. (Column by column over the rows still in
    doubt, which after the first column are almost none.)"""
    if not isinstance(raw, pyarrow.Table):
        return raw.map(_clean).eq("").all(axis=1).to_numpy(dtype=bool)
    blank = np.ones(raw.num_rows, dtype=bool)
    for col in raw.columns:
        doubt = np.flatnonzero(blank)
        if not len(doubt):
            break
        blank[doubt] = pc.equal(pc.utf8_trim_whitespace(col.take(doubt)), "").to_numpy(zero_copy_only=False)
    return blank


def _parse_chunk(batch: Batch, raw, rows: np.ndarray, columns: dict[str, int], today: date) -> pd.DataFrame:
    """Typed frame of one chunk; cell, schema and row-rule problems go to the batch."""
    typed, unparsed = {}, {}
    for c in batch.ledger.columns:
        j = columns.get(c.name)
        if j is None:
            typed[c.name] = pyarrow.nulls(len(rows), _ARROW[c.dtype])
            continue
        values = raw.column(j).combine_chunks() if isinstance(raw, pyarrow.Table) else raw.iloc[:, j].tolist()
        typed[c.name], bad = _parse_column(values, c, today)
        unparsed[c.name] = np.array([pos for pos, _, _ in bad], dtype=np.int64)
        batch.add(len(bad), (batch.problem(int(rows[pos]), c.header, _as_py(values, pos), rule, msg)
                             for pos, rule, msg in bad))
    frame = _to_frame(typed)
    _check_schema(batch, frame, rows, unparsed, missing={c.name for c in batch.ledger.columns} - set(columns))
    _check_row_rules(batch, frame, rows)
    return frame


def _as_py(values, pos: int):
    return values[pos].as_py() if isinstance(values, pyarrow.Array) else values[pos]


def _to_frame(typed: dict[str, pyarrow.Array]) -> pd.DataFrame:
    """Arrow columns as the pandas dtypes of the ledger schemas (dates as datetime64[ns])."""
    frame = pyarrow.table(typed).to_pandas(types_mapper=_PANDAS.get, date_as_object=False)
    for name, arr in typed.items():
        if arr.type == pyarrow.date32():
            frame[name] = frame[name].astype("datetime64[ns]")
    return frame


def _parse_column(values: pyarrow.Array | list, column: Column, today: date):
    """Typed arrow array for one column and (position, rule, message) for every cell that does
    not parse or whose date or number lies out of range. Strings from a CSV take the fast path
    first; worksheet cells (already dates and numbers) go through the per-cell parsers."""
    kind = _ARROW[column.dtype]
    if isinstance(values, pyarrow.Array):
        typed, residue = _fast_path(values, column)
        cells = values.take(residue).to_pylist()
    else:
        typed, residue, cells = pyarrow.nulls(len(values), kind), np.arange(len(values)), values
    parsed, bad = _parse_cells(cells, column)
    if len(residue):
        mask = np.zeros(len(typed), dtype=bool)
        mask[residue] = True
        typed = pc.replace_with_mask(typed, mask, pyarrow.array(parsed, kind))
    bad = [(int(residue[i]), rule, msg) for i, rule, msg in bad]
    if column.dtype == "date":
        latest = LATEST if column.future_ok else today
        out = pc.fill_null(pc.or_(pc.less(typed, column.earliest), pc.greater(typed, latest)), False)
        rng = f"日期须在 {column.earliest} 至 {latest} 之间 / date must lie between {column.earliest} and {latest}"
        bad += [(int(pos), "date_range", rng) for pos in np.flatnonzero(out.to_numpy(zero_copy_only=False))]
        typed = pc.if_else(out, None, typed)
    elif column.dtype in ("int", "float"):
        size = pc.abs(typed) if column.dtype == "int" else pc.if_else(pc.is_finite(typed), pc.abs(typed), math.inf)
        out = pc.fill_null(pc.greater(size, MAX_NUMBER), False)
        bad += [(int(pos), "number range", _RANGE_MESSAGE) for pos in np.flatnonzero(out.to_numpy(zero_copy_only=False))]
        typed = pc.if_else(out, None, typed)
    return typed, bad


MAX_NUMBER = 1e15
"""Largest magnitude a ledger number may have: ten thousand times any real count or amount of a
province, far below where sums and ratios lose precision or overflow (inf, 1e308, NaN refused)."""
_RANGE_MESSAGE = ("数值超出合理范围（须为有限数，绝对值不超过 10^15） / number out of range "
                  "(must be finite, at most 1e15 in size)")
MAX_TEXT = 32767
"""Longest text a cell may hold (Excel's own limit); anything longer is not a typed value."""
_EXCEL_ERRORS = ("#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NUM!", "#NAME?", "#NULL!", "#SPILL!", "#CALC!",
                 "#GETTING_DATA")
_TOTAL_WORDS = ("合计", "总计", "小计", "累计", "总合计", "共计")
"""A row with one of these words alone in a cell is the clerk's total line, not a record."""
_COUNT_WORDS = ("人", "名", "个", "家", "次", "起", "辆", "户", "处", "台", "座", "支", "项", "场", "件", "所")
_MONEY = ("元", "万元", "亿元")
_NUMBER_WITH_UNIT = re.compile(r"^(-?[\d.]+)\s*([^\d\s.%]+)$")


@cache
def _units_of(column: Column) -> tuple[tuple[str, ...], str | None]:
    """Unit words a number in this column may carry (understood and dropped), and the money unit
    its header declares (地区生产总值(亿元,当季) -> 亿元), if any."""
    m = re.search(r"[(（]\s*(元|万元|亿元)", column.header)
    money = m.group(1) if m else None
    allowed = (money,) if money else ()
    if column.dtype == "int":
        allowed += _COUNT_WORDS
    if "学时" in column.header:
        allowed += ("学时", "小时", "h")
    return allowed, money


_INT = r"^-?\d{1,18}$"
_FLOAT = r"^-?\d+(\.\d+)?$"
_DATE_FORMATS = ((r"^\d{4}-\d{1,2}-\d{1,2}$", "%Y-%m-%d"), (r"^\d{4}/\d{1,2}/\d{1,2}$", "%Y/%m/%d"),
                 (r"^\d{4}\.\d{1,2}\.\d{1,2}$", "%Y.%m.%d"), (r"^\d{4}年\d{1,2}月\d{1,2}日$", "%Y年%m月%d日"))
"""The common date spellings with ASCII digits and a four-digit year, each as (gate, format): the
gate keeps strptime from reading what parse_date would refuse (a two-digit year, say)."""


def _fast_path(values: pyarrow.Array, column: Column) -> tuple[pyarrow.Array, np.ndarray]:
    """Clean cells parsed in bulk (common date spellings, plain numbers with thousands separators
    or a %, yes/no words, text that is not a formula), and the positions of the other non-empty
    cells, left for the per-cell parsers."""
    dtype = column.dtype
    text = pc.utf8_trim_whitespace(values)
    present = pc.not_equal(text, "")
    if dtype == "str":
        doubt = pc.or_(pc.or_(pc.or_(pc.starts_with(text, "="), pc.starts_with(text, "#")), pc.starts_with(text, "'")),
                       pc.greater(pc.utf8_length(values), MAX_TEXT))
        if _is_code(column):
            doubt = pc.or_(doubt, pc.invert(pc.string_is_ascii(text)))
        return (pc.if_else(pc.and_(present, pc.invert(doubt)), text, None),
                np.flatnonzero(pc.and_(present, doubt).to_numpy(zero_copy_only=False)))
    if dtype == "date":
        days = np.full(len(text), np.datetime64("NaT"), dtype="datetime64[D]")
        for gate, fmt in _DATE_FORMATS:
            match = np.flatnonzero(pc.match_substring_regex(text, gate).to_numpy(zero_copy_only=False))
            if len(match):
                stamps = pd.to_datetime(text.take(match).to_pandas(), format=fmt, errors="coerce")
                days[match] = stamps.to_numpy().astype("datetime64[D]")
        typed = pyarrow.array(days, from_pandas=True)
    elif dtype in ("int", "float"):
        plain = pc.replace_substring_regex(pc.replace_substring_regex(text, r"[, ]", ""), r"%$", "")
        typed = pc.cast(pc.if_else(pc.match_substring_regex(plain, _INT if dtype == "int" else _FLOAT), plain, None),
                        _ARROW[dtype])
    else:
        word = pc.utf8_lower(text)
        typed = pc.if_else(pc.is_in(word, pyarrow.array(sorted(_TRUE))), True,
                           pc.if_else(pc.is_in(word, pyarrow.array(sorted(_FALSE))), False, None))
    residue = pc.and_(present, pc.is_null(typed))
    return typed, np.flatnonzero(residue.to_numpy(zero_copy_only=False))


def _clean(v) -> str:
    """A cell as the clerk would read it: empty for blanks, dates without a time."""
    if v is None or v is pd.NaT or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, datetime) and (v.hour, v.minute, v.second) == (0, 0, 0):
        return str(v.date())
    return str(v).strip()


def parse_date(v) -> date:
    """Excel dates and serials, 2024年3月5日, 2024/3/5, 2024.03.05, 20240305 (full-width too)."""
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        if 20000 <= v <= 80000:
            return _EXCEL_EPOCH + timedelta(days=int(v))
        raise ValueError
    s = re.sub(r"\s*([-/.年月日])\s*", r"\1", unicodedata.normalize("NFKC", str(v)).strip())
    for pat in _DATE_PATTERNS:
        m = pat.match(s)
        if m:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if re.fullmatch(r"\d{5}(\.0+)?", s):
        return parse_date(float(s))
    raise ValueError


def parse_number(v) -> float:
    """Full-width digits, thousands separators and “60%” (kept as 60)."""
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v)
    s = unicodedata.normalize("NFKC", str(v)).strip().replace(",", "").replace(" ", "")
    return float(s.removesuffix("%"))


def parse_int(v) -> int:
    f = parse_number(v)
    if not f.is_integer() or abs(f) >= 2**63:
        raise ValueError
    return int(f)


def parse_bool(v) -> bool:
    if isinstance(v, bool):
        return v
    s = unicodedata.normalize("NFKC", str(v)).strip().lower()
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise ValueError


def parse_text(v) -> str:
    """Text as typed; a number from a worksheet without Excel's float noise (12345678.0 -> 12345678);
    the ' before formula-like text that marks it as text dropped (`cells.unquote`)."""
    return format(v, ".15g") if isinstance(v, float) else unquote(str(v).strip())


def parse_code(v) -> str:
    """A code (单位代码, 编号): as text, with full-width letters, digits and dashes typed by a
    Chinese input method read as their ASCII forms (ＳＬＱ－ＱＦ－０１ -> SLQ-QF-01)."""
    return unicodedata.normalize("NFKC", parse_text(v)).strip()


def _is_code(column: Column) -> bool:
    return column.dtype == "str" and column.name.endswith("_id")


_PARSERS = {"str": parse_text, "code": parse_code, "date": parse_date, "int": parse_int, "float": parse_number,
            "bool": parse_bool}
_RULES = {
    "date": ("date format", "应为日期，如 2024-03-05 或 2024年3月5日 / must be a date such as 2024-03-05"),
    "int": ("integer", "应为整数 / must be a whole number"),
    "float": ("number", "应为数值 / must be a number"),
    "bool": ("yes/no", "应填“是”或“否” / must be 是 or 否"),
}


def _parse_cells(values: list, column: Column) -> tuple[list, list[tuple[int, str, str]]]:
    """The per-cell parsers: typed values (None for blanks and failures) and (position, rule,
    message) for each failure."""
    out: list = []
    bad: list[tuple[int, str, str]] = []
    dtype = column.dtype
    parse = _PARSERS["code" if _is_code(column) else dtype]
    for pos, v in enumerate(values):
        text = _clean(v)
        if text == "":
            out.append(None)
            continue
        refused = _not_a_value(v, text)
        if refused:
            bad.append((pos, *refused))
            out.append(None)
            continue
        try:
            out.append(parse(v))
        except (ValueError, OverflowError):
            unit = _with_unit(text, column) if dtype in ("int", "float") else None
            if isinstance(unit, float) and (dtype == "float" or unit.is_integer()):
                out.append(int(unit) if dtype == "int" else unit)
            else:
                bad.append((pos, *(unit or _RULES[dtype])))
                out.append(None)
    return out, bad


def _not_a_value(v, text: str) -> tuple[str, str] | None:
    """(rule, message) for cell contents that are no typed value in any column: a formula (or
    text that a spreadsheet would run as one), an Excel error, text beyond Excel's cell limit."""
    if not isinstance(v, str):
        return None
    text = unquote(text)
    if text.startswith("=") and len(text) > 1:
        return "formula", "单元格为公式，请粘贴为数值 / formula cell: paste values instead"
    if text.upper() in _EXCEL_ERRORS:
        return "excel error", f"单元格为 Excel 错误值 {text}（公式出错），请填写实际数值 / Excel error value {text}"
    if len(v) > MAX_TEXT:
        return "text length", (f"单元格内容过长（{len(v):,} 字符，上限 {MAX_TEXT:,}） / cell holds {len(v):,} "
                               f"characters, more than Excel's {MAX_TEXT:,}")
    return None


def _with_unit(text: str, column: Column) -> float | tuple[str, str] | None:
    """A number typed with its unit (12人, 35.5万元 in a 万元 column): the number; a money unit
    other than the header's (123万元 in a 亿元 column): (rule, message); else None."""
    m = _NUMBER_WITH_UNIT.match(unicodedata.normalize("NFKC", text).replace(",", "").replace(" ", ""))
    if not m:
        return None
    allowed, money = _units_of(column)
    number, unit = m.group(1), m.group(2)
    if unit in allowed:
        try:
            return float(number)
        except ValueError:
            return None
    if money and unit in _MONEY:
        return "unit", (f"数值带单位“{unit}”，与表头的单位“{money}”不符，请换算为{money}后只填数字 / the value is in "
                        f"{unit}, the column in {money}: convert it and enter the number only")
    return None


# --- checks within a chunk ------------------------------------------------------------------------

@cache
def _chunk_schema(ledger: Ledger) -> pa.DataFrameSchema:
    """The ledger's pandera schema without key uniqueness, which cannot be judged one chunk at a
    time (the warehouse checks keys over all chunks and files)."""
    schema = ledger.schema()
    schema.unique = None
    return schema


def _check_schema(batch: Batch, frame: pd.DataFrame, rows: np.ndarray, unparsed: dict[str, np.ndarray],
                  missing: set[str]) -> None:
    """pandera checks (required, code lists, minimums), every failure counted; cells that did
    not parse and columns that are missing are reported once already."""
    try:
        _chunk_schema(batch.ledger).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as err:
        fc = err.failure_cases
    else:
        return
    keep = ~fc["column"].isin(missing)
    for name, positions in unparsed.items():
        keep &= ~((fc["column"] == name) & fc["index"].isin(positions))
    fc = fc[keep]
    batch.add(len(fc), (_schema_problem(batch, rec, rows) for rec in fc.itertuples(index=False)))


def _schema_problem(batch: Batch, rec, rows: np.ndarray) -> Problem:
    ledger, check = batch.ledger, str(rec.check)
    header = ledger.column(rec.column).header if rec.column in ledger.headers.values() else str(rec.column)
    row = int(rows[int(rec.index)]) if rec.index is not None and not pd.isna(rec.index) else None
    if check == "not_nullable":
        msg, rule = f"必填项“{header}”为空 / required value missing", "required"
    elif check.startswith("取值须为"):
        msg, rule = check, "code list"
    elif check.startswith("不得小于"):
        msg, rule = check, "minimum"
    else:
        msg, rule = check, check.split("(")[0]
    return batch.problem(row, header, rec.failure_case, rule, msg)


def _check_row_rules(batch: Batch, frame: pd.DataFrame, rows: np.ndarray) -> None:
    for rule in batch.ledger.row_rules:
        checked = frame[list(rule.columns)].notna().all(axis=1)
        holds = rule.holds(frame).fillna(True).astype(bool)
        header = "、".join(batch.ledger.column(c).header for c in rule.columns)
        broken = (checked & ~holds).to_numpy().nonzero()[0]
        batch.add(len(broken), (batch.problem(int(rows[p]), header,
                                              " / ".join(_clean(frame[c].iloc[p])[:20] for c in rule.columns),
                                              rule.name, rule.message) for p in broken))
