"""Ingest benchmark (not a test): a 10-million-row personnel_training CSV validated and loaded by
the product, against a plain pandas baseline, and every measure of a plan for 2,000 units ×
24 quarters computed from the resulting warehouse.

    .venv/bin/python benchmarks/ingest.py [--rows N] [--sink sqlite|duckdb] [--keep DIR]

Each load runs in a fresh subprocess, so its peak RSS (ru_maxrss from wait4) is its own.
Goals (issue 5): the product within 60 s and 2 GB on 10 million rows; measures within 10 s."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import duckdb

STREETS, COMMUNITIES = 20, 100
"""20 streets of 100 communities: 2,000 leaf units under one district."""
ENTERPRISES = 20_000
PEOPLE = 400_000
TRAINING = "personnel_training__bench.csv"


def leaf(x: str) -> str:
    """SQL for the code of leaf unit number x (0 … STREETS·COMMUNITIES-1)."""
    return f"printf('BM-%02d-%03d', ({x}) // {COMMUNITIES} + 1, ({x}) % {COMMUNITIES} + 1)"


def enterprise(x: str) -> str:
    return f"printf('91370100%010d', {x})"


def yes(condition: str) -> str:
    return f"CASE WHEN {condition} THEN '是' ELSE '否' END"


def day(start: str, offset: str) -> str:
    return f"strftime(DATE '{start}' + ({offset})::INT, '%Y-%m-%d')"


def generate(folder: Path, rows: int) -> Path:
    """The ledgers a district of 2,000 communities would hand in, written by DuckDB (fast and in
    bounded memory): org units, enterprises and `rows` training records that all resolve."""
    con = duckdb.connect()
    units = STREETS * COMMUNITIES
    con.execute(f"""COPY (
        SELECT 'BM' AS "单位代码", '基准区' AS "单位名称", NULL AS "上级单位代码", '区县' AS "层级", NULL AS "类型"
        UNION ALL SELECT printf('BM-%02d', s), printf('第%d街道', s), 'BM', '街道', '城市街道' FROM range(1, {STREETS + 1}) t(s)
        UNION ALL SELECT {leaf('i')}, printf('第%d社区', i), printf('BM-%02d', i // {COMMUNITIES} + 1), '社区', '社区'
                  FROM range({units}) t(i)
        ) TO '{folder / "org_units.csv"}' (HEADER)""")
    industries = "['危险化学品','冶金','有色','建材','机械','轻工','纺织','烟草','商贸','建筑施工','交通运输','非煤矿山','燃气','其他']"
    con.execute(f"""COPY (SELECT
        {enterprise('e')} AS "单位统一编码", printf('基准企业%05d', e) AS "单位名称", {leaf(f'e % {units}')} AS "所属社区/村代码",
        {industries}[e % 14 + 1] AS "行业", {yes('e % 5 = 0')} AS "是否规上", {yes('e % 7 = 0')} AS "是否高危行业",
        {yes('e % 11 = 0')} AS "是否人员密集场所", {yes('e % 13 = 0')} AS "涉危化品", {yes('e % 17 = 0')} AS "涉爆粉尘",
        {yes('e % 19 = 0')} AS "涉氨制冷", {yes('e % 23 = 0')} AS "涉高温熔融金属", {yes('e % 3 = 0')} AS "涉有限空间",
        e % 300 + 5 AS "从业人员数", e % 6 + 1 AS "三类人员数", {yes('e % 4 = 0')} AS "是否须接入监测预警",
        CASE WHEN e % 8 = 0 THEN {day('2023-01-01', 'e % 900')} END AS "监测接入日期", {yes('e % 2 = 0')} AS "是否投保安责险",
        CASE WHEN e % 9 = 0 THEN '三级' END AS "标准化等级", {day('2000-01-01', 'e * 37 % 8000')} AS "成立日期",
        NULL AS "注销/关闭日期"
        FROM range({ENTERPRISES}) t(e)) TO '{folder / "enterprises.csv"}' (HEADER)""")
    person, ent = f"(i % {PEOPLE})", f"(i % {PEOPLE} % {ENTERPRISES})"
    con.execute(f"""COPY (SELECT
        printf('PX%010d', i) AS "记录编号", printf('P%08d', {person}) AS "人员编号", {enterprise(ent)} AS "单位统一编码",
        {leaf(f'{ent} % {units}')} AS "所属社区/村代码",
        ['主要负责人','安全管理人员','安全管理人员','特种作业人员','特种作业人员','特种作业人员',
         '一线从业人员','一线从业人员','一线从业人员','一线从业人员'][{person} // {ENTERPRISES} % 10 + 1] AS "人员类别",
        {day('2021-01-01', 'i * 7919 % 2000')} AS "培训日期",
        CASE WHEN i % 4 = 0 THEN '1.5' ELSE ((i % 8 + 1) * 4)::VARCHAR END AS "学时",
        CASE WHEN i % 20 = 0 THEN '否' ELSE '是' END AS "考核是否合格"
        FROM range({rows}) t(i)) TO '{folder / TRAINING}' (HEADER)""")
    con.close()
    return folder / TRAINING


def product(folder: Path, db: Path) -> dict:
    from analysis.store.warehouse import ingest

    summaries = ingest([folder], db=db)
    return {"rows": sum(s.imported for s in summaries if s.ledger == "personnel_training")}


def baseline(folder: Path, db: Path, sink: str) -> dict:
    """What a careful analyst would write with pandas alone: read, check types, code lists,
    required values, keys and references, then store."""
    import pandas as pd

    from analysis.intake.ledgers import LEDGERS, TRAINING_ROLES

    ledger = LEDGERS["personnel_training"]
    units = pd.read_csv(folder / "org_units.csv", dtype=str)["单位代码"]
    firms = pd.read_csv(folder / "enterprises.csv", dtype=str)["单位统一编码"]
    df = pd.read_csv(folder / TRAINING, dtype=str, keep_default_na=False).rename(columns=ledger.headers)
    bad = sum(int((df[c.name] == "").sum()) for c in ledger.columns if c.required)
    df["training_date"] = pd.to_datetime(df["training_date"], format="%Y-%m-%d", errors="coerce")
    df["hours"] = pd.to_numeric(df["hours"], errors="coerce")
    df["passed"] = df["passed"].map({"是": True, "否": False})
    bad += int(df[["training_date", "hours", "passed"]].isna().sum().sum()) + int((df["hours"] < 0).sum())
    bad += int((~df["role"].isin(TRAINING_ROLES)).sum() + (~df["unit_id"].isin(units)).sum()
               + (~df["enterprise_id"].isin(firms)).sum() + df["record_id"].duplicated().sum())
    if bad:
        raise SystemExit(f"baseline found {bad} problems")
    if sink == "sqlite":
        import sqlite3

        with sqlite3.connect(db) as con:
            df.to_sql("personnel_training", con, index=False, chunksize=100_000)
    else:
        con = duckdb.connect(str(db))
        con.execute("CREATE TABLE personnel_training AS SELECT * FROM df")
        con.close()
    return {"rows": len(df)}


def measured(*args: str) -> tuple[dict, float, float]:
    """Run this script as a child; its JSON result, wall seconds and peak RSS in MB."""
    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, __file__, "--child", *args], stdout=subprocess.PIPE)
    out = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise SystemExit(f"{args[0]} failed with exit code {child.returncode}")
    return json.loads(out), time.perf_counter() - start, usage.ru_maxrss / 1024


def add_other_ledgers(db: Path) -> None:
    """Drills, hazards, safety activities, accidents, economy and residential compounds for the
    same units and enterprises, straight into the warehouse, so every measure has facts."""
    units = STREETS * COMMUNITIES
    ent = f"(i % {ENTERPRISES})"
    unit = leaf(f"{ent} % {units}")
    con = duckdb.connect(str(db))
    con.execute(f"""INSERT INTO drills BY NAME SELECT printf('DR%08d', i) AS drill_id, {unit} AS unit_id,
        {enterprise(ent)} AS enterprise_id, DATE '2021-01-01' + (i * 31 % 2000)::INT AS drill_date,
        ['综合演练','专项演练','现场处置演练'][i % 3 + 1] AS kind, i % 4 = 0 AS unannounced, 20 + i % 50 AS participants
        FROM range({ENTERPRISES * 12}) t(i)""")
    con.execute(f"""INSERT INTO hazards BY NAME SELECT printf('HZ%08d', i) AS hazard_id, {unit} AS unit_id,
        {enterprise(ent)} AS enterprise_id, DATE '2021-01-01' + (i * 13 % 2000)::INT AS found_on,
        CASE WHEN i % 50 = 0 THEN '重大' ELSE '一般' END AS grade, '企业自查' AS source,
        DATE '2021-01-01' + (i * 13 % 2000 + 30)::INT AS deadline,
        CASE WHEN i % 10 <> 0 THEN DATE '2021-01-01' + (i * 13 % 2000 + i % 60)::INT END AS rectified_on
        FROM range({ENTERPRISES * 30}) t(i)""")
    con.execute(f"""INSERT INTO safety_activities BY NAME SELECT printf('SA%08d', i) AS activity_id, {unit} AS unit_id,
        {enterprise(ent)} AS enterprise_id, DATE '2021-01-01' + (i * 17 % 2000)::INT AS activity_date,
        ['主要负责人带队检查','重大隐患专项督查','保险机构风险评估','保险机构隐患排查','保险机构全员培训'][i % 5 + 1] AS kind
        FROM range({ENTERPRISES * 24}) t(i)""")
    con.execute(f"""INSERT INTO accidents BY NAME SELECT printf('AC%06d', i) AS accident_id, {leaf(f'i % {units}')} AS unit_id,
        DATE '2021-01-01' + (i * 7 % 2000)::INT AS occurred_on,
        ['工矿商贸','道路交通','火灾','其他'][i % 4 + 1] AS domain, i % 3 AS deaths, i % 5 AS injuries,
        (i % 100) * 1.5 AS direct_loss, '一般' AS severity FROM range(3000) t(i)""")
    con.execute("""INSERT INTO economy BY NAME SELECT o.unit_id, q.quarter_end, 10.0 AS gdp, 5000 AS industry_workers,
        20000 AS motor_vehicles, 50000 AS population
        FROM org_units o, (SELECT (DATE '2021-04-01' + INTERVAL (3 * k) MONTH - INTERVAL 1 DAY)::DATE AS quarter_end
                           FROM range(24) t(k)) q""")
    con.execute(f"""INSERT INTO residential_compounds BY NAME SELECT printf('RC%06d', i) AS compound_id,
        {leaf(f'i % {units}')} AS unit_id, printf('小区%d', i) AS name, 200 + i % 800 AS households,
        CASE WHEN i % 3 = 0 THEN DATE '2022-01-01' + (i % 1200)::INT END AS smoke_alarms_on FROM range({units * 5}) t(i)""")
    con.close()


def time_measures(db: Path) -> tuple[int, int, int, float]:
    """(measures, units, quarters, seconds) for the quanfu catalog, its period stretched to start
    in 2023 so that the grid runs 2021Q1–2026Q4: 24 quarters."""
    from analysis.config import PLANS_DIR
    from analysis.method.measures import compute_measures, needed, plan_quarters
    from analysis.plans.catalog import Period, load_plan
    from analysis.store.warehouse import connect

    catalog = load_plan(PLANS_DIR / "quanfu_2024_2026.yaml")
    period = Period(start=date(2023, 1, 1), end=catalog.plan.period.end)
    catalog = catalog.model_copy(update={"plan": catalog.plan.model_copy(update={"period": period})})
    with connect(db, read_only=True) as con:
        units = con.execute("SELECT count(*) FROM org_units").fetchone()[0]
        start = time.perf_counter()
        compute_measures(con, catalog)
        seconds = time.perf_counter() - start
    return len(needed(catalog)), units, len(plan_quarters(catalog)), seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--sink", choices=("sqlite", "duckdb"), default="sqlite",
                    help="where the baseline stores its frame: DataFrame.to_sql into SQLite, or DuckDB")
    ap.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        kind, folder, db, *rest = args.child
        result = product(Path(folder), Path(db)) if kind == "product" else baseline(Path(folder), Path(db), *rest)
        print(json.dumps(result))
        return
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        ledgers = folder / "ledgers"
        ledgers.mkdir(exist_ok=True)
        start = time.perf_counter()
        csv = generate(ledgers, args.rows)
        print(f"generated {args.rows:,} rows ({csv.stat().st_size / 1e6:,.0f} MB CSV) in {time.perf_counter() - start:.1f} s",
              flush=True)
        runs = {}
        for name, child in (("product", ("product", str(ledgers), str(folder / "warehouse.duckdb"))),
                            (f"baseline ({args.sink})", ("baseline", str(ledgers), str(folder / f"baseline.{args.sink}"),
                                                         args.sink))):
            for leftover in folder.glob(child[2].rsplit("/", 1)[1] + "*"):
                leftover.unlink()
            result, seconds, peak = measured(*child)
            runs[name] = (result["rows"], seconds, peak)
            print(f"  {name:<18} {result['rows'] / seconds:>12,.0f} rows/s {seconds:>8.1f} s {peak:>8,.0f} MB peak RSS",
                  flush=True)
        (_, p_s, p_mb), (_, b_s, b_mb) = runs.values()
        print(f"  {'product/baseline':<18} {b_s / p_s:>11.2f}× speed {'':>8} {p_mb / b_mb:>9.2f}× memory")
        if args.rows >= 10_000_000:
            print(f"  goal ≤60 s and ≤2,048 MB for 10 M rows: {'met' if p_s <= 60 and p_mb <= 2048 else 'NOT met'}")
        add_other_ledgers(folder / "warehouse.duckdb")
        n, units, quarters, seconds = time_measures(folder / "warehouse.duckdb")
        print(f"measures: {n} measures × {units:,} units × {quarters} quarters in {seconds:.1f} s "
              f"(goal ≤10 s → {'met' if seconds <= 10 else 'NOT met'})")


if __name__ == "__main__":
    main()
