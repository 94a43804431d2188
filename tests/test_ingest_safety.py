"""Intake under stress, through the real CLI in child processes: a 200 MB CSV is checked in
bounded memory, SIGKILL at any point of a large ingest leaves the warehouse exactly as it was,
and a second ingest while one is running is refused with a clear message."""

from __future__ import annotations

import csv
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from analysis.store.warehouse import connect, fetch_one, ingest, table_fingerprint

pytestmark = pytest.mark.slow

GOOD = Path(__file__).parent / "data" / "good"
ROWS = 3_000_000
"""Training rows in the large files: about 210 MB of CSV."""
BAD_ROW = ROWS - 7
"""0-based data row with an impossible date; the clerk sees it on line BAD_ROW + 2."""
IN_USE = "数据仓库正被另一个进程使用"


def write_training(path: Path, bad_row: int | None = None) -> Path:
    """ROWS training records for the unit and enterprise of tests/data/good, written by DuckDB."""
    day = "strftime(DATE '2021-01-01' + (i % 1500)::INT, '%Y-%m-%d')"
    if bad_row is not None:
        day = f"CASE WHEN i = {bad_row} THEN '2024-02-30' ELSE {day} END"
    con = duckdb.connect()
    con.execute(f"""COPY (SELECT printf('PX%09d', i) AS "记录编号", printf('P%07d', i % 50000) AS "人员编号",
        'E1' AS "单位统一编码", 'SLQ-QF-01' AS "所属社区/村代码",
        ['主要负责人','安全管理人员','特种作业人员','一线从业人员'][i % 4 + 1] AS "人员类别", {day} AS "培训日期",
        ((i % 8 + 1) * 4)::VARCHAR AS "学时", CASE WHEN i % 20 = 0 THEN '否' ELSE '是' END AS "考核是否合格"
        FROM range({ROWS}) t(i)) TO '{path}' (HEADER)""")
    con.close()
    return path


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory) -> Path:
    return write_training(tmp_path_factory.mktemp("big") / "personnel_training__big.csv")


@pytest.fixture(scope="module")
def base_db(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("base") / "warehouse.duckdb"
    ingest([GOOD], db=db)
    return db


@pytest.fixture
def db(base_db, tmp_path) -> Path:
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(base_db, copy)
    return copy


def start(tmp_path: Path, name: str, *args: str) -> subprocess.Popen:
    """`python -m analysis ARGS` with its own temp folder (where staging happens) and its output
    in files (a pipe nobody reads could stall it)."""
    (tmp_path / name).mkdir()
    env = {**os.environ, "TMPDIR": str(tmp_path / name), "COLUMNS": "200"}
    return subprocess.Popen([sys.executable, "-m", "analysis", *args], env=env,
                            stdout=open(tmp_path / f"{name}.out", "w"), stderr=open(tmp_path / f"{name}.err", "w"))


def output(tmp_path: Path, name: str) -> str:
    return (tmp_path / f"{name}.out").read_text() + (tmp_path / f"{name}.err").read_text()


def wait_until(proc: subprocess.Popen, condition: Callable[[], bool], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert proc.poll() is None, f"the ingest ended (exit {proc.returncode}) before the moment to kill it"
        assert time.monotonic() < deadline, "timed out waiting for the ingest"
        time.sleep(0.005)


def staged_bytes(tmp_path: Path, name: str) -> int:
    return sum(p.stat().st_size for p in (tmp_path / name).glob("analysis-staging-*/staging.duckdb*"))


def wait_measured(proc: subprocess.Popen) -> tuple[int, float]:
    """Exit code and peak RSS in MB of the child (ru_maxrss of this very child, via wait4)."""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, usage.ru_maxrss / 1024


def test_200mb_csv_is_checked_in_bounded_memory(tmp_path, base_db):
    bad = write_training(tmp_path / "personnel_training__bad.csv", bad_row=BAD_ROW)
    assert bad.stat().st_size >= 200e6
    report = tmp_path / "problems.csv"
    proc = start(tmp_path, "validate", "validate", str(bad), "--db", str(base_db), "--report", str(report))
    code, peak_mb = wait_measured(proc)
    assert code == 1, output(tmp_path, "validate")
    with open(report, encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))[1:]
    assert rows == [[bad.name, "", str(BAD_ROW + 2), "培训日期", "2024-02-30", "date format",
                     "应为日期，如 2024-03-05 或 2024年3月5日 / must be a date such as 2024-03-05"]]
    assert peak_mb < 1536, f"peak RSS {peak_mb:.0f} MB"


def kill_point_staging(tmp_path: Path, db: Path) -> Callable[[], bool]:
    """Rows are being read: several chunks are committed to the staging database."""
    return lambda: staged_bytes(tmp_path, "ingest") > 16e6


def kill_point_writing(tmp_path: Path, db: Path) -> Callable[[], bool]:
    """The warehouse is being written: its file grows with the merged rows, not yet committed."""
    size = db.stat().st_size
    wal = db.with_name(db.name + ".wal")
    return lambda: db.stat().st_size > size + 16e6 and not wal.exists()


@pytest.mark.parametrize("moment", [kill_point_staging, kill_point_writing], ids=["staging", "writing"])
def test_sigkill_leaves_the_warehouse_as_it_was(moment, tmp_path, db, big_csv):
    before = table_fingerprint(db)
    proc = start(tmp_path, "ingest", "ingest", str(big_csv), "--db", str(db))
    wait_until(proc, moment(tmp_path, db))
    proc.send_signal(signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL
    assert table_fingerprint(db) == before
    with connect(db) as con:  # opens for writing and checkpoints cleanly
        con.execute("CHECKPOINT")
    assert table_fingerprint(db) == before


def test_second_ingest_is_refused_while_one_runs(tmp_path, db, big_csv):
    before = table_fingerprint(db)
    first = start(tmp_path, "first", "ingest", str(big_csv), "--db", str(db))
    wait_until(first, lambda: staged_bytes(tmp_path, "first") > 0)
    second = start(tmp_path, "second", "ingest", str(GOOD), "--db", str(db))
    assert second.wait(timeout=60) == 1
    assert IN_USE in output(tmp_path, "second") and "in use by another process" in output(tmp_path, "second")
    assert first.wait(timeout=120) == 0, output(tmp_path, "first")
    after = table_fingerprint(db)
    assert after["personnel_training"][0] == ROWS
    assert {t: v for t, v in after.items() if t in ("org_units", "enterprises")} == \
           {t: v for t, v in before.items() if t in ("org_units", "enterprises")}
    with connect(db, read_only=True) as con:
        assert fetch_one(con, "SELECT count(*) FROM _files WHERE name = ?", [big_csv.name]) == (1,)
    again = {s.ledger: (s.imported, s.updated, s.ignored) for s in ingest([GOOD], db=db)}
    assert again == {"org_units": (0, 0, 3), "enterprises": (0, 0, 1)}
