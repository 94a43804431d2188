"""Data quality as DHIS2 defines it: reporting rate (reports received ÷ expected), on-time rate
(received within the grace period ÷ expected), outliers by z-score and modified z-score, and missing
denominators — shown in every report, never silently imputed."""

from __future__ import annotations

import pandas as pd

from analysis.intake.ledgers import LEDGERS
from analysis.plans.catalog import Catalog

Z_LIMIT = 3.0
MODIFIED_Z_LIMIT = 3.5
ON_TIME_DAYS = LEDGERS["economy"].due_days
"""A quarterly economy report is on time when it arrives within this many days after the quarter
ends (the ledger's declared due days; `collection` applies each ledger's own)."""


def zscores(values: pd.Series, by: pd.Series | None = None) -> pd.DataFrame:
    """z = (x − mean)/sd and modified z = 0.6745·(x − median)/MAD (Iglewicz & Hoaglin), within
    each group of `by` (one group when None); NaN where sd or MAD is zero."""
    x = values.astype(float)
    by = pd.Series(0, index=x.index) if by is None else by
    grp = x.groupby(by, sort=False)
    med, sd = grp.transform("median"), grp.transform("std")
    mad = (x - med).abs().groupby(by, sort=False).transform("median")
    z = ((x - grp.transform("mean")) / sd).where(sd > 0)
    mz = (0.6745 * (x - med) / mad).where(mad > 0)
    out = pd.DataFrame({"value": x, "z": z, "modified_z": mz, "median": med})
    out["outlier"] = (out["z"].abs() > Z_LIMIT) | (out["modified_z"].abs() > MODIFIED_Z_LIMIT)
    return out


def cross_section_outliers(cards: pd.DataFrame) -> pd.DataFrame:
    """Per indicator with at least four values, subordinate units whose value stands out from
    their peers this quarter."""
    g = cards[cards["value"].notna()]
    g = g[g.groupby("indicator_id", sort=False)["value"].transform("size") >= 4]
    cols = ["indicator_id", "name", "unit_id", "unit_name", "value", "median", "z", "modified_z"]
    if g.empty:
        return pd.DataFrame(columns=cols)
    z = zscores(g["value"], g["indicator_id"])
    found = pd.concat([g[["indicator_id", "name", "unit_id", "unit_name"]], z], axis=1)[z["outlier"]]
    order = {ind: i for i, ind in enumerate(g["indicator_id"].unique())}
    return found.sort_values("indicator_id", key=lambda s: s.map(order), kind="stable")[cols].reset_index(drop=True)


def reporting(grid: pd.DataFrame) -> pd.DataFrame:
    """Economy reports of the street/town units in a `collection.status` grid, per unit: expected,
    received, on time (submitted within the ledger's due days; the submission date is the row's
    报送日期, else the load time of the file that delivered it) and the two rates. The economy
    ledger's view of the grid, which holds every periodic ledger; the report passes the grid it
    already read for its 报送情况 (from the first quarter of the year to the quarter assessed).
    Counts do not depend on the grid's `today`: a received report's lateness is its own."""
    grid = grid[grid["ledger"] == "economy"]
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
