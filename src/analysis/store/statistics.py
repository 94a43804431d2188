"""Published statistics (统计公报 and the like) read back from the `statistics` ledger: the national
figures every report sets a unit's rates beside, and a unit's own published figures for the
reports of plans assessed on them (a province or the nation has yearly totals, not one row per
accident).

The figures load like every ledger (`analysis ingest data/reference`); data/reference/ holds the
national series (unit CN, 全国) with their sources."""

from __future__ import annotations

import duckdb
import pandas as pd

from analysis.config import REFERENCE_DIR

NATIONAL = "CN"
"""Unit id of the nation (全国) in data/reference/org_units__national.csv."""
NATIONAL_FILES = REFERENCE_DIR
"""The folder to ingest for the national figures: 全国 as an org unit and its statistics."""
DEATHS = "生产安全事故死亡人数"
GDP = ("国内生产总值", "地区生产总值")
RATES = {"deaths_per_100k_workers": "工矿商贸就业人员十万人生产安全事故死亡人数",
         "deaths_per_10k_vehicles": "道路交通事故万车死亡人数"}
"""Rates published as such (not derived), by the id `method.accidents.RATES` uses."""
COLUMNS = ["year", "quarter", "indicator", "value", "measure_unit", "source", "note"]
ROUNDED = "约数"
"""A note holding this says the figure was published rounded."""


def figures(con: duckdb.DuckDBPyConnection, unit_id: str) -> pd.DataFrame:
    """A unit's published figures, by indicator and year (empty frame when there are none)."""
    return con.execute(f"""SELECT {', '.join(COLUMNS)} FROM statistics WHERE unit_id = ?
                           ORDER BY indicator, year, quarter NULLS LAST""", [unit_id]).fetchdf()


def national_rates(ref: pd.DataFrame) -> pd.DataFrame:
    """Per year (whole-year figures only): deaths, GDP (亿元), deaths per 亿元 GDP (derived) and the
    two rates published as such."""
    year = ref[ref["quarter"].isna()]
    wide = year.pivot_table(index="year", columns="indicator", values="value", aggfunc="first")
    out = pd.DataFrame(index=wide.index)
    out["deaths"] = wide.get(DEATHS)
    gdp = [wide[g] for g in GDP if g in wide]
    out["gdp"] = gdp[0] if gdp else float("nan")
    out["deaths_per_gdp"] = out["deaths"] / out["gdp"]
    for rid, name in RATES.items():
        out[rid] = wide.get(name)
    notes = year[year["indicator"] == DEATHS].set_index("year")["note"]
    out["deaths_note"] = notes.reindex(out.index).fillna("")
    return out


def stored_rates(con: duckdb.DuckDBPyConnection) -> pd.DataFrame | None:
    """National rates from the warehouse, or None when the national figures were never loaded."""
    try:
        ref = figures(con, NATIONAL)
    except duckdb.CatalogException:
        return None
    return national_rates(ref) if len(ref) else None


def version(con: duckdb.DuckDBPyConnection) -> str:
    """Version of the national figures (every report's accident section shows them)."""
    try:
        n, h = con.execute("SELECT count(*), coalesce(sum(hash(year, quarter, indicator, value, measure_unit, "
                           "source, note)), 0) FROM statistics WHERE unit_id = ?", [NATIONAL]).fetchall()[0]
    except duckdb.CatalogException:
        n, h = 0, 0
    return f"{n}:{h}"
