"""The progress engine: each indicator's value, target for the date, expected path and status.

Status follows the Open SDG / Eurostat growth-rate method (sdg-build `ProgressMeasure.py`):
R = direction · CAGR_observed / |CAGR_required| with bands 0.95 / 0.6; a met target is 已达标.
Where a growth rate is undefined (a zero start, cumulative counts, zero-stock targets) the same
bands apply to the planners' ratio 完成率 ÷ 序时进度. docs/methodology.md states the rules."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import date

import numpy as np
import pandas as pd
from scipy.special import bdtrc, gammaincinv

from analysis.method.measures import STOCK
from analysis.plans.catalog import Catalog, Indicator, TargetKind
from analysis.plans.periods import Quarter

ACHIEVED, ON_TRACK, BEHIND, OFF_TRACK, NO_DATA = "achieved", "on_track", "behind", "off_track", "no_data"
STATUSES = (ACHIEVED, ON_TRACK, BEHIND, OFF_TRACK, NO_DATA)
BAND_ON_TRACK = 0.95
BAND_BEHIND = 0.6
SMALL_COUNT = 20
"""Rates whose numerator is below this many events carry the 小样本 flag (unstable)."""
MIN_YEARS = 0.2
"""Below this elapsed time (≈ one quarter) a growth rate says nothing; the linear ratio is used."""


def band(ratio: float) -> str:
    if ratio >= BAND_ON_TRACK:
        return ON_TRACK
    return BEHIND if ratio >= BAND_BEHIND else OFF_TRACK


def cagr(v0: float, v1: float, years: float) -> float | None:
    """Compound annual growth rate; None where undefined (non-positive values, no time)."""
    if v0 is None or v1 is None or v0 <= 0 or v1 <= 0 or years <= 0:
        return None
    return (v1 / v0) ** (1.0 / years) - 1.0


def poisson_interval(count: float, alpha: float = 0.05) -> tuple[float, float]:
    """Exact (Garwood) interval for a Poisson count."""
    if count is None or math.isnan(count):
        return (math.nan, math.nan)
    # chi2.ppf(p, 2k) / 2 is the gamma(k) quantile: the same interval without importing scipy.stats
    lo = 0.0 if count == 0 else gammaincinv(count, alpha / 2)
    hi = gammaincinv(count + 1, 1 - alpha / 2)
    return (float(lo), float(hi))


def significant_rise(now: float, before: float, alpha: float = 0.05) -> bool:
    """Is a count of `now` against `before` a year earlier a rise beyond chance? The exact
    conditional test for two Poisson counts: given now + before events, `now` is binomial with
    p = 1/2 when the rate has not changed; the rise is significant when P(X >= now) < alpha
    (one-sided). 2 vs 0: p = 0.25, not significant; 12 vs 3: p = 0.018, significant."""
    return bool(bdtrc(round(now) - 1, round(now + before), 0.5) < alpha)


def _years(a: date, b: date) -> float:
    return (b - a).days / 365.25


def _wide(values: pd.DataFrame) -> pd.DataFrame:
    """values reshaped once: a row per (unit_id, period), a column per (measure, window)."""
    return values.pivot(index=["unit_id", "period"], columns=["measure", "window"], values="value")


SERIES_COLUMNS = ["numerator", "denominator", "value"]


def _indicator_values(ind: Indicator, catalog: Catalog, arr: np.ndarray, pos: dict) -> np.ndarray:
    """numerator, denominator and value of one indicator (an n x 3 array) on the rows of `arr`,
    a `_wide` frame as floats whose column positions `pos` gives; the value is NaN where the
    denominator is zero or missing."""
    def column(mid: str) -> np.ndarray:
        key = (mid, ind.window if catalog.measures[mid].date else STOCK)
        return arr[:, pos[key]] if key in pos else np.full(len(arr), np.nan)

    num = column(ind.numerator)
    if ind.denominator:
        den = column(ind.denominator)
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(den > 0, num / den, np.nan) * ind.factor
    else:
        den, value = np.full(len(arr), np.nan), num * ind.factor
    return np.column_stack([num, den, value])


def unit_series(catalog: Catalog, values: pd.DataFrame) -> dict[str, dict[str, pd.DataFrame]]:
    """unit_id -> indicator_id -> quarterly numerator, denominator and value (indexed by period,
    sorted) for every unit in `values`: what `assess` reads, built for many units at once."""
    out: dict[str, dict[str, pd.DataFrame]] = {}
    if values.empty:
        return out
    wide = _wide(values)
    pos = {c: i for i, c in enumerate(wide.columns)}
    for unit_id, block in wide.groupby(level="unit_id", sort=False):
        block = block.droplevel("unit_id").sort_index()
        arr = block.to_numpy(dtype=float)
        out[unit_id] = {ind.id: pd.DataFrame(_indicator_values(ind, catalog, arr, pos), index=block.index,
                                             columns=SERIES_COLUMNS) for ind in catalog.indicators}
    return out


def empty_series() -> pd.DataFrame:
    return pd.DataFrame(np.empty((0, 3)), index=pd.Index([], name="period", dtype=object), columns=SERIES_COLUMNS)


def indicator_series(ind: Indicator, catalog: Catalog, values: pd.DataFrame, unit_id: str) -> pd.DataFrame:
    """Quarterly numerator, denominator and value of one indicator for one unit."""
    mine = values[values["unit_id"] == unit_id]
    found = unit_series(catalog, mine).get(unit_id, {}).get(ind.id)
    return empty_series() if found is None else found


@dataclass
class Assessment:
    """One indicator at one period for one unit: what the scorecard and the narrative show."""

    indicator_id: str
    name: str
    action: str
    unit: str
    direction: str
    kind: str
    value: float
    numerator: float
    denominator: float
    baseline: float
    baseline_period: str
    target: float | None
    target_by: date | None
    expected: float | None
    path_start: str
    """Quarter the expected path starts from (baseline or the previous phase deadline)."""
    path_start_value: float | None
    time_progress: float | None
    completion: float | None
    ratio: float | None
    method: str
    status: str
    yoy_value: float | None
    yoy_change: float | None
    previous: float | None
    trend: str
    projected: float | None
    likely_met: bool | None
    ci_low: float | None
    ci_high: float | None
    small_sample: bool
    responsible: str
    source: str
    decimals: int
    headline: bool


def _phase_at(ind: Indicator, when: date):
    """The phase being worked towards at `when` (the last one once all deadlines passed), and the
    phase before it."""
    phases = [p for p in ind.target.phases if p.value is not None]
    if not phases:
        return None, None
    for i, p in enumerate(phases):
        if p.by >= when:
            return p, (phases[i - 1] if i else None)
    return phases[-1], (phases[-2] if len(phases) > 1 else None)


class _Quarters:
    """One indicator's quarterly rows for one unit, looked up by quarter (assess reads a dozen)."""

    def __init__(self, series: pd.DataFrame):
        self.rows = dict(zip(series.index, series[SERIES_COLUMNS].to_numpy(dtype=float).tolist(), strict=True))

    def get(self, q: Quarter, column: int = 2) -> float:
        """The value (or column 0 numerator, 1 denominator) at q; NaN when absent."""
        row = self.rows.get(str(q))
        return math.nan if row is None else row[column]


def _target_level(ind: Indicator, value: float | None, baseline: float) -> float | None:
    if value is None:
        return None
    if ind.target.kind == TargetKind.change_from_baseline:
        return baseline * (1 + value / 100.0) if baseline is not None and not math.isnan(baseline) else None
    if ind.target.kind == TargetKind.zero:
        return 0.0
    return value


def target_met(direction: str, value: float, target: float) -> bool:
    return value >= target - 1e-9 if direction == "higher" else value <= target + 1e-9


def _projection(at: _Quarters, q: Quarter, deadline: date | None) -> float | None:
    """Straight line through the last four quarters' values, extended to the deadline."""
    if deadline is None:
        return None
    pts = [(i, at.get(q.shift(-i))) for i in range(4)]
    pts = [(-i, v) for i, v in pts if not math.isnan(v)]
    if len(pts) < 2:
        return None
    x, y = np.array(pts, dtype=float).T
    slope, intercept = np.polyfit(x, y, 1)
    ahead = max(0.0, _years(q.end, deadline) * 4)
    return float(intercept + slope * ahead)


def assess(ind: Indicator, catalog: Catalog, values: pd.DataFrame, unit_id: str, q: Quarter,
           series: pd.DataFrame | None = None) -> Assessment:
    """One indicator for one unit at quarter q; `series` (from `unit_series`) saves re-deriving it."""
    if series is None:
        series = indicator_series(ind, catalog, values, unit_id)
    plan = catalog.plan
    kind = ind.target.kind
    at = _Quarters(series)
    value, num, den = at.get(q), at.get(q, 0), at.get(q, 1)

    bl = ind.target.baseline
    base_q = Quarter.parse(bl.period) if bl and bl.period else Quarter.of(plan.period.start).shift(-1)
    baseline = bl.value if bl and bl.value is not None else at.get(base_q)
    if kind == TargetKind.cumulative_count:
        baseline = 0.0 if bl is None or bl.value is None else baseline
    base_date = base_q.end

    phase, prev_phase = _phase_at(ind, q.end)
    target = _target_level(ind, phase.value if phase else None, baseline) if phase else (
        0.0 if kind in (TargetKind.zero, TargetKind.none_allowed) else None)
    target_by = phase.by if phase else (ind.target.phases[-1].by if ind.target.phases else None)
    if kind == TargetKind.zero and ind.target.phases:
        zero_phase = next((p for p in ind.target.phases if p.by >= q.end), ind.target.phases[-1])
        target_by = zero_phase.by

    # start of the current phase: the previous phase's deadline (its actual value), else the baseline
    if prev_phase is not None and prev_phase.by < q.end:
        start_q = Quarter.of(prev_phase.by)
        start_date, start_value = prev_phase.by, at.get(start_q)
        if math.isnan(start_value):
            start_value = _target_level(ind, prev_phase.value, baseline)
    else:
        start_date, start_value = base_date, baseline

    time_progress = completion = ratio = expected = None
    method = "growth"
    if target is not None and target_by is not None and target_by > start_date:
        time_progress = min(1.0, max(0.0, (q.end - start_date).days / (target_by - start_date).days))
        if start_value is not None and not math.isnan(start_value):
            expected = start_value + (target - start_value) * time_progress
            gap = target - start_value
            if abs(gap) > 1e-12 and not math.isnan(value):
                completion = (value - start_value) / gap

    yoy = at.get(q.shift(-4))
    prev = at.get(q.shift(-1))
    ci_low = ci_high = None
    small = False
    if ind.small_numbers and not math.isnan(num):
        lo, hi = poisson_interval(num)
        scale = ind.factor / den if ind.denominator and den and den > 0 else ind.factor
        ci_low, ci_high = lo * scale, hi * scale
        small = num < SMALL_COUNT

    if math.isnan(value):
        status, method = NO_DATA, "none"
    elif kind == TargetKind.none_allowed:
        status, method = (ACHIEVED if value <= 0 else OFF_TRACK), "count"
    elif kind == TargetKind.year_on_year_decline:
        method = "yoy"
        if math.isnan(yoy):
            status = NO_DATA
        elif value < yoy or (value == 0 and yoy == 0):
            status = ACHIEVED if q.q == 4 else ON_TRACK
        elif value == yoy:
            status = BEHIND
        elif ind.small_numbers and not ind.denominator and not significant_rise(num, at.get(q.shift(-4), 0)):
            status, method = BEHIND, "yoy_exact"  # 0 -> 2 accidents is within chance: not 严重滞后
        else:
            status = OFF_TRACK
    elif target is None:
        status, method = NO_DATA, "none"
    elif target_met(ind.direction, value, target):
        status = ACHIEVED
    elif start_value is None or math.isnan(start_value):
        status, method = NO_DATA, "none"
    elif target_met(ind.direction, start_value, target):
        status, method = OFF_TRACK, "regression"  # met at the phase start, lost since: deterioration
    else:
        years = _years(start_date, q.end)
        direction = 1.0 if ind.direction == "higher" else -1.0
        obs = cagr(start_value, value, years)
        req = cagr(start_value, target, _years(start_date, target_by)) if target_by else None
        use_growth = (kind not in (TargetKind.cumulative_count, TargetKind.zero) and years >= MIN_YEARS
                      and obs is not None and req not in (None, 0.0))
        if use_growth:
            ratio = direction * obs / abs(req)
        elif completion is not None and time_progress:
            method = "linear"
            ratio = completion / time_progress
        if ratio is None:
            status = NO_DATA
        else:
            status = band(ratio)

    projected = _projection(at, q, target_by) if kind not in (
        TargetKind.none_allowed, TargetKind.year_on_year_decline) else None
    likely = None if projected is None or target is None else target_met(ind.direction, projected, target)
    if status == ACHIEVED and likely is None:
        likely = True

    return Assessment(
        indicator_id=ind.id, name=ind.name, action=ind.action, unit=ind.unit, direction=ind.direction,
        kind=str(kind), value=value, numerator=num, denominator=den,
        baseline=baseline, baseline_period=str(base_q), target=target, target_by=target_by,
        expected=expected, path_start=str(Quarter.of(start_date)),
        path_start_value=None if start_value is None or math.isnan(start_value) else start_value,
        time_progress=time_progress, completion=completion, ratio=ratio, method=method,
        status=status, yoy_value=None if math.isnan(yoy) else yoy,
        yoy_change=None if math.isnan(yoy) or yoy == 0 or math.isnan(value) else (value - yoy) / abs(yoy),
        previous=None if math.isnan(prev) else prev, trend=_trend(value, prev, ind.direction),
        projected=projected, likely_met=likely, ci_low=ci_low, ci_high=ci_high, small_sample=small,
        responsible=ind.responsible, source=ind.source, decimals=ind.decimals, headline=ind.headline)


def _trend(value: float, prev: float, direction: str) -> str:
    """up/down/flat plus whether that is good: 'up_good', 'down_bad', 'flat'."""
    if math.isnan(value) or math.isnan(prev):
        return "none"
    if abs(value - prev) <= 1e-9 * max(1.0, abs(prev)):
        return "flat"
    up = value > prev
    good = up == (direction == "higher")
    return f"{'up' if up else 'down'}_{'good' if good else 'bad'}"


def scorecard(catalog: Catalog, values: pd.DataFrame, unit_id: str, period: str | Quarter,
              series: dict[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """One row per indicator: the assessment at `period` for `unit_id`, in catalog order.
    series: this unit's entry of `unit_series` when already built."""
    q = period if isinstance(period, Quarter) else Quarter.parse(period)
    if series is None:
        series = unit_series(catalog, values[values["unit_id"] == unit_id]).get(unit_id, {})
    rows = [asdict(assess(ind, catalog, values, unit_id, q, series[ind.id] if ind.id in series else empty_series()))
            for ind in catalog.indicators]
    return pd.DataFrame(rows)


def time_progress_of_plan(catalog: Catalog, q: Quarter) -> float:
    """序时进度 of the whole plan at the end of quarter q."""
    p = catalog.plan.period
    return min(1.0, max(0.0, (q.end - p.start).days / (p.end - p.start).days))


def indicator_frame(catalog: Catalog, values: pd.DataFrame) -> pd.DataFrame:
    """Every indicator for every unit and quarter at once: indicator_id, unit_id, period,
    numerator, denominator, value."""
    cols = ["indicator_id", "unit_id", "period", *SERIES_COLUMNS]
    if values.empty or not catalog.indicators:
        return pd.DataFrame(columns=cols)
    wide = _wide(values)
    arr, pos = wide.to_numpy(dtype=float), {c: i for i, c in enumerate(wide.columns)}
    frames = [pd.DataFrame(_indicator_values(ind, catalog, arr, pos), index=wide.index, columns=SERIES_COLUMNS)
              .reset_index().assign(indicator_id=ind.id) for ind in catalog.indicators]
    return pd.concat(frames, ignore_index=True)[cols]
