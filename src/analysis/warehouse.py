"""The DuckDB warehouse: validated ledgers loaded all-or-nothing, idempotently, with provenance.

Every ledger table carries `_file_id` and `_row` so each row traces to the file, sheet and row it
came from (`provenance` view); `_row_hash` tells an unchanged re-delivery from a correction."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd

from analysis.config import WAREHOUSE
from analysis.errors import LedgerError, WarehouseError
from analysis.intake import Batch, Problem, expand_paths, read_ledger_file
from analysis.ledgers import DUCKDB_TYPES, LEDGERS, Ledger

META_COLUMNS = "_file_id BIGINT, _row BIGINT, _row_hash UBIGINT"


def fetch_one(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> tuple | None:
    """First row or None. (duckdb 2 keeps a half-read result open and refuses the next statement,
    so results are always read to the end.)"""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0] if rows else None


@contextlib.contextmanager
def connect(db: Path = WAREHOUSE, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse; a second writer gets a clear message instead of a lock traceback."""
    if read_only and not db.exists():
        raise WarehouseError(f"数据仓库不存在，请先导入台账 / warehouse not found: {db} "
                             "(run `python -m analysis ingest data/sample` first)")
    db.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(db), read_only=read_only)
    except duckdb.IOException as e:
        if "lock" in str(e).lower():
            raise WarehouseError(f"数据仓库正被另一个进程使用，请稍后再试 / warehouse {db} is in use by "
                                 f"another process; try again when it finishes") from None
        raise WarehouseError(f"无法打开数据仓库 / cannot open warehouse {db}: {e}") from None
    try:
        yield con
    finally:
        con.close()


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""CREATE TABLE IF NOT EXISTS _files (
        file_id BIGINT PRIMARY KEY, path VARCHAR, name VARCHAR, sheet VARCHAR, ledger VARCHAR,
        sha256 VARCHAR, rows BIGINT, loaded_at TIMESTAMP)""")
    for ledger in LEDGERS.values():
        con.execute(f"CREATE TABLE IF NOT EXISTS {ledger.name} ({ledger.duckdb_columns()}, {META_COLUMNS})")
    con.execute("""CREATE OR REPLACE VIEW provenance AS
        SELECT f.ledger, f.path, f.name AS file, f.sheet, f.sha256, f.loaded_at, f.file_id FROM _files f""")


@dataclass
class LoadSummary:
    """DHIS2-style import summary per ledger."""

    ledger: str
    files: int
    imported: int
    updated: int
    ignored: int


def _row_hash(frame: pd.DataFrame) -> pd.Series:
    return pd.util.hash_pandas_object(frame, index=False).astype("uint64")


def _integrity_problems(con: duckdb.DuckDBPyConnection, batches: list[Batch]) -> list[Problem]:
    """Keys unique across files, and references to org units / enterprises that resolve."""
    problems: list[Problem] = []
    units = set(con.execute("SELECT unit_id FROM org_units").fetchdf()["unit_id"])
    enterprises = set(con.execute("SELECT enterprise_id FROM enterprises").fetchdf()["enterprise_id"])
    for b in batches:
        if b.ledger.name == "org_units":
            units |= set(b.frame["unit_id"].dropna())
        if b.ledger.name == "enterprises":
            enterprises |= set(b.frame["enterprise_id"].dropna())
    seen: dict[tuple[str, tuple], str] = {}
    for b in batches:
        key_cols = list(b.ledger.key)
        keys = b.frame[key_cols].astype(str).agg("|".join, axis=1) if len(key_cols) > 1 else b.frame[key_cols[0]]
        for pos, k in enumerate(keys.tolist()):
            tag = (b.ledger.name, k)
            if tag in seen and seen[tag] != b.path.name:
                problems.append(Problem(b.path.name, b.sheet, int(b.rows[pos]),
                                        "、".join(b.ledger.column(c).header for c in key_cols), str(k),
                                        "unique key across files",
                                        f"编号与文件 {seen[tag]} 中的记录重复 / key also in {seen[tag]}"))
            seen.setdefault(tag, b.path.name)
        for col, known, what in (("unit_id", units, "组织机构"), ("parent_id", units, "组织机构"),
                                 ("enterprise_id", enterprises, "生产经营单位")):
            if col not in b.frame.columns or (b.ledger.name == "enterprises" and col == "enterprise_id"):
                continue
            values = b.frame[col]
            missing = values.notna() & ~values.isin(known)
            for pos in missing.to_numpy().nonzero()[0][:200]:
                problems.append(Problem(b.path.name, b.sheet, int(b.rows[pos]), b.ledger.column(col).header,
                                        str(values.iloc[pos]), "reference",
                                        f"在{what}台账中找不到该代码 / unknown {col}"))
    return problems


def validate(paths: list[Path], db: Path = WAREHOUSE, encoding: str | None = None,
             ledger_name: str | None = None) -> tuple[list[Batch], list[Problem]]:
    """Parse and check every file; nothing is written."""
    batches: list[Batch] = []
    problems: list[Problem] = []
    for path in expand_paths(paths):
        try:
            got = read_ledger_file(path, encoding, ledger_name)
        except LedgerError as e:
            problems.append(Problem(path.name, "", None, "", "", "file", str(e)))
            continue
        batches.extend(got)
        for b in got:
            problems.extend(b.problems)
    if not batches and not problems:
        problems.append(Problem("", "", None, "", "", "no files", "没有找到台账文件 (.xlsx/.csv) / no ledger files found"))
    with _scratch_or_warehouse(db) as con:
        problems.extend(_integrity_problems(con, batches))
    return batches, problems


@contextlib.contextmanager
def _scratch_or_warehouse(db: Path):
    if db.exists():
        with connect(db, read_only=True) as con:
            yield con
    else:
        con = duckdb.connect()
        ensure_schema(con)
        try:
            yield con
        finally:
            con.close()


def ingest(paths: list[Path], db: Path = WAREHOUSE, encoding: str | None = None,
           ledger_name: str | None = None, progress=None) -> list[LoadSummary]:
    """Validate all files, then load them in one transaction: all or nothing."""
    batches, problems = validate(paths, db, encoding, ledger_name)
    if problems:
        raise IngestRejected(problems)
    summaries: dict[str, LoadSummary] = {}
    with connect(db) as con:
        ensure_schema(con)
        con.execute("BEGIN TRANSACTION")
        try:
            next_id = fetch_one(con, "SELECT coalesce(max(file_id), 0) + 1 FROM _files")[0]
            now = datetime.now().replace(microsecond=0)
            order = {name: i for i, name in enumerate(LEDGERS)}
            for b in sorted(batches, key=lambda b: order[b.ledger.name]):
                s = summaries.setdefault(b.ledger.name, LoadSummary(b.ledger.name, 0, 0, 0, 0))
                s.files += 1
                imported, updated, ignored = _load_batch(con, b, next_id)
                s.imported += imported
                s.updated += updated
                s.ignored += ignored
                con.execute("INSERT INTO _files VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            [next_id, str(b.path.resolve()), b.path.name, b.sheet, b.ledger.name, b.sha256,
                             len(b.frame), now])
                next_id += 1
                if progress:
                    progress(b)
            build_org_closure(con)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return list(summaries.values())


def _load_batch(con: duckdb.DuckDBPyConnection, b: Batch, file_id: int) -> tuple[int, int, int]:
    ledger: Ledger = b.ledger
    stage = b.frame.copy()
    stage["_file_id"] = file_id
    stage["_row"] = b.rows.astype("int64")
    stage["_row_hash"] = _row_hash(b.frame)
    for c in ledger.columns:
        if c.dtype == "date":
            stage[c.name] = stage[c.name].dt.date
    con.register("_stage", stage)
    try:
        key = " AND ".join(f"t.{k} = s.{k}" for k in ledger.key)
        cols = ", ".join([c.name for c in ledger.columns] + ["_file_id", "_row", "_row_hash"])
        casts = ", ".join([f"CAST(s.{c.name} AS {DUCKDB_TYPES[c.dtype]})" for c in ledger.columns]
                          + ["s._file_id", "s._row", "s._row_hash"])
        ignored, updated = fetch_one(con, f"""
            SELECT count(*) FILTER (WHERE t._row_hash = s._row_hash),
                   count(*) FILTER (WHERE t._row_hash <> s._row_hash)
            FROM _stage s JOIN {ledger.name} t ON {key}""")
        con.execute(f"""DELETE FROM {ledger.name} t USING _stage s
                        WHERE {key} AND t._row_hash <> s._row_hash""")
        con.execute(f"""INSERT INTO {ledger.name} ({cols})
                        SELECT {casts} FROM _stage s
                        WHERE NOT EXISTS (SELECT 1 FROM {ledger.name} t WHERE {key})""")
    finally:
        con.unregister("_stage")
    return len(stage) - ignored - updated, updated, ignored


def build_org_closure(con: duckdb.DuckDBPyConnection) -> None:
    """ancestor/descendant pairs (incl. self) so measures roll up by summing, never averaging."""
    con.execute("""CREATE OR REPLACE TABLE org_closure AS
        WITH RECURSIVE up(descendant_id, ancestor_id, depth) AS (
            SELECT unit_id, unit_id, 0 FROM org_units
            UNION ALL
            SELECT up.descendant_id, o.parent_id, up.depth + 1
            FROM up JOIN org_units o ON o.unit_id = up.ancestor_id
            WHERE o.parent_id IS NOT NULL AND up.depth < 12)
        SELECT * FROM up ORDER BY ancestor_id, descendant_id""")


def table_fingerprint(db: Path = WAREHOUSE) -> dict[str, tuple[int, int]]:
    """Row count and an order-independent content checksum per table (to prove nothing changed)."""
    if not db.exists():
        return {}
    with connect(db, read_only=True) as con:
        tables = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables "
                                            "WHERE table_type = 'BASE TABLE' ORDER BY 1").fetchall()]
        return {t: fetch_one(con, f"SELECT count(*), coalesce(sum(hash(t)), 0) FROM {t} t")
                for t in tables}


def last_loaded(db: Path = WAREHOUSE) -> date | None:
    with connect(db, read_only=True) as con:
        v = fetch_one(con, "SELECT max(loaded_at) FROM _files")[0]
    return v.date() if v else None


class IngestRejected(LedgerError):
    """Validation found problems; nothing was written. Carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        first = problems[0]
        super().__init__(f"发现 {len(problems)} 处问题，未写入任何数据 / {len(problems)} problem(s) found, "
                         f"nothing was written. First: {first.file} {first.sheet} 第{first.row}行 "
                         f"{first.column}: {first.message}")
