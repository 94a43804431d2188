"""Comparing subordinate units: a composite score (量化排名) with weights stated in the catalog, and a
funnel plot for rates, because a league table of small-number death rates ranks noise."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.method.progress import (
    ACHIEVED,
    BEHIND,
    MISSED,
    NO_DATA,
    NOT_APPLICABLE,
    OFF_TRACK,
    ON_TRACK,
    scorecard,
    unit_series,
)
from analysis.plans.catalog import Catalog
from analysis.plans.periods import Quarter

STATUS_POINTS = {ACHIEVED: 100.0, ON_TRACK: 85.0, BEHIND: 60.0, OFF_TRACK: 30.0, MISSED: 20.0}
"""Points per status; 数据不足 and 不单列考核 score nothing and their weight is left out (weights
renormalised)."""
UNSCORED = (NO_DATA, NOT_APPLICABLE)
FUNNEL_LEVELS = (0.95, 0.998)


def weights(catalog: Catalog) -> dict[str, float]:
    """Catalog weights, else equal weights over the headline indicators (else all)."""
    if catalog.ranking_weights:
        return dict(catalog.ranking_weights)
    ids = [i.id for i in catalog.indicators if i.headline] or [i.id for i in catalog.indicators]
    return {i: 1.0 for i in ids}


def unit_cards(catalog: Catalog, values: pd.DataFrame, units: pd.DataFrame, q: Quarter) -> pd.DataFrame:
    """Scorecards of several units stacked, with unit_id and unit name."""
    frames = []
    series = unit_series(catalog, values[values["unit_id"].isin(units["unit_id"])])
    levels = units["level"] if "level" in units else pd.Series(None, index=units.index)
    for unit_id, name, level in zip(units["unit_id"], units["name"], levels, strict=True):
        card = scorecard(catalog, values.iloc[:0], unit_id, q, series.get(unit_id, {}), unit_level=level)
        card.insert(0, "unit_name", name)
        card.insert(0, "unit_id", unit_id)
        frames.append(card)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def composite(cards: pd.DataFrame, w: dict[str, float]) -> pd.DataFrame:
    """One row per unit: score 0–100, rank, and the count of each status among the weighted indicators."""
    if cards.empty:
        return pd.DataFrame(columns=["unit_id", "unit_name", "score", "rank", "scored", *STATUS_POINTS, *UNSCORED])
    c = cards[cards["indicator_id"].isin(w)].copy()
    c["weight"] = c["indicator_id"].map(w)
    c["points"] = c["status"].map(STATUS_POINTS)
    c["wp"] = c["weight"] * c["points"]
    c["w_scored"] = c["weight"].where(c["points"].notna(), 0.0)
    g = c.groupby(["unit_id", "unit_name"], sort=True)
    out = pd.DataFrame({"wp": g["wp"].sum(), "w": g["w_scored"].sum(),
                        "scored": g["points"].count()}).reset_index()
    out["score"] = np.where(out["w"] > 0, out["wp"] / out["w"].where(out["w"] > 0), np.nan)
    counts = c.pivot_table(index="unit_id", columns="status", values="indicator_id", aggfunc="count", fill_value=0)
    for s in (*STATUS_POINTS, *UNSCORED):
        out[s] = out["unit_id"].map(counts.get(s, {})).fillna(0).astype(int)
    out = out.sort_values(["score", "unit_id"], ascending=[False, True], na_position="last").reset_index(drop=True)
    out["rank"] = out["score"].rank(method="min", ascending=False).astype("Int64")
    return out.drop(columns=["wp", "w"])


def funnel_limits(overall_rate: float, denominators: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact Poisson control limits of a rate around `overall_rate` for each denominator."""
    from scipy.stats import poisson  # 0.4 s to import: only when a funnel is drawn

    lam = overall_rate * denominators
    lo = poisson.ppf((1 - level) / 2, lam) / denominators
    hi = poisson.ppf(1 - (1 - level) / 2, lam) / denominators
    return lo, hi


def funnel(frame: pd.DataFrame, num: str, den: str) -> dict | None:
    """Points (units: num, den, rate, flag) and limit curves for a funnel plot; None when fewer
    than two units have a denominator."""
    d = frame[(frame[den] > 0) & frame[den].notna()].rename(columns={num: "num", den: "den"})
    if len(d) < 2:
        return None
    p0 = d["num"].sum() / d["den"].sum()
    d["rate"] = d["num"] / d["den"]
    grid = np.linspace(d["den"].min() * 0.6, d["den"].max() * 1.15, 80)
    curves = {lvl: funnel_limits(p0, grid, lvl) for lvl in FUNNEL_LEVELS}
    lo, hi = funnel_limits(p0, d["den"].to_numpy(dtype=float), FUNNEL_LEVELS[-1])
    d["flag"] = np.where(d["rate"] > hi, "high", np.where(d["rate"] < lo, "low", ""))
    return {"overall": p0, "points": d, "grid": grid, "curves": curves}
