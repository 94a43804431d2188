"""Data quality as DHIS2 defines it: reporting rate (reports received ÷ expected), on-time rate
(received within the grace period ÷ expected), outliers by z-score and modified z-score, and missing
denominators — shown in every report, never silently imputed."""

from __future__ import annotations

from datetime import date

import duckdb
import numpy as np
import pandas as pd

from analysis.intake.ledgers import LEDGERS
from analysis.method import collection
from analysis.plans.catalog import Catalog
from analysis.plans.periods import Quarter

Z_LIMIT = 3.0
MODIFIED_Z_LIMIT = 3.5
ON_TIME_DAYS = LEDGERS["economy"].due_days
"""A quarterly economy report is on time when it arrives within this many days after the quarter
ends (the ledger's declared due days; `collection` applies each ledger's own)."""


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
    date is the row's 报送日期, else the load time of the file that delivered it) — per unit.
    The economy ledger's view of `collection.status`, which does the same for every periodic ledger."""
    grid = collection.status(con, unit_id, q, since, ledgers=["economy"], today=date.max)
    cols = ["unit_id", "unit_name", "expected", "received", "on_time"]
    out = (grid.groupby(["unit_id", "unit_name"], sort=True)
           .agg(expected=("status", "size"), received=("received", "sum"), on_time=("on_time", "sum"))
           .reset_index()[cols] if not grid.empty else pd.DataFrame(columns=cols))
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
