"""Accident counts and rates for every unit at once: 起数/死亡 (年初至今, 同比) and the three standard
rates on a trailing-four-quarter basis — 亿元GDP死亡率, 工矿商贸十万人死亡率, 道路交通万车死亡率 —
with exact Poisson intervals, because town-level deaths are 0–3 a year."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from analysis.method.progress import SMALL_COUNT, poisson_interval
from analysis.plans.periods import Quarter

RATES = {
    # id: (name, deaths filter, denominator column, factor, unit, denominator aggregation)
    "deaths_per_gdp": ("亿元GDP生产安全事故死亡率", "TRUE", "gdp", 1.0, "人/亿元", "flow"),
    "deaths_per_100k_workers": ("工矿商贸就业人员十万人生产安全事故死亡率", "domain = '工矿商贸'",
                                "industry_workers", 1e5, "人/10万人", "stock"),
    "deaths_per_10k_vehicles": ("道路交通事故万车死亡率", "domain = '道路交通'", "motor_vehicles", 1e4,
                                "人/万车", "stock"),
}


SUMS = {  # column: (aggregate, condition besides the window)
    "accidents": ("count(*)", "TRUE"), "deaths": ("sum(deaths)", "TRUE"), "injuries": ("sum(injuries)", "TRUE"),
    "direct_loss": ("sum(direct_loss)", "TRUE"), "larger_plus": ("count(*)", "severity <> '一般'"),
    "deaths_industry": ("sum(deaths)", "domain = '工矿商贸'"), "deaths_road": ("sum(deaths)", "domain = '道路交通'"),
}


def _accident_sums(con, windows: dict[str, tuple], units: list[str]) -> pd.DataFrame:
    """Per unit (rolled up the org tree), every SUMS column for every named (start, end) window in
    one scan: columns `<column>_<window>`."""
    cols = ", ".join(f"{agg} FILTER (WHERE a.occurred_on BETWEEN ${w}_start AND ${w}_end AND {cond}) AS {col}_{w}"
                     for w in windows for col, (agg, cond) in SUMS.items())
    params = {f"{w}_{edge}": d for w, (start, end) in windows.items() for edge, d in (("start", start), ("end", end))}
    return con.execute(f"""
        SELECT c.ancestor_id AS unit_id, {cols}
        FROM accidents a JOIN org_closure c ON c.descendant_id = a.unit_id
        WHERE c.ancestor_id IN (SELECT unnest($units)) AND a.occurred_on BETWEEN $first AND $last
        GROUP BY ALL""", {**params, "units": units, "first": min(w[0] for w in windows.values()),
                          "last": max(w[1] for w in windows.values())}).fetchdf().set_index("unit_id")


def _economy(con, start, end, at, units: list[str]) -> pd.DataFrame:
    return con.execute("""
        SELECT c.ancestor_id AS unit_id,
               sum(gdp) FILTER (WHERE e.quarter_end BETWEEN ? AND ?) AS gdp,
               sum(industry_workers) FILTER (WHERE e.quarter_end = ?) AS industry_workers,
               sum(motor_vehicles) FILTER (WHERE e.quarter_end = ?) AS motor_vehicles,
               count(*) FILTER (WHERE e.quarter_end BETWEEN ? AND ?) AS gdp_quarters
        FROM economy e JOIN org_closure c ON c.descendant_id = e.unit_id
        WHERE c.ancestor_id IN (SELECT unnest(?))
        GROUP BY ALL""", [start, end, at, at, start, end, units]).fetchdf().set_index("unit_id")


def accident_frame(con: duckdb.DuckDBPyConnection, q: Quarter, units: list[str] | None = None) -> pd.DataFrame:
    """One row per unit (every unit, or those in `units`): year-to-date counts now and a year
    earlier, and trailing-4-quarter rates."""
    where = "" if units is None else "WHERE unit_id IN (SELECT unnest(?))"
    out = con.execute(f"SELECT unit_id, name, parent_id, level FROM org_units {where} ORDER BY unit_id",
                      [] if units is None else [units]).fetchdf().set_index("unit_id")
    units = out.index.tolist()
    ly = q.shift(-4)
    windows = {f"{kind}{suffix}": (start, qq.end) for suffix, qq in (("", q), ("_ly", ly))
               for kind, start in (("ytd", Quarter(qq.year, 1).start), ("t4", qq.shift(-3).start))}
    sums = _accident_sums(con, windows, units).reindex(out.index)
    for suffix, qq in (("", q), ("_ly", ly)):
        for col in ("accidents", "deaths", "injuries", "direct_loss", "larger_plus"):
            # float whether or not some unit has no row: the same dtype for any set of units
            out[col + suffix] = sums[f"{col}_ytd{suffix}"].astype(float).fillna(0.0)
        eco = _economy(con, qq.shift(-3).start, qq.end, qq.end, units)
        for rid, (_, _, den_col, factor, _, _) in RATES.items():
            num_col = {"deaths_per_gdp": "deaths", "deaths_per_100k_workers": "deaths_industry",
                       "deaths_per_10k_vehicles": "deaths_road"}[rid]
            num = sums[f"{num_col}_t4{suffix}"].astype(float).fillna(0.0)
            den = eco[den_col].reindex(out.index) if den_col in eco else pd.Series(np.nan, index=out.index)
            if den_col == "gdp":
                # a partial year of GDP would inflate the rate: require all four quarters
                den = den.where(eco["gdp_quarters"].reindex(out.index) >= 4)
            out[f"{rid}_num{suffix}"] = num
            out[f"{rid}_den{suffix}"] = den
            out[f"{rid}{suffix}"] = (num / den.where(den > 0)) * factor
    return out.reset_index()


def rate_rows(frame: pd.DataFrame, unit_id: str) -> list[dict]:
    """The three rates for one unit with interval, 同比 and 小样本 flag."""
    r = frame.set_index("unit_id").loc[unit_id]
    rows = []
    for rid, (name, _, _, factor, unit, _) in RATES.items():
        num, den = r[f"{rid}_num"], r[f"{rid}_den"]
        lo, hi = poisson_interval(num)
        ok = pd.notna(den) and den > 0
        rows.append({
            "id": rid, "name": name, "unit": unit, "deaths": num, "denominator": den,
            "value": r[rid] if ok else np.nan, "value_ly": r[f"{rid}_ly"],
            "ci_low": lo / den * factor if ok else np.nan, "ci_high": hi / den * factor if ok else np.nan,
            "small_sample": bool(num < SMALL_COUNT),
        })
    return rows
