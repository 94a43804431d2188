"""Data quality as DHIS2 defines it: reporting rate (reports received ÷ expected), on-time rate
(received within the grace period ÷ expected), outliers by z-score and modified z-score, and missing
denominators — shown in every report, never silently imputed."""

from __future__ import annotations

from datetime import timedelta

import duckdb
import numpy as np
import pandas as pd

from analysis.plans.catalog import Catalog
from analysis.plans.periods import Quarter, quarter_range

Z_LIMIT = 3.0
MODIFIED_Z_LIMIT = 3.5
ON_TIME_DAYS = 15
"""A quarterly report is on time when it arrives within this many days after the quarter ends."""


def zscores(values: pd.Series) -> pd.DataFrame:
    """z = (x − mean)/sd and modified z = 0.6745·(x − median)/MAD (Iglewicz & Hoaglin)."""
    x = values.astype(float)
    sd = x.std(ddof=1)
    mad = (x - x.median()).abs().median()
    z = (x - x.mean()) / sd if sd and not np.isnan(sd) else x * np.nan
    mz = 0.6745 * (x - x.median()) / mad if mad and not np.isnan(mad) else x * np.nan
    out = pd.DataFrame({"value": x, "z": z, "modified_z": mz})
    out["outlier"] = (out["z"].abs() > Z_LIMIT) | (out["modified_z"].abs() > MODIFIED_Z_LIMIT)
    return out


def cross_section_outliers(cards: pd.DataFrame) -> pd.DataFrame:
    """Per indicator, subordinate units whose value stands out from their peers this quarter."""
    rows = []
    for ind, g in cards.groupby("indicator_id", sort=False):
        g = g[g["value"].notna()]
        if len(g) < 4:
            continue
        z = zscores(g.set_index("unit_id")["value"])
        for unit_id, r in z[z["outlier"]].iterrows():
            name = g.loc[g["unit_id"] == unit_id, "unit_name"].iloc[0]
            rows.append({"indicator_id": ind, "name": g["name"].iloc[0], "unit_id": unit_id, "unit_name": name,
                         "value": r["value"], "median": g["value"].median(), "z": r["z"],
                         "modified_z": r["modified_z"]})
    return pd.DataFrame(rows)


def reporting(con: duckdb.DuckDBPyConnection, unit_id: str, q: Quarter, since: Quarter) -> pd.DataFrame:
    """Economy reports of the street/town units at or under `unit_id`, quarter by quarter from
    `since` to `q`: expected, received, on time (submitted within ON_TIME_DAYS; the submission
    date is the row's 报送日期, else the load time of the file that delivered it) — per unit."""
    quarters = quarter_range(since, q)
    units = con.execute("""
        SELECT o.unit_id, o.name FROM org_units o JOIN org_closure c ON c.descendant_id = o.unit_id
        WHERE c.ancestor_id = ? AND o.level IN ('街道', '镇') ORDER BY o.unit_id""", [unit_id]).fetchdf()
    got = con.execute("""
        SELECT e.unit_id, e.quarter_end, min(coalesce(e.reported_on, CAST(f.loaded_at AS DATE))) AS first_loaded
        FROM economy e JOIN _files f ON f.file_id = e._file_id
        JOIN org_closure c ON c.descendant_id = e.unit_id AND c.ancestor_id = ?
        WHERE e.quarter_end BETWEEN ? AND ? GROUP BY ALL""", [unit_id, since.start, q.end]).fetchdf()
    seen = {(r.unit_id, pd.Timestamp(r.quarter_end).date()): r.first_loaded for r in got.itertuples()}
    rows = []
    for u in units.itertuples():
        received = on_time = 0
        for qq in quarters:
            loaded = seen.get((u.unit_id, qq.end))
            if loaded is not None:
                received += 1
                on_time += pd.Timestamp(loaded).date() <= qq.end + timedelta(days=ON_TIME_DAYS)
        rows.append({"unit_id": u.unit_id, "unit_name": u.name, "expected": len(quarters),
                     "received": received, "on_time": on_time})
    out = pd.DataFrame(rows, columns=["unit_id", "unit_name", "expected", "received", "on_time"])
    out["reporting_rate"] = out["received"] / out["expected"].where(out["expected"] > 0)
    out["on_time_rate"] = out["on_time"] / out["expected"].where(out["expected"] > 0)
    return out


def missing_denominators(cards: pd.DataFrame, catalog: Catalog, unit_id: str) -> pd.DataFrame:
    """Indicator × unit pairs whose ratio cannot be formed: the denominator is absent (no data for
    the period), or — for the assessed unit itself — zero. A subordinate unit with a zero
    denominator simply has nothing to measure (a community has no street drill to hold)."""
    ratios = {i.id for i in catalog.indicators if i.denominator}
    den = cards["denominator"]
    own = cards["unit_id"] == unit_id
    bad = cards[cards["indicator_id"].isin(ratios) & (den.isna() | ((den == 0) & own))]
    cols = [c for c in ("unit_id", "unit_name", "indicator_id", "name", "numerator", "denominator") if c in bad]
    return bad[cols].reset_index(drop=True)
