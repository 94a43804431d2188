"""Reading ledger files as units deliver them (Excel/CSV, GBK or UTF-8, Chinese dates, full-width
digits) into typed frames, collecting every problem with file, sheet, row, column and rule."""

from __future__ import annotations

import csv
import hashlib
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from io import StringIO
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pandera.pandas as pa

from analysis.errors import LedgerError
from analysis.ledgers import LEDGERS, Ledger

SUPPORTED = (".csv", ".xlsx")
LEGACY = (".xls", ".xlsm", ".et", ".ods")
"""Spreadsheet formats units send that we ask them to re-save as .xlsx."""
HELPER_SHEETS = {"填表说明", "代码表"}
"""Sheets of our own templates that hold instructions and code lists, not data."""
EARLIEST = date(2000, 1, 1)
_TRUE = {"是", "y", "yes", "true", "1", "√", "有", "t"}
_FALSE = {"否", "n", "no", "false", "0", "×", "无", "f"}
_DATE_PATTERNS = (
    re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?$"),
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
_EXCEL_EPOCH = date(1899, 12, 30)


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


@dataclass
class Batch:
    """One sheet of one file, parsed into the ledger's typed columns."""

    path: Path
    sheet: str
    ledger: Ledger
    sha256: str
    frame: pd.DataFrame
    rows: np.ndarray
    """Row number of each frame row as the clerk sees it in Excel / a text editor."""
    problems: list[Problem] = field(default_factory=list)


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


_CJK = re.compile(r"[\u4e00-\u9fff]")


def _mixed_encoding_line(raw: bytes) -> int | None:
    """First line that is not UTF-8 in a file whose other lines hold Chinese in UTF-8, else None.
    (A pure GBK file has no line that decodes as UTF-8 *and* contains Chinese characters.)"""
    utf8_chinese, first_bad = False, None
    for i, line in enumerate(raw.split(b"\n"), start=1):
        if line.isascii():
            continue
        try:
            utf8_chinese |= bool(_CJK.search(line.decode("utf-8-sig")))
        except UnicodeDecodeError:
            first_bad = first_bad or i
        if utf8_chinese and first_bad:
            return first_bad
    return None


def _decode(path: Path, raw: bytes, encoding: str | None) -> str:
    if b"\x00" in raw:
        raise LedgerError(f"{path}: 文件含有空字节(NUL)，可能不是文本文件 / file contains NUL bytes (not a text CSV)")
    if not encoding:
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            line = _mixed_encoding_line(raw)
            if line:
                raise LedgerError(f"{path}: 第{line}行起编码与前文不一致（文件混用了 UTF-8 与其他编码），请统一另存为 "
                                  f"UTF-8 / mixed encodings: UTF-8 up to line {line}, something else after") from None
    for enc in ([encoding] if encoding else ["gb18030"]):
        try:
            return raw.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
    if not encoding:
        from charset_normalizer import from_bytes

        best = from_bytes(raw[:1 << 20]).best()
        if best is not None and best.encoding:
            try:
                return raw.decode(best.encoding)
            except (UnicodeDecodeError, LookupError):
                pass
    raise LedgerError(f"{path}: 无法识别文件编码，请另存为 UTF-8 或 GBK / cannot decode the file "
                      f"as {encoding or 'UTF-8 or GB18030'}; use --encoding")


def _read_sheets(path: Path, encoding: str | None) -> list[tuple[str, pd.DataFrame, int]]:
    """Every sheet as a frame of strings/objects with no header applied, and the number of
    physical rows above the frame's first row (title lines before the header of a CSV)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        text = _decode(path, path.read_bytes(), encoding)
        head = list(csv.reader(text.splitlines()[:10]))
        width = max((len(r) for r in head), default=0)
        skip = _header_row(pd.DataFrame([r + [""] * (width - len(r)) for r in head]), None) if head else 0
        try:
            frame = pd.read_csv(StringIO(text), header=None, dtype=str, keep_default_na=False,
                                skip_blank_lines=False, skiprows=skip)
        except pd.errors.ParserError as e:
            raise LedgerError(f"{path}: CSV 格式错误（列数不一致或引号不匹配） / malformed CSV: {e}") from None
        except pd.errors.EmptyDataError:
            raise LedgerError(f"{path}: 文件为空 / the file is empty") from None
        return [("", frame, skip)]
    if suffix == ".xlsx":
        head = path.read_bytes()[:8]
        if head.startswith(b"\xd0\xcf\x11\xe0"):
            raise LedgerError(f"{path}: 文件已加密或为旧版 .xls 格式，请另存为未加密的 .xlsx / "
                              "encrypted workbook or legacy .xls; save as a plain .xlsx")
        if not zipfile.is_zipfile(path):
            raise LedgerError(f"{path}: 不是有效的 Excel(.xlsx) 文件（可能已损坏或实为网页/文本） / "
                              "not a valid .xlsx file (broken, or really HTML/text)")
        return _read_workbook(path)
    if suffix in LEGACY:
        raise LedgerError(f"{path}: {suffix} 格式不受支持，请在 Excel/WPS 中另存为 .xlsx / "
                          f"{suffix} is not supported: re-save the workbook as .xlsx")
    raise LedgerError(f"{path}: 不支持的文件类型 {suffix}，请使用 .xlsx 或 .csv / unsupported file type")


def _read_workbook(path: Path) -> list[tuple[str, pd.DataFrame, int]]:
    """Cell values as stored (formulas kept as text so they can be refused); merged header cells
    are filled from their top-left cell."""
    try:
        wb = openpyxl.load_workbook(path, read_only=False, data_only=False)
    except Exception as e:  # openpyxl raises many kinds on damaged files
        raise LedgerError(f"{path}: Excel 文件无法读取 / cannot read workbook: {e}") from None
    out = []
    for ws in wb.worksheets:
        if ws.title in HELPER_SHEETS or ws.sheet_state != "visible":
            continue
        for rng in list(ws.merged_cells.ranges):
            if rng.min_row <= 10:
                top = ws.cell(rng.min_row, rng.min_col).value
                ws.unmerge_cells(str(rng))
                for row in ws.iter_rows(min_row=rng.min_row, max_row=rng.max_row,
                                        min_col=rng.min_col, max_col=rng.max_col):
                    for cell in row:
                        cell.value = top
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        frame = pd.DataFrame(rows, dtype=object) if rows else pd.DataFrame()
        if not frame.dropna(how="all").empty:
            out.append((ws.title, frame, 0))
    return out


def _header_row(frame: pd.DataFrame, ledger: Ledger | None) -> int:
    """Index of the header row: title rows above the table are skipped."""
    known = set(ledger.headers) if ledger else {h for l in LEDGERS.values() for h in l.headers}
    for i in range(min(len(frame), 10)):
        cells = {_clean(v) for v in frame.iloc[i].tolist()}
        if len(cells & known) >= 2:
            return i
    return 0


def _clean(v) -> str:
    """A cell as the clerk would read it: empty for blanks, dates without a time."""
    if v is None or v is pd.NaT or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, datetime) and (v.hour, v.minute, v.second) == (0, 0, 0):
        return str(v.date())
    return str(v).strip()


def parse_date(v) -> date | None:
    """Excel dates and serials, 2024年3月5日, 2024/3/5, 2024.03.05, 20240305 (full-width too)."""
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        if 20000 <= v <= 80000:
            return _EXCEL_EPOCH + timedelta(days=int(v))
        raise ValueError
    s = unicodedata.normalize("NFKC", str(v)).strip()
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
    if s.endswith("%"):
        s = s[:-1]
    return float(s)


def parse_bool(v) -> bool:
    if isinstance(v, bool):
        return v
    s = unicodedata.normalize("NFKC", str(v)).strip().lower()
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise ValueError


_RULES = {
    "date": ("日期格式", "date format", "应为日期，如 2024-03-05 或 2024年3月5日", "must be a date such as 2024-03-05"),
    "int": ("整数", "integer", "应为整数", "must be a whole number"),
    "float": ("数值", "number", "应为数值", "must be a number"),
    "bool": ("是/否", "yes/no", "应填“是”或“否”", "must be 是 or 否"),
}


def _parse_column(values: pd.Series, dtype: str, today: date | None, earliest: date = EARLIEST):
    """`today` None accepts future dates."""
    """Typed values and a list of (position, rule, message) for cells that do not parse."""
    bad: list[tuple[int, str, str]] = []
    out: list = []
    for pos, v in enumerate(values.tolist()):
        if _clean(v) == "":
            out.append(None)
            continue
        if isinstance(v, str) and v.startswith("=") and len(v) > 1:
            bad.append((pos, "formula", "单元格为公式，请粘贴为数值 / formula cell: paste values instead"))
            out.append(None)
            continue
        try:
            if dtype == "str":
                p = str(v).strip() if not isinstance(v, float) else f"{v:g}"
            elif dtype == "date":
                p = parse_date(v)
                if p < earliest or (today is not None and p > today):
                    bad.append((pos, "date_range", f"日期须在 {earliest} 至 {today or '—'} 之间 / date must lie "
                                                   f"between {earliest} and {today or '—'}"))
                    out.append(None)
                    continue
            elif dtype == "int":
                f = parse_number(v)
                if not float(f).is_integer():
                    raise ValueError
                p = int(f)
            elif dtype == "float":
                p = parse_number(v)
            else:
                p = parse_bool(v)
        except (ValueError, OverflowError):
            zh_rule, en_rule, zh, en = _RULES[dtype]
            bad.append((pos, en_rule, f"{zh} / {en}"))
            out.append(None)
            continue
        out.append(p)
    return out, bad


_PANDAS = {"str": "string", "int": "Int64", "float": "Float64", "date": "datetime64[ns]", "bool": "boolean"}


def _typed_frame(cols: dict[str, list], ledger: Ledger) -> pd.DataFrame:
    df = pd.DataFrame({c.name: pd.Series(cols[c.name], dtype=object) for c in ledger.columns})
    for c in ledger.columns:
        if c.dtype == "date":
            df[c.name] = pd.to_datetime(df[c.name]).astype("datetime64[ns]")
        else:
            df[c.name] = df[c.name].astype(_PANDAS[c.dtype])
    return df


def read_ledger_file(path: Path, encoding: str | None = None, ledger_name: str | None = None,
                     today: date | None = None) -> list[Batch]:
    """Parse one file into batches (one per non-empty sheet); cell problems are collected,
    file-level problems raise LedgerError."""
    today = today or date.today()
    if path.stat().st_size == 0:
        raise LedgerError(f"{path}: 文件为空 / the file is empty")
    digest = sha256_of(path)
    batches = []
    for sheet, raw, offset in _read_sheets(path, encoding):
        forced = LEDGERS.get(ledger_name) if ledger_name else None
        if ledger_name and forced is None:
            raise LedgerError(f"未知的台账 / unknown ledger {ledger_name!r}; known: {', '.join(LEDGERS)}")
        hdr = _header_row(raw, forced)
        headers = [_clean(v) for v in raw.iloc[hdr].tolist()] if len(raw) else []
        ledger = forced or detect_ledger(path, headers)
        where = f"{path.name}" + (f" [{sheet}]" if sheet else "")
        if ledger is None:
            raise LedgerError(f"{where}: 无法识别是哪类台账（按文件名或表头） / cannot tell which ledger this is "
                              f"from its file name or headers; name the file like drills__XX.csv or use --ledger")
        batches.append(_parse_sheet(path, sheet, raw, hdr, headers, ledger, digest, today, offset))
    if not batches:
        raise LedgerError(f"{path}: 工作簿中没有数据 / the workbook holds no data")
    return batches


def _parse_sheet(path, sheet, raw, hdr, headers, ledger: Ledger, digest, today, offset: int) -> Batch:
    problems: list[Problem] = []

    def problem(row, column, value, rule, message):
        problems.append(Problem(path.name, sheet, row, column, _clean(value)[:60], rule, message))

    mapping = {}
    for j, h in enumerate(headers):
        if not h:
            continue
        name = ledger.headers.get(h) or (h if h in {c.name for c in ledger.columns} else None)
        if name is None:
            problem(hdr + 1 + offset, h, h, "extra column", f"多余的列“{h}”，不属于{ledger.title}台账 / "
                                                   f"column not in the {ledger.name} ledger")
        elif name in mapping.values():
            problem(hdr + 1 + offset, h, h, "duplicate column", f"列“{h}”重复 / column appears twice")
        else:
            mapping[j] = name
    for c in ledger.columns:
        if c.name not in mapping.values():
            problem(hdr + 1 + offset, c.header, "", "missing column", f"缺少列“{c.header}” / missing column {c.name}")
    body = raw.iloc[hdr + 1:]
    body = body[~body.map(_clean).eq("").all(axis=1)] if len(body) else body
    rows = body.index.to_numpy() + 1 + offset  # frame index 0 is the file's first row after `offset`
    if len(body) == 0:
        problem(None, "", "", "no data rows", "只有表头，没有数据行 / header only, no data rows")
    cols: dict[str, list] = {}
    for c in ledger.columns:
        j = next((k for k, v in mapping.items() if v == c.name), None)
        values = body.iloc[:, j] if j is not None else pd.Series([None] * len(body), dtype=object)
        typed, bad = _parse_column(values, c.dtype, None if c.future_ok else today, c.earliest)
        for pos, rule, msg in bad:
            problem(int(rows[pos]), c.header, values.iloc[pos], rule, msg)
        cols[c.name] = typed
    frame = _typed_frame(cols, ledger)
    batch = Batch(path, sheet, ledger, digest, frame, rows, problems)
    if len(body):
        _validate_schema(batch)
        _check_row_rules(batch)
    return batch


def _check_row_rules(batch: Batch) -> None:
    df = batch.frame
    for rule in batch.ledger.row_rules:
        checked = df[list(rule.columns)].notna().all(axis=1)
        holds = rule.holds(df).fillna(True).astype(bool)
        header = "、".join(batch.ledger.column(c).header for c in rule.columns)
        for pos in (checked & ~holds).to_numpy().nonzero()[0]:
            value = " / ".join(_clean(df[c].iloc[pos])[:20] for c in rule.columns)
            batch.problems.append(Problem(batch.path.name, batch.sheet, int(batch.rows[pos]), header, value,
                                          rule.name, rule.message))


def _validate_schema(batch: Batch) -> None:
    """pandera checks (required, code lists, minimums, unique keys), every failure kept."""
    ledger = batch.ledger
    unparsed = {(p.row, p.column) for p in batch.problems}
    missing = {p.column for p in batch.problems if p.rule == "missing column"}
    try:
        ledger.schema().validate(batch.frame, lazy=True)
    except pa.errors.SchemaErrors as err:
        fc = err.failure_cases
        for rec in fc.to_dict("records"):
            col = rec.get("column")
            idx = rec.get("index")
            header = ledger.column(col).header if col in {c.name for c in ledger.columns} else str(col)
            row = int(batch.rows[int(idx)]) if idx is not None and not pd.isna(idx) else None
            check = str(rec.get("check"))
            if (row, header) in unparsed or header in missing:
                continue
            value = rec.get("failure_case")
            if check == "not_nullable":
                msg, rule = f"必填项“{header}”为空 / required value missing", "required"
            elif "unique" in check or "duplicates" in check:
                msg, rule = "编号重复 / duplicate key " + ", ".join(ledger.key), "unique key"
                header = "、".join(ledger.column(k).header for k in ledger.key)
            elif check.startswith("dtype"):
                continue
            elif check.startswith("取值须为"):
                msg, rule = check, "code list"
            elif check.startswith("不得小于"):
                msg, rule = check, "minimum"
            else:
                msg, rule = check, check.split("(")[0]
            batch.problems.append(Problem(batch.path.name, batch.sheet, row, header, _clean(value)[:60],
                                          rule, msg))
