"""The DuckDB warehouse: validated ledgers loaded all-or-nothing, idempotently, with provenance.

Every ledger table carries `_file_id` and `_row` so each row traces to the file, sheet and row it
came from (`provenance` view); `_row_hash` tells an unchanged re-delivery from a correction.

Intake holds the warehouse's write lock throughout: every file streams chunk by chunk into a
scratch staging database, keys and references are checked across all files in SQL there, and only
then are the rows merged into the ledger tables in one transaction. A problem, an error or a
killed process leaves the warehouse as it was; `validate` does the same work and writes nothing.

The ledger readers (openpyxl, pandera, pyarrow) load in the functions that read ledgers: every
report kernel and batch worker opens the warehouse through this module and never reads a ledger."""

from __future__ import annotations

import contextlib
import tempfile
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from analysis.config import SAMPLE_MARK, WAREHOUSE
from analysis.errors import LedgerError, WarehouseError
from analysis.intake.ledgers import LEDGERS, Ledger

if TYPE_CHECKING:
    from analysis.intake.readers import Batch, Problem

META_COLUMNS = "_file_id BIGINT, _row BIGINT, _row_hash UBIGINT"
INTAKE_MEMORY = "1GB"
"""DuckDB's memory during intake; staged rows beyond it spill to disk."""
REFERENCES = (("unit_id", "org_units", "unit_id", "组织机构"), ("parent_id", "org_units", "unit_id", "组织机构"),
              ("enterprise_id", "enterprises", "enterprise_id", "生产经营单位"))
"""(column, ledger it refers to, that ledger's key, its Chinese name)."""

Progress = Callable[[str, int, int], None]
"""Called as chunks are staged with (file and sheet, rows read from it so far, rows expected),
then once per later step with its name and all rows read."""


def fetch_one(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> tuple | None:
    """First row or None. (duckdb 2 keeps a half-read result open and refuses the next statement,
    so results are always read to the end.)"""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0] if rows else None


def data_version(con: duckdb.DuckDBPyConnection) -> str:
    """What changes whenever a ledger file is loaded: cached figures computed under another
    version are stale (the measure cache, a batch kernel's `memo`)."""
    n, mx, last = fetch_one(con, "SELECT count(*), max(file_id), max(loaded_at) FROM _files")
    return f"{n}:{mx}:{last}"


def holds_sample(con: duckdb.DuckDBPyConnection, unit_id: str | None = None) -> bool:
    """The warehouse holds the fictional sample (its root unit is marked SAMPLE_MARK), or with
    `unit_id`: the unit belongs to it (the nation's published figures beside it are real): reports say so."""
    if unit_id is None:
        return fetch_one(con, "SELECT count(*) FROM org_units WHERE kind = ?", [SAMPLE_MARK])[0] > 0
    return fetch_one(con, """SELECT count(*) FROM org_closure c JOIN org_units o ON o.unit_id = c.ancestor_id
                             WHERE c.descendant_id = ? AND o.kind = ?""", [unit_id, SAMPLE_MARK])[0] > 0


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


PlanTasks = Mapping[str, Collection[str] | None]
"""plan_id -> the task ids of its catalog (None: the catalog could not be read, its tasks are
not checked). The plan layer sits above the store, so callers that know the catalogs pass them."""


def validate(paths: list[Path], db: Path = WAREHOUSE, encoding: str | None = None,
             ledger_name: str | None = None, progress: Progress | None = None,
             plan_tasks: PlanTasks | None = None) -> tuple[list[Batch], list[Problem]]:
    """Dry run: read, stage and check every file exactly as `ingest` does; the warehouse is only
    read. Problems are the first PROBLEM_CAP of each sheet; `Batch.omitted` counts the rest.
    With `plan_tasks`, task reports must name a plan and a task of its catalog."""
    opened = connect(db, read_only=True) if db.exists() else contextlib.closing(duckdb.connect())
    with opened as con, _staging(con):
        return _stage_and_check(con, paths, encoding, ledger_name, progress, plan_tasks)


def ingest(paths: list[Path], db: Path = WAREHOUSE, encoding: str | None = None,
           ledger_name: str | None = None, progress: Progress | None = None,
           plan_tasks: PlanTasks | None = None) -> list[LoadSummary]:
    """Validate, then load all files in one transaction: all or nothing. The warehouse is locked
    against other writers throughout; a warehouse file this call created is removed again when
    nothing was loaded."""
    existed = db.exists()
    with contextlib.ExitStack() as undo:
        with connect(db) as con:
            if not existed:
                undo.callback(_remove_database, db)
            with _staging(con):
                batches, problems = _stage_and_check(con, paths, encoding, ledger_name, progress, plan_tasks)
                if problems:
                    raise IngestRejected(problems, len(problems) + sum(b.omitted for b in batches))
                _phase(progress, "写入数据仓库 / writing the warehouse", batches)
                summaries = _load(con, batches)
        undo.pop_all()
    return summaries


def _remove_database(db: Path) -> None:
    for p in (db, db.with_name(db.name + ".wal")):
        p.unlink(missing_ok=True)


STAGING_PREFIX = "analysis-staging-"
STAGING_GRACE = 60
"""Seconds a new staging folder is left alone before its lock tells whether it is in use."""


def clean_stale_staging(root: Path | None = None) -> list[Path]:
    """Remove the staging folders that killed intakes left in the temp folder: each live one holds
    an exclusive lock on its `lock` file, so a folder whose lock can be taken belongs to no
    running process (whatever its pid or age). Returns the folders removed."""
    import fcntl
    import shutil

    removed = []
    for folder in sorted(Path(root or tempfile.gettempdir()).glob(STAGING_PREFIX + "*")):
        lock = folder / "lock"
        try:
            if time.time() - folder.stat().st_mtime < STAGING_GRACE:
                continue  # perhaps an intake that has made its folder but not yet locked it
            with open(lock, "a+b") as f:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                shutil.rmtree(folder, ignore_errors=True)  # still holding the lock: no intake can start in it
        except BlockingIOError:
            continue  # a running intake's
        except OSError:
            continue  # not ours to remove (another user's, or gone meanwhile)
        removed.append(folder)
    return removed


@contextlib.contextmanager
def _staging(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """A scratch database `staging` attached for the rows being checked. Chunks commit there one
    by one, so memory stays flat (DuckDB keeps ~120 bytes a row outside its memory limit for rows
    inserted in an open transaction: 1.2 GB at 10 million rows), and the warehouse is written
    only by the final merge. A killed process leaves it behind in the temp folder; the next intake
    removes it (`clean_stale_staging`), telling it from a running one's by the lock this one holds."""
    import fcntl

    clean_stale_staging()
    with tempfile.TemporaryDirectory(prefix=STAGING_PREFIX) as tmp, open(Path(tmp) / "lock", "wb") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        con.execute(f"SET temp_directory = '{tmp}/spill'")
        con.execute(f"SET memory_limit = '{INTAKE_MEMORY}'")
        con.execute("SET preserve_insertion_order = false")
        con.execute(f"ATTACH '{tmp}/staging.duckdb' AS staging (READ_WRITE)")
        try:
            yield
        finally:
            con.execute("DETACH staging")


def _stage_and_check(con: duckdb.DuckDBPyConnection, paths: list[Path], encoding: str | None,
                     ledger_name: str | None, progress: Progress | None,
                     plan_tasks: PlanTasks | None = None) -> tuple[list[Batch], list[Problem]]:
    """Stage every sheet of every file, check keys and references across them; the sheets read
    and every problem found, in file order."""
    from analysis.intake.readers import Batch, Problem, expand_paths, open_ledger_file

    batches: list[Batch] = []
    found: list[Batch | Problem] = []
    """Sheets read and files refused, in the order of the paths."""
    for path in expand_paths(paths):
        first = len(batches)
        try:
            for sheet in open_ledger_file(path, encoding, ledger_name):
                batches.append(sheet.batch)
                _stage(con, sheet.batch, len(batches) - 1, sheet.chunks, sheet.expected_rows, progress)
        except LedgerError as e:
            for ledger in {b.ledger.name for b in batches[first:]}:
                con.execute(f"DELETE FROM staging.{ledger} WHERE _batch >= ?", [first])
            del batches[first:]
            found.append(Problem(path.name, "", None, "", "", "file", str(e)))
        else:
            found.extend(batches[first:])
    if not found:
        found.append(Problem("", "", None, "", "", "no files", "没有找到台账文件 (.xlsx/.csv) / no ledger files found"))
    _phase(progress, "核对编号与引用 / checking keys and references", batches)
    _check_across(con, batches)
    _check_org_tree(con, batches)
    _check_magnitudes(con, batches)
    if plan_tasks is not None:
        _check_plan_tasks(con, batches, plan_tasks)
    return batches, [p for item in found for p in (item.problems if isinstance(item, Batch) else [item])]


def _phase(progress: Progress | None, label: str, batches: list[Batch]) -> None:
    """Name the step after reading on the progress bar, with every row read."""
    if progress:
        rows = sum(b.n_rows for b in batches)
        progress(label, rows, rows)


def _stage(con: duckdb.DuckDBPyConnection, batch: Batch, batch_id: int, chunks, expected: int,
           progress: Progress | None) -> None:
    """One sheet's chunks into its ledger's staging table, each row tagged with the sheet and its row number."""
    con.execute(f"""CREATE TABLE IF NOT EXISTS staging.{batch.ledger.name}
                    ({batch.ledger.duckdb_columns()}, _batch INTEGER, _row BIGINT)""")
    for chunk in chunks:
        con.register("_chunk", chunk.frame.assign(_batch=batch_id, _row=chunk.rows))
        try:
            con.execute(f"INSERT INTO staging.{batch.ledger.name} BY NAME SELECT * FROM _chunk")
        finally:
            con.unregister("_chunk")
        if progress:
            progress(batch.label, batch.n_rows, expected)


def _check_across(con: duckdb.DuckDBPyConnection, batches: list[Batch]) -> None:
    """Keys unique within and across sheets, and references to org units / enterprises that
    resolve in the warehouse or among the staged rows; problems go to their sheets."""
    from analysis.intake.readers import duplicate_key_message, key_header

    staged = {b.ledger.name for b in batches}
    for name in [n for n in LEDGERS if n in staged]:
        ledger, stage = LEDGERS[name], f"staging.{name}"
        keys = ", ".join(ledger.key)
        key_text = "concat_ws('|', " + ", ".join(f"{k}::VARCHAR" for k in ledger.key) + ")"
        present = " AND ".join(f"{k} IS NOT NULL" for k in ledger.key if ledger.column(k).required) or "TRUE"
        _report(con, batches, f"""
            SELECT _batch, _row, {key_text} AS value, NULL AS other FROM {stage} WHERE {present}
            QUALIFY count(*) OVER (PARTITION BY _batch, {keys}) > 1""",
                key_header(ledger), "unique key", lambda _, ledger=ledger: duplicate_key_message(ledger))
        _report(con, batches, f"""
            SELECT _batch, _row, value, first AS other FROM (
                SELECT _batch, _row, {key_text} AS value, min(_batch) OVER (PARTITION BY {keys}) AS first
                FROM {stage} WHERE {present})
            WHERE _batch <> first""",
                key_header(ledger), "unique key across files",
                lambda first: f"编号与文件 {batches[first].label} 中的记录重复 / key also in {batches[first].label}")
        for column, target, target_key, title in REFERENCES:
            if column not in ledger.headers.values() or (name, column) == (target, target_key):
                continue
            known = [f"SELECT {target_key} AS id FROM {table}" for table, present in
                     ((target, _has_table(con, target)), (f"staging.{target}", target in staged)) if present]
            named = (f" AND s.{column} NOT IN (SELECT {column} FROM {stage} WHERE {ledger.registers_units} IS NOT NULL "
                     f"AND {column} IS NOT NULL)"
                     if ledger.registers_units and (column, target) == ("unit_id", "org_units") else "")
            _report(con, batches, f"""
                SELECT s._batch, s._row, s.{column} AS value, NULL AS other
                FROM {stage} s ANTI JOIN ({" UNION ALL ".join(known) or "SELECT NULL::VARCHAR AS id"}) k
                ON s.{column} = k.id
                WHERE s.{column} IS NOT NULL{named}""",
                    ledger.column(column).header, "reference",
                    lambda _, column=column, title=title: f"在{title}台账中找不到该代码 / unknown {column}")


def _check_org_tree(con: duckdb.DuckDBPyConnection, batches: list[Batch]) -> None:
    """No unit may be its own ancestor: a unit that is its own parent, or a ring of parents, among
    the staged org units and those of the warehouse they do not replace (roll-ups would count the
    ring's rows many times and drop them from the real parent)."""
    if not any(b.ledger.name == "org_units" for b in batches):
        return
    kept = ("UNION ALL SELECT unit_id, parent_id FROM org_units WHERE unit_id NOT IN "
            "(SELECT unit_id FROM staging.org_units WHERE unit_id IS NOT NULL)") if _has_table(con, "org_units") else ""
    _report(con, batches, f"""
        WITH RECURSIVE tree AS (
            SELECT DISTINCT unit_id, parent_id FROM staging.org_units WHERE unit_id IS NOT NULL {kept}),
        walk(start, node, depth, path) AS (
            SELECT unit_id, parent_id, 1, [unit_id, parent_id] FROM tree WHERE parent_id IS NOT NULL
            UNION ALL
            SELECT w.start, t.parent_id, w.depth + 1, list_append(w.path, t.parent_id)
            FROM walk w JOIN tree t ON t.unit_id = w.node
            WHERE t.parent_id IS NOT NULL AND w.node <> w.start AND w.depth < 64),
        ring AS (SELECT start, min(array_to_string(path, ' → ')) AS chain FROM walk WHERE node = start GROUP BY start)
        SELECT s._batch, s._row, s.parent_id AS value, r.chain AS other
        FROM staging.org_units s JOIN ring r ON r.start = s.unit_id""",
            LEDGERS["org_units"].column("parent_id").header, "org tree cycle",
            lambda chain: f"上级单位形成循环：{chain}（单位不能是自己的上级或上上级） / the parents loop back: {chain}")


MAGNITUDE_FACTOR = 100
"""A value this many times above or below the median of the unit's other periods is refused."""


def _check_magnitudes(con: duckdb.DuckDBPyConnection, batches: list[Batch]) -> None:
    """Order of magnitude against the unit's own history (columns declared `magnitude`): each staged
    value against the median of the same unit's other periods, staged or in the warehouse."""
    staged = {b.ledger.name for b in batches}
    for name in [n for n in LEDGERS if n in staged]:
        ledger = LEDGERS[name]
        when = ledger.date_column
        if not when or "unit_id" not in ledger.headers.values():
            continue
        key = " AND ".join(f"t.{k} = s.{k}" for k in ledger.key)
        for c in (c for c in ledger.columns if c.magnitude):
            kept = (f"UNION ALL SELECT t.unit_id, t.{when}, t.{c.name} FROM {name} t "
                    f"ANTI JOIN staging.{name} s ON {key}") if _has_table(con, name) else ""
            _report(con, batches, f"""
                WITH hist AS (SELECT unit_id, {when} AS d, {c.name}::DOUBLE AS v FROM staging.{name} {kept}),
                checked AS (
                    SELECT s._batch, s._row, s.{c.name}::DOUBLE AS v,
                           (SELECT median(h.v) FROM hist h
                            WHERE h.unit_id = s.unit_id AND h.d <> s.{when} AND h.v > 0) AS m
                    FROM staging.{name} s WHERE s.{c.name} > 0 AND s.unit_id IS NOT NULL AND s.{when} IS NOT NULL)
                SELECT _batch, _row, v::VARCHAR AS value, m AS other FROM checked
                WHERE m IS NOT NULL AND (v >= {MAGNITUDE_FACTOR} * m OR v * {MAGNITUDE_FACTOR} <= m)""",
                    c.header, "order of magnitude",
                    lambda m, c=c: (f"与本单位其他期数值的中位数 {m:,.6g} 相差百倍以上，请核对计量单位（如{c.header}"
                                    f"应按表头单位填写，万元与亿元相差一万倍） / 100 times off the median {m:,.6g} of "
                                    "the unit's other periods: check the unit of measure"))


def _check_plan_tasks(con: duckdb.DuckDBPyConnection, batches: list[Batch], plan_tasks: PlanTasks) -> None:
    """Task reports name a plan of params/plans and a task of that plan's catalog (else the real
    task would show 未报送 while the report sits under an id nobody reads)."""
    if not any(b.ledger.name == "tasks_status" for b in batches):
        return
    import pandas as pd

    plans = pd.DataFrame({"plan_id": list(plan_tasks)}, dtype="string")
    tasks = pd.DataFrame([(p, t) for p, ids in plan_tasks.items() if ids is not None for t in ids],
                         columns=["plan_id", "task_id"], dtype="string")
    checked = pd.DataFrame({"plan_id": [p for p, ids in plan_tasks.items() if ids is not None]}, dtype="string")
    ledger = LEDGERS["tasks_status"]
    con.register("_plans", plans)
    con.register("_tasks", tasks)
    con.register("_checked", checked)
    try:
        known = ", ".join(sorted(plan_tasks)[:8]) or "—"
        _report(con, batches, """
            SELECT _batch, _row, plan_id AS value, NULL AS other FROM staging.tasks_status
            WHERE plan_id IS NOT NULL AND plan_id NOT IN (SELECT plan_id FROM _plans)""",
                ledger.column("plan_id").header, "unknown plan",
                lambda _: f"params/plans 中没有这个规划编号（现有：{known}） / no plan catalog with this id")
        _report(con, batches, """
            SELECT s._batch, s._row, s.task_id AS value, s.plan_id AS other FROM staging.tasks_status s
            SEMI JOIN _checked c ON c.plan_id = s.plan_id
            ANTI JOIN _tasks t ON t.plan_id = s.plan_id AND t.task_id = s.task_id
            WHERE s.task_id IS NOT NULL""",
                ledger.column("task_id").header, "unknown task",
                lambda plan: f"规划 {plan} 的目录中没有这个任务编号 / no task with this id in plan {plan}")
    finally:
        for name in ("_plans", "_tasks", "_checked"):
            con.unregister(name)


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether the warehouse has the table (a new one has none until the first load)."""
    return fetch_one(con, """SELECT count(*) FROM duckdb_tables()
                             WHERE database_name = current_database() AND table_name = ?""", [name])[0] > 0


def _report(con: duckdb.DuckDBPyConnection, batches: list[Batch], query: str, column: str, rule: str,
            message: Callable[[int | None], str]) -> None:
    """Rows the query returns (_batch, _row, value, other) as problems: all counted, the first
    PROBLEM_CAP of each sheet fetched."""
    from analysis.intake.readers import PROBLEM_CAP

    found = con.execute(f"""
        SELECT _batch, _row, value, other, count(*) OVER (PARTITION BY _batch) AS n FROM ({query})
        QUALIFY row_number() OVER (PARTITION BY _batch ORDER BY _row) <= {PROBLEM_CAP}
        ORDER BY _batch, _row""").fetchall()
    by_batch: dict[int, list] = {}
    for batch_id, row, value, other, n in found:
        by_batch.setdefault(batch_id, [n]).append(
            batches[batch_id].problem(row, column, value, rule, message(other)))
    for batch_id, (n, *problems) in by_batch.items():
        batches[batch_id].add(n, problems)


def _load(con: duckdb.DuckDBPyConnection, batches: list[Batch]) -> list[LoadSummary]:
    """The one transaction that writes the warehouse: staged rows merged, their files recorded,
    the org closure rebuilt."""
    con.execute("BEGIN TRANSACTION")
    try:
        ensure_schema(con)
        base = fetch_one(con, "SELECT coalesce(max(file_id), 0) + 1 FROM _files")[0]
        summaries = [_merge(con, ledger, batches, base) for ledger in LEDGERS.values()
                     if any(b.ledger.name == ledger.name for b in batches)]
        now = datetime.now().replace(microsecond=0)
        files = [[base + i, str(b.path.resolve()), b.path.name, b.sheet, b.ledger.name, b.sha256, b.n_rows, now]
                 for i, b in enumerate(batches) if not _redelivered(con, b, base + i)]
        if files:
            con.executemany("INSERT INTO _files VALUES (?, ?, ?, ?, ?, ?, ?, ?)", files)
        _register_units(con, batches)
        build_org_closure(con)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return summaries


REGISTERED_KIND = "公开统计数据"
"""org_units.kind of a unit registered by its published statistics (`Ledger.registers_units`)."""


def _register_units(con: duckdb.DuckDBPyConnection, batches: list[Batch]) -> None:
    """Units that rows name but the org_units register does not hold yet become top-level units
    (no parent, level unknown) named as the rows name them, traced to the file that named them."""
    for ledger in {b.ledger.name: b.ledger for b in batches if b.ledger.registers_units}.values():
        name = ledger.registers_units
        con.execute(f"""INSERT INTO org_units (unit_id, name, parent_id, level, kind, _file_id, _row, _row_hash)
            SELECT unit_id, min({name}), NULL, NULL, ?, min(_file_id), min(_row), hash(unit_id, min({name}))
            FROM {ledger.name} WHERE {name} IS NOT NULL AND unit_id NOT IN (SELECT unit_id FROM org_units)
            GROUP BY unit_id""", [REGISTERED_KIND])


def _redelivered(con: duckdb.DuckDBPyConnection, b: Batch, file_id: int) -> bool:
    """The same bytes were loaded before and gave no row now: recording them again would only
    change the warehouse's data version (and so invalidate every cached measure) for nothing."""
    if fetch_one(con, f"SELECT count(*) FROM {b.ledger.name} WHERE _file_id = ?", [file_id])[0]:
        return False
    return fetch_one(con, "SELECT count(*) FROM _files WHERE sha256 = ? AND ledger = ? AND sheet = ?",
                     [b.sha256, b.ledger.name, b.sheet])[0] > 0


def _merge(con: duckdb.DuckDBPyConnection, ledger: Ledger, batches: list[Batch], base: int) -> LoadSummary:
    """Staged rows into the ledger table: new keys inserted, changed rows replaced, unchanged
    rows left alone (with their first provenance)."""
    cols = ", ".join(c.name for c in ledger.columns)
    key = " AND ".join(f"t.{k} = s.{k}" if ledger.column(k).required else f"t.{k} IS NOT DISTINCT FROM s.{k}"
                       for k in ledger.key)  # an empty key cell (a whole year's figure) matches an empty one
    incoming = f"(SELECT *, hash({cols}) AS _h FROM staging.{ledger.name})"
    ignored, updated = fetch_one(con, f"""
        SELECT count(*) FILTER (WHERE t._row_hash = s._h), count(*) FILTER (WHERE t._row_hash <> s._h)
        FROM {incoming} s JOIN {ledger.name} t ON {key}""")
    con.execute(f"DELETE FROM {ledger.name} t USING {incoming} s WHERE {key} AND t._row_hash <> s._h")
    con.execute(f"""INSERT INTO {ledger.name} ({cols}, _file_id, _row, _row_hash)
                    SELECT {", ".join(f"s.{c.name}" for c in ledger.columns)}, {base} + s._batch, s._row, s._h
                    FROM {incoming} s ANTI JOIN {ledger.name} t ON {key}""")
    mine = [b for b in batches if b.ledger.name == ledger.name]
    staged = sum(b.n_rows for b in mine)
    return LoadSummary(ledger.name, len(mine), staged - ignored - updated, updated, ignored)


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


class IngestRejected(LedgerError):
    """Validation found problems; nothing was written. Carries the problems kept (the first
    PROBLEM_CAP of each sheet) and how many there were."""

    def __init__(self, problems: list[Problem], total: int | None = None):
        self.problems = problems
        self.total = len(problems) if total is None else total
        """Problems found, also those beyond the PROBLEM_CAP kept per sheet."""
        first = problems[0]
        super().__init__(f"发现 {self.total} 处问题，未写入任何数据 / {self.total} problem(s) found, "
                         f"nothing was written. First: {first.file} {first.sheet} 第{first.row}行 "
                         f"{first.column}: {first.message}")
