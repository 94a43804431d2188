"""Catalog measures evaluated in DuckDB for every org unit × quarter at once.

One SQL statement per (measure, window) covers all units and periods: facts join the org
closure, so a street's value is the sum over its communities (numerators and denominators roll
up separately, ratios are never averaged). Results are cached in the warehouse per plan."""

from __future__ import annotations

import hashlib
from datetime import date

import duckdb
import pandas as pd

from analysis.errors import CatalogError
from analysis.intake.ledgers import LEDGERS
from analysis.plans.catalog import Catalog, Measure
from analysis.plans.periods import WINDOWS, Quarter, quarter_range, window_start
from analysis.store.warehouse import build_org_closure, data_version, ensure_schema, fetch_one

STOCK = "stock"
"""Window name used for stock measures: state as at the period end, no date range."""


def plan_quarters(catalog: Catalog) -> list[Quarter]:
    """Quarters a plan is assessed on: two years before it starts (baseline, 同比) to its end."""
    p = catalog.plan.period
    first = Quarter.of(p.start).shift(-8)
    if catalog.plan.baseline_year:
        first = min(first, Quarter(catalog.plan.baseline_year, 1))
    return quarter_range(first, Quarter.of(p.end))


def needed(catalog: Catalog) -> list[tuple[str, str]]:
    """(measure id, window) pairs the catalog's indicators use, sorted."""
    pairs = set()
    for ind in catalog.indicators:
        for mid in (ind.numerator, ind.denominator):
            if mid:
                m = catalog.measures[mid]
                pairs.add((mid, ind.window if m.date else STOCK))
    return sorted(pairs)


def _windows_frame(catalog: Catalog, quarters: list[Quarter]) -> pd.DataFrame:
    rows = []
    for w in (*WINDOWS, STOCK):
        for q in quarters:
            start = q.start if w == STOCK else window_start(w, q, catalog.plan.period.start)
            rows.append((w, str(q), start, q.end))
    return pd.DataFrame(rows, columns=["window", "period", "period_start", "period_end"])


def measure_sql(m: Measure) -> str:
    """SELECT unit_id, period, value for one measure over the registered `w` windows relation."""
    flt = m.filter or "TRUE"
    if m.frequency:
        fr = m.frequency
        months = " ".join(f"WHEN ({r.when}) THEN {r.every_months}" for r in fr.rules)
        mins = " ".join(f"WHEN ({r.when}) THEN {r.min_events}" for r in fr.rules)
        each = " ".join(f"WHEN ({r.when}) THEN {str(r.each_month).upper()}" for r in fr.rules)
        # the look-back is whole calendar months ending with the period end's month: a quarter
        # ending 30 June looks back to 1 April, not to 30 March
        return f"""
        WITH ent AS (
            SELECT f.*, w.period, w.period_start, w.period_end,
                   CASE {months} END AS _months, CASE {mins} END AS _min, CASE {each} END AS _each
            FROM {m.table} f JOIN w ON TRUE WHERE ({flt})),
        ev AS (SELECT {fr.key} AS _k, {fr.date} AS _d FROM {fr.events} WHERE ({fr.filter or 'TRUE'})),
        hits AS (
            SELECT ent.{fr.key} AS _k, ent.period AS _p, count(*) AS _n,
                   count(DISTINCT date_trunc('month', ev._d)) AS _m
            FROM ent JOIN ev ON ev._k = ent.{fr.key}
             AND ev._d > last_day(ent.period_end - to_months(ent._months)) AND ev._d <= ent.period_end
            GROUP BY ALL)
        SELECT c.ancestor_id AS unit_id, f.period, {m.aggregate} AS value
        FROM ent f
        LEFT JOIN hits h ON h._k = f.{fr.key} AND h._p = f.period
        JOIN org_closure c ON c.descendant_id = f.unit_id
        WHERE f._months IS NOT NULL AND coalesce(h._n, 0) >= f._min
          AND (NOT f._each OR coalesce(h._m, 0) >= f._months)
        GROUP BY ALL"""
    if LEDGERS[m.table].own_figures:
        # a published figure is the unit's own (no roll-up), for the year to the quarter it names
        return f"""
        SELECT f.unit_id, w.period, {m.aggregate} AS value
        FROM {m.table} f
        JOIN w ON f.year = year(w.period_end) AND coalesce(f.quarter, 4) = quarter(w.period_end)
        WHERE ({flt})
        GROUP BY ALL"""
    date_join = f"f.{m.date} BETWEEN w.period_start AND w.period_end" if m.date else "TRUE"
    return f"""
        SELECT c.ancestor_id AS unit_id, w.period, {m.aggregate} AS value
        FROM {m.table} f
        JOIN org_closure c ON c.descendant_id = f.unit_id
        JOIN w ON {date_join}
        WHERE ({flt})
        GROUP BY ALL"""


def _coverage(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[date | None, date | None]]:
    """Dates each dated ledger covers: from its first row to the warehouse's data cut-off (the
    latest date in any dated ledger). Flow values outside are unknown, not zero; a ledger with no
    rows after its start (no accident this quarter) is a real zero."""
    firsts = {l.name: con.execute(f"SELECT min({l.date_column}), max({l.date_column}) FROM {l.name}"
                                  ).fetchall()[0] for l in LEDGERS.values() if l.date_column}
    cutoff = max((last for _, last in firsts.values() if last is not None), default=None)
    return {name: (first, cutoff if first is not None else None) for name, (first, _) in firsts.items()}


def coverage_stamp(con: duckdb.DuckDBPyConnection, ledgers: list[str]) -> dict[str, str]:
    """What `compute_measures` takes from the whole warehouse rather than from a unit's own rows,
    for these ledgers: whether each holds any row (an empty ledger is unknown, not zero) and
    where each dated ledger starts (values before it are unknown). A street delivering a ledger
    for the first time changes every unit's values, so this belongs in every report's fingerprint.
    The cut-off is left out: it only moves quarters after a report's own period."""
    coverage = _coverage(con)
    return {name: f"{fetch_one(con, f'SELECT count(*) > 0 FROM {name}')[0]}:{coverage.get(name, (None,))[0]}"
            for name in ledgers}


def data_cutoff(con: duckdb.DuckDBPyConnection) -> date | None:
    """The latest date in any dated ledger: what the data can speak for."""
    return max((last for _, last in _coverage(con).values() if last is not None), default=None)


def compute_measures(con: duckdb.DuckDBPyConnection, catalog: Catalog) -> pd.DataFrame:
    """Long frame: measure, window, unit_id, period, value — every unit × quarter, zeros filled
    where the ledger covers the period, NaN where it does not."""
    quarters = plan_quarters(catalog)
    windows = _windows_frame(catalog, quarters)
    units = con.execute("SELECT unit_id FROM org_units ORDER BY unit_id").fetchdf()["unit_id"]
    coverage = _coverage(con)
    empty = {l for l in LEDGERS if fetch_one(con, f"SELECT count(*) FROM {l}")[0] == 0}
    frames = []
    for mid, window in needed(catalog):
        m = catalog.measures[mid]
        con.register("w", windows[windows["window"] == window])
        try:
            got = con.execute(measure_sql(m)).fetchdf()
        except duckdb.Error as e:
            raise CatalogError(f"{catalog.plan.id}: measures.{mid}: SQL 无法执行 / SQL failed: {e}") from None
        finally:
            con.unregister("w")
        grid = pd.MultiIndex.from_product([units, [str(q) for q in quarters]], names=["unit_id", "period"])
        series = got.set_index(["unit_id", "period"])["value"].astype(float).reindex(grid)
        if not LEDGERS[m.table].own_figures:  # a published figure not published is unknown, not zero
            series = series.fillna(0.0)
        if m.table in empty:
            series[:] = float("nan")  # a ledger never delivered is unknown, not zero
        ledger = m.frequency.events if m.frequency else (m.table if m.date else None)
        first, last = coverage.get(ledger, (None, None)) if ledger else (None, None)
        if ledger and first is None:
            series[:] = float("nan")
        elif ledger:
            # a window is known only when the ledger covers all of it: from the quarter of its
            # first row (a trailing year that begins before the ledger does is partial, not low)
            since, until = Quarter.of(first).start, Quarter.of(last).end
            starts = windows[windows["window"] == window].set_index("period")["period_start"]
            lookback = max(r.every_months for r in m.frequency.rules) if m.frequency else 0
            covered = [since <= (starts[str(q)] if m.date else _months_before(q.end, lookback)) and q.end <= until
                       for q in quarters]
            mask = pd.Series(covered, index=[str(q) for q in quarters])
            series[~series.index.get_level_values("period").map(mask).to_numpy(dtype=bool)] = float("nan")
        frame = series.reset_index()
        frame.insert(0, "window", window)
        frame.insert(0, "measure", mid)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["measure", "window", "unit_id", "period", "value"])


def _months_before(d: date, months: int) -> date:
    """The first day of the `months` months that end on `d` (a quarter end): where a frequency
    rule's look-back begins."""
    idx = d.year * 12 + d.month - months
    return date(idx // 12, idx % 12 + 1, 1)


MEASURES_VERSION = 4
"""Bumped whenever `compute_measures` changes what a value means (2: partial windows are unknown;
3: frequency look-backs are whole calendar months, `each_month` rules; 4: published figures are
the unit's own, matched by year and quarter),
so cached values computed by earlier code are recomputed."""


def catalog_digest(catalog: Catalog) -> str:
    """What the cached values depend on besides the data: the catalog and the measure code's version."""
    return hashlib.sha256(f"{MEASURES_VERSION}:{catalog.model_dump_json()}".encode()).hexdigest()[:16]


def cache_is_current(con: duckdb.DuckDBPyConnection, catalog: Catalog) -> bool:
    """The plan's stored measure values were computed from this catalog and this data."""
    try:
        have = fetch_one(con, "SELECT catalog_digest, data_version FROM _measure_cache WHERE plan_id = ?",
                         [catalog.plan.id])
    except duckdb.CatalogException:  # no cache table before the first publish
        return False
    return have == (catalog_digest(catalog), data_version(con))


def materialize(con: duckdb.DuckDBPyConnection, catalog: Catalog) -> bool:
    """Store the plan's measure values in `measure_values` unless already current; True if computed."""
    con.execute("""CREATE TABLE IF NOT EXISTS measure_values (plan_id VARCHAR, measure VARCHAR,
        "window" VARCHAR, unit_id VARCHAR, period VARCHAR, value DOUBLE)""")
    con.execute("""CREATE TABLE IF NOT EXISTS _measure_cache (plan_id VARCHAR PRIMARY KEY,
        catalog_digest VARCHAR, data_version VARCHAR, computed_at TIMESTAMP)""")
    if cache_is_current(con, catalog):
        return False
    values = compute_measures(con, catalog)
    values.insert(0, "plan_id", catalog.plan.id)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM measure_values WHERE plan_id = ?", [catalog.plan.id])
        con.register("_mv", values)
        # sorted by unit, so a report's few units are read from a few row groups (zone maps): 14 -> 2 ms
        con.execute("INSERT INTO measure_values SELECT * FROM _mv ORDER BY unit_id, measure, \"window\", period")
        con.unregister("_mv")
        con.execute("INSERT OR REPLACE INTO _measure_cache VALUES (?, ?, ?, now())",
                    [catalog.plan.id, catalog_digest(catalog), data_version(con)])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return True


def load_values(con: duckdb.DuckDBPyConnection, plan_id: str, units: list[str] | None = None) -> pd.DataFrame:
    """The plan's cached values, of every unit or only of `units`."""
    if units is None:
        return con.execute("""SELECT measure, "window", unit_id, period, value FROM measure_values
                              WHERE plan_id = ? ORDER BY ALL""", [plan_id]).fetchdf()
    return con.execute("""SELECT measure, "window", unit_id, period, value FROM measure_values
                          WHERE plan_id = ? AND list_contains(?, unit_id) ORDER BY ALL""",
                       [plan_id, list(units)]).fetchdf()


def check_sql(catalog: Catalog) -> list[str]:
    """Run every measure against an empty in-memory warehouse; one message per measure that fails."""
    con = duckdb.connect()
    try:
        ensure_schema(con)
        build_org_closure(con)
        windows = _windows_frame(catalog, [Quarter.of(catalog.plan.period.start)])
        con.register("w", windows)
        problems = []
        for mid, m in catalog.measures.items():
            try:
                con.execute(measure_sql(m)).fetchall()
            except duckdb.Error as e:
                problems.append(f"measures.{mid}: SQL 无法执行 / SQL does not run: {str(e).splitlines()[0]}")
        return problems
    finally:
        con.close()
