"""The collection loop (催报): which units owe which ledgers for which periods, with due dates, and
DHIS2's completeness and timeliness for every periodic ledger.

Each ledger declares how often it is delivered (`Ledger.frequency`: quarterly, half-yearly,
yearly), how many days after a period it is due (`due_days`) and who owes it (`reporters`: units
of the given levels, or each plan catalog's own unit for task reports). For a unit and a period
that makes a grid of expected reports — reporting unit × ledger × period (× plan for task
reports) — and each is

- **received** when the warehouse holds at least one row of that ledger from the reporting unit or
  a unit below it, dated in the period (a street's delivery carries its communities' rows). Rows
  dated by their own submission date (task reports: 报送日期) count for the period they were handed
  in for: the period's window runs from `due_days` after its start to `due_days` after its end;
- **on time** when it was received by its due date: the row's submission date
  (`Ledger.submitted_column`, e.g. economy 报送日期), else the day its file was loaded.

DHIS2's definitions follow: reporting rate (completeness) = received ÷ expected, on-time rate
(timeliness) = received on time ÷ expected. A ledger of events (hazards, training) cannot tell a
unit with nothing to report from one that did not report; such a unit counts as not received
until it delivers a row. `status` is the grid, `rates` its summary, `owed` what to chase."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import duckdb
import pandas as pd

from analysis.errors import CatalogError
from analysis.intake.ledgers import FREQUENCIES, LEDGERS, PLAN_UNITS, Ledger
from analysis.plans.catalog import Catalog, get_plan, plan_files
from analysis.plans.periods import Quarter

RECEIVED_ON_TIME = "按时报送"
RECEIVED_LATE = "逾期报送"
MISSING_OVERDUE = "未报送（已逾期）"
MISSING_NOT_DUE = "未报送（未到期）"

STATUS_COLUMNS = ["unit_id", "unit_name", "level", "ledger", "ledger_title", "plan_id", "frequency", "period",
                  "period_start", "period_end", "due", "received", "received_on", "rows", "on_time", "days_late",
                  "status"]
RATE_COLUMNS = ["ledger", "ledger_title", "expected", "received", "on_time", "reporting_rate", "on_time_rate"]


@dataclass(frozen=True)
class Period:
    """One delivery period of a ledger: a quarter, a half-year or a year."""

    label: str
    start: date
    end: date
    last: Quarter


def periods(frequency: str, first: Quarter, last: Quarter) -> list[Period]:
    """The periods of `frequency` (FREQUENCIES) that end in a quarter from `first` to `last`."""
    span = FREQUENCIES[frequency]
    out = []
    q = first
    while q <= last:
        if q.q % span == 0:
            start = q.shift(1 - span)
            label = str(q) if span == 1 else (f"{q.year}H{q.q // 2}" if span == 2 else str(q.year))
            out.append(Period(label, start.start, q.end, q))
        q = q.shift(1)
    return out


def periodic_ledgers() -> list[Ledger]:
    """The ledgers delivered on a schedule (declared with a frequency), in declaration order."""
    return [ledger for ledger in LEDGERS.values() if ledger.frequency and ledger.date_column]


def _catalogs() -> list[Catalog]:
    found = []
    for pid in plan_files():
        try:
            found.append(get_plan(pid))
        except CatalogError:  # a broken catalog is reported by `plans check`; it expects no task reports here
            continue
    return found


def _subtree(con: duckdb.DuckDBPyConnection, unit_id: str) -> pd.DataFrame:
    """`unit_id` and every unit below it: unit_id, unit_name, level."""
    return con.execute("""
        SELECT o.unit_id, o.name AS unit_name, o.level FROM org_units o
        JOIN org_closure c ON c.descendant_id = o.unit_id WHERE c.ancestor_id = ? ORDER BY o.unit_id""",
                       [unit_id]).fetchdf()


def _expected(units: pd.DataFrame, ledger: Ledger, spans: list[Period], catalogs: list[Catalog]) -> pd.DataFrame:
    """The expected reports of one ledger from `units` (a `_subtree`)."""
    shift = timedelta(days=ledger.due_days if ledger.submitted_column == ledger.date_column else 0)
    rows = []
    names = dict(zip(units["unit_id"], zip(units["unit_name"], units["level"], strict=True), strict=True))
    owing = units[units["level"].isin(ledger.reporters)]
    for p in spans:
        due = p.end + timedelta(days=ledger.due_days)
        window = (p.start + shift, p.end + shift)
        if PLAN_UNITS in ledger.reporters:
            for cat in catalogs:
                plan = cat.plan
                if plan.org_unit in names and cat.tasks and plan.period.start <= p.end and plan.period.end >= p.start:
                    rows.append((plan.org_unit, *names[plan.org_unit], plan.id, p, due, *window))
        for u in owing.itertuples():
            rows.append((u.unit_id, u.unit_name, u.level, None, p, due, *window))
    return pd.DataFrame([(uid, name, level, plan, p.label, p.start, p.end, due, w0, w1)
                         for uid, name, level, plan, p, due, w0, w1 in rows],
                        columns=["unit_id", "unit_name", "level", "plan_id", "period", "period_start", "period_end",
                                 "due", "window_start", "window_end"])


def _delivered(ledger: Ledger) -> str:
    """SQL of one ledger's rows dated within its expected reports' windows, under each expected
    reporting unit: ledger, ancestor_id, d (the row's date), submitted, plan_id."""
    when, sub, name = ledger.date_column, ledger.submitted_column, ledger.name
    plan = "l.plan_id" if PLAN_UNITS in ledger.reporters else "NULL"
    mine = f"(SELECT {{}} FROM _expected WHERE ledger = '{name}')"
    return f"""
        SELECT '{name}' AS ledger, c.ancestor_id, CAST(l.{when} AS DATE) AS d,
               coalesce({f"l.{sub}" if sub else "NULL"}, CAST(f.loaded_at AS DATE)) AS submitted,
               CAST({plan} AS VARCHAR) AS plan_id
        FROM {name} l JOIN _files f ON f.file_id = l._file_id
        JOIN org_closure c ON c.descendant_id = l.unit_id
        WHERE c.ancestor_id IN {mine.format("unit_id")}
          AND l.{when} BETWEEN {mine.format("min(window_start)")} AND {mine.format("max(window_end)")}"""


def _received(con: duckdb.DuckDBPyConnection, ledgers: list[Ledger], expected: pd.DataFrame) -> pd.DataFrame:
    """Rows and first submission date of each expected report (`expected` holds several ledgers'
    reports, its `ledger` column says whose): one query for all, since a query's fixed cost
    (~15 ms) and not the rows is what a report's 报送情况 spends its time on."""
    by_plan = [lg.name for lg in ledgers if PLAN_UNITS in lg.reporters]
    exp = expected.assign(_i=range(len(expected)), by_plan=expected["ledger"].isin(by_plan))
    exp = exp[["_i", "ledger", "unit_id", "plan_id", "by_plan", "window_start", "window_end"]]
    con.register("_expected", exp.astype({"plan_id": "string"}))
    try:
        return con.execute(f"""
            WITH x AS ({" UNION ALL ".join(_delivered(lg) for lg in ledgers)})
            SELECT e._i, count(x.d) AS rows, min(x.submitted) AS received_on
            FROM _expected e LEFT JOIN x ON x.ledger = e.ledger AND x.ancestor_id = e.unit_id
                 AND x.d BETWEEN e.window_start AND e.window_end AND (NOT e.by_plan OR x.plan_id = e.plan_id)
            GROUP BY e._i ORDER BY e._i""").fetchdf()
    finally:
        con.unregister("_expected")


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() "
                                      "WHERE database_name = current_database()").fetchall()}


def status(con: duckdb.DuckDBPyConnection, unit_id: str, period: Quarter | str, since: Quarter | str | None = None,
           today: date | None = None, ledgers: list[str] | None = None,
           catalogs: list[Catalog] | None = None) -> pd.DataFrame:
    """Every expected report under `unit_id` (itself included) for the periods of each periodic
    ledger that end from `since` (default: `period` alone) to `period`: one row per reporting unit
    × ledger × period (× plan for task reports), columns STATUS_COLUMNS, sorted by ledger, period,
    unit. `status` is 按时报送, 逾期报送, 未报送（已逾期） or 未报送（未到期） (due after `today`,
    default the real today); `days_late` counts days past the due date (to `today` while missing).

    A clean API for the report's 报送情况 section and the `collect` command."""
    last = Quarter.parse(period) if isinstance(period, str) else period
    first = Quarter.parse(since) if isinstance(since, str) else (since or last)
    today = today or date.today()
    chosen = [lg for lg in periodic_ledgers() if ledgers is None or lg.name in ledgers]
    if catalogs is None:  # read only when a ledger is owed by the plans' units
        catalogs = _catalogs() if any(PLAN_UNITS in lg.reporters for lg in chosen) else []
    frames = []
    units = _subtree(con, unit_id)
    for ledger in chosen:
        spans = periods(ledger.frequency, first, last)
        exp = _expected(units, ledger, spans, catalogs) if spans else pd.DataFrame()
        if not exp.empty:
            frames.append(exp.assign(ledger=ledger.name, ledger_title=ledger.title, frequency=ledger.frequency))
    if not frames:
        return pd.DataFrame(columns=STATUS_COLUMNS)
    out = pd.concat(frames, ignore_index=True)
    tables = _tables(con)
    stored = [lg for lg in chosen if lg.name in tables and (out["ledger"] == lg.name).any()]
    out["rows"], out["received_on"] = 0, None
    if stored:
        held = out["ledger"].isin([lg.name for lg in stored]).to_numpy()
        got = _received(con, stored, out[held])
        out.loc[held, "rows"] = got["rows"].to_numpy()
        out.loc[held, "received_on"] = pd.to_datetime(got["received_on"]).dt.date.to_numpy()
    out["received"] = out["rows"] > 0
    out["received_on"] = out["received_on"].where(out["received"], None)
    ref = [r if ok else today for r, ok in zip(out["received_on"], out["received"], strict=True)]
    out["days_late"] = [max((r - d).days, 0) for r, d in zip(ref, out["due"], strict=True)]
    out["on_time"] = out["received"] & (out["days_late"] == 0)
    out["status"] = [RECEIVED_ON_TIME if ok else RECEIVED_LATE if got else
                     MISSING_NOT_DUE if today <= due else MISSING_OVERDUE
                     for ok, got, due in zip(out["on_time"], out["received"], out["due"], strict=True)]
    out["_order"] = out["ledger"].map({lg.name: i for i, lg in enumerate(chosen)})
    out = out.sort_values(["_order", "period_end", "unit_id", "plan_id"], kind="stable", na_position="first")
    return out[STATUS_COLUMNS].reset_index(drop=True)


def within(grid: pd.DataFrame, unit_ids) -> pd.DataFrame:
    """The rows of a `status` grid reported by one of `unit_ids`, in the grid's order: a subtree's
    `status`, cut from its whole tree's (a batch computes the tree's once, `store.memo`)."""
    return grid[grid["unit_id"].isin(set(unit_ids))].reset_index(drop=True)


def rates(grid: pd.DataFrame, by: tuple[str, ...] = ("ledger", "ledger_title")) -> pd.DataFrame:
    """DHIS2 completeness and timeliness of a `status` grid per `by` (default per ledger):
    expected, received, on_time, reporting_rate = received / expected, on_time_rate = on_time /
    expected. Reports not yet due count as expected only once their due date has passed."""
    due = grid[grid["status"] != MISSING_NOT_DUE]
    cols = list(by)
    if due.empty:
        return pd.DataFrame(columns=[*cols, "expected", "received", "on_time", "reporting_rate", "on_time_rate"])
    out = due.groupby(cols, sort=False).agg(expected=("status", "size"), received=("received", "sum"),
                                            on_time=("on_time", "sum")).reset_index()
    out["reporting_rate"] = out["received"] / out["expected"]
    out["on_time_rate"] = out["on_time"] / out["expected"]
    return out


def owed(grid: pd.DataFrame) -> pd.DataFrame:
    """The reports still missing, overdue first (the 催报 list)."""
    missing = grid[~grid["received"]]
    return missing.sort_values(["due", "unit_id", "ledger"], kind="stable").reset_index(drop=True)
