"""The progress engine: each indicator's value, target for the date, planners' figures and status.

Two vocabularies, one engine (docs/methodology.md states every rule with a worked example):

* the planners' own figures — 完成率 as actual against target per target kind (使用率 for ceilings,
  achieved ÷ required change for reductions, what remains for zero-stock targets), 任务进度 against
  阶段序时进度, 同比 in 百分点 for percentages, deadlines met on time, late or missed;
* the status underneath: before a deadline the Open SDG / Eurostat growth-rate method
  (sdg-build `ProgressMeasure.py`: R = direction · CAGR_observed / |CAGR_required|, bands 0.95 / 0.6;
  the linear ratio 任务进度 ÷ 序时进度 where a growth rate is undefined); at and after a deadline only
  whether the target is met — so a value nearer the target is never graded worse.

Projections stay within what is possible (shares 0–100 %, counts and rates ≥ 0) and never run past
the deadline of the phase they judge."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from datetime import date, timedelta

import numpy as np
import pandas as pd
from scipy.special import bdtrc, gammaincinv

from analysis.method.measures import STOCK
from analysis.plans.catalog import LEVEL_RANK, Catalog, Indicator, Phase, TargetKind
from analysis.plans.periods import Quarter

ACHIEVED, ON_TRACK, BEHIND, OFF_TRACK, MISSED = "achieved", "on_track", "behind", "off_track", "missed"
NO_DATA, NOT_APPLICABLE = "no_data", "not_applicable"
STATUSES = (ACHIEVED, ON_TRACK, BEHIND, OFF_TRACK, MISSED, NO_DATA, NOT_APPLICABLE)
SEVERITY = {ACHIEVED: 0, ON_TRACK: 1, BEHIND: 2, OFF_TRACK: 3, MISSED: 4}
"""Graded statuses from best to worst; 数据不足 and 不单列考核 are not grades."""
BAND_ON_TRACK = 0.95
BAND_BEHIND = 0.6
BAND_FAST = 1.2
"""R at or above which a review grades progress 快于预期 (20 % ahead of the required pace)."""
NEARLY_DONE = 0.95
"""A final review's 基本完成: 完成率 at least 95 % (使用率 at most 105 % for ceilings)."""
SMALL_COUNT = 20
"""Rates whose numerator is below this many events carry the 小样本 flag (unstable)."""
MIN_YEARS = 0.2
"""Below this elapsed time (≈ one quarter) a growth rate says nothing; the linear ratio is used."""

LEVEL_KINDS = (TargetKind.at_least, TargetKind.at_most, TargetKind.change_from_baseline,
               TargetKind.cumulative_count, TargetKind.frequency_compliance, TargetKind.zero)
"""Kinds with a target level and a deadline: 完成率, deadlines, projections apply."""
COMPARISON_KINDS = (TargetKind.year_on_year_decline, TargetKind.contain)
"""Kinds judged against the same period of the previous year."""
ORG_LEVEL_RANK = {"国家": 0, "全国": 0, "省": 1, "市": 2, "区县": 3, "街道": 4, "镇": 4, "社区": 5, "村": 5}
"""Depth of an org unit's level (org_units.level), on the scale of `catalog.LEVEL_RANK`."""


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


def _nan(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


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
    """One indicator at one period for one unit: what the scorecard, the narrative and the reviews show."""

    indicator_id: str
    name: str
    action: str
    unit: str
    direction: str
    kind: str
    window: str
    """The indicator's window, or `stock` for a state at the period end."""
    value: float
    numerator: float
    denominator: float
    baseline: float
    baseline_period: str
    baseline_year_end: bool
    """The baseline is a whole year's figure (a Q4 value of a yearly window): say 2020年, not 2020Q4."""
    target: float | None
    """The level the current phase asks for (for reductions: baseline × (1 + change))."""
    target_by: date | None
    target_change: float | None
    """For change_from_baseline: the phase's change in percent as the plan states it (−15)."""
    target_rule: str | None
    """How the target is read where the plan's words cannot apply as they stand: `not_above_baseline`
    (a reduction on a baseline of fewer events than one unit of change), None otherwise."""
    next_target: float | None
    next_by: date | None
    """The phase after the judged one, if the plan has one."""
    expected: float | None
    """序时目标值 on the path from the phase start to the target (None when the start already met it)."""
    path_start: str
    path_start_value: float | None
    time_progress: float | None
    """阶段序时进度: share of the current phase elapsed."""
    task_progress: float | None
    """任务进度: progress made in the phase ÷ progress the phase requires (negative: 倒退)."""
    completion: float | None
    """完成率 as planners compute it, by `completion_basis`; never negative (None where it means nothing)."""
    completion_basis: str | None
    """ratio (actual ÷ target), usage (actual ÷ ceiling), reduction (achieved ÷ required change),
    remaining (stock left of the phase start), or None."""
    achieved_change: float | None
    """For change_from_baseline: (value − baseline) ÷ baseline."""
    ratio: float | None
    method: str
    status: str
    deadline_state: str | None
    """For the last deadline reached: met_on_time (按期完成), met_late (逾期完成), missed (逾期未完成)."""
    deadline_passed: date | None
    overdue_days: int
    yoy_value: float | None
    yoy_change: float | None
    """Relative change against the same period a year earlier (None when that was zero)."""
    yoy_points: float | None
    """Difference in the indicator's own unit (百分点 for percentages)."""
    previous: float | None
    """The comparable value a quarter earlier (the quarter's own count for year-to-date counts)."""
    current_own: float | None
    """This quarter's own count where `previous` compares quarter counts (None otherwise)."""
    trend: str
    projected: float | None
    likely_met: bool | None
    projection_note: str | None
    """recent_faster / recent_slower where the recent trend and the status disagree."""
    pace_needed: float | None
    """Remaining gap per remaining quarter to the current target (in the indicator's unit)."""
    quarters_left: int | None
    ci_low: float | None
    ci_high: float | None
    small_sample: bool
    responsible: str
    responsible_note: str | None
    source: str
    scope_note: str | None
    decimals: int
    headline: bool


ASSESSMENT_FIELDS = [f.name for f in fields(Assessment)]


def as_row(a: Assessment) -> dict:
    """The assessment as a flat dict (its fields hold no containers: `asdict`'s deep copy is not needed)."""
    return {name: getattr(a, name) for name in ASSESSMENT_FIELDS}


def target_met(direction: str, value: float, target: float) -> bool:
    return value >= target - 1e-9 if direction == "higher" else value <= target + 1e-9


def is_share(ind: Indicator) -> bool:
    """A percentage of a whole (numerator counted within the denominator): bounded by 0–100 %."""
    return ind.unit == "%" and ind.denominator is not None and abs(ind.factor - 100) < 1e-9


def phase_level(kind: TargetKind, value: float | None, baseline: float | None) -> float | None:
    """The level a phase asks for: its value, or for a change the baseline moved by that percent."""
    if kind in (TargetKind.zero, TargetKind.none_allowed):
        return 0.0
    if value is None:
        return None
    if kind == TargetKind.change_from_baseline:
        return None if _nan(baseline) else baseline * (1 + value / 100.0)
    return value


class _Quarters:
    """One indicator's quarterly rows for one unit, looked up by quarter (assess reads a dozen)."""

    def __init__(self, series: pd.DataFrame):
        # the series' columns are SERIES_COLUMNS in order: selecting them again costs more than assess
        self.rows = dict(zip(series.index, series.to_numpy(dtype=float).tolist(), strict=True))

    def get(self, q: Quarter, column: int = 2) -> float:
        """The value (or column 0 numerator, 1 denominator) at q; NaN when absent."""
        row = self.rows.get(str(q))
        return math.nan if row is None else row[column]


def _window(ind: Indicator, catalog: Catalog) -> str:
    return ind.window if catalog.measures[ind.numerator].date else STOCK


def _resets_yearly(ind: Indicator, window: str) -> bool:
    """A count that starts from nothing every January (a year-to-date count without denominator)."""
    return window == "ytd" and ind.denominator is None


@dataclass
class _Phase:
    by: date
    level: float
    change: float | None


def _phases(ind: Indicator, baseline: float | None) -> list[_Phase]:
    kind = ind.target.kind
    out = []
    for p in ind.target.phases:
        level = phase_level(kind, p.value, baseline)
        if level is not None and (p.value is not None or kind in (TargetKind.zero, TargetKind.none_allowed)):
            out.append(_Phase(p.by, level, p.value if kind == TargetKind.change_from_baseline else None))
    return out


def applies_to(ind: Indicator, catalog: Catalog, unit_level: str | None) -> bool:
    """Whether a unit at `unit_level` (org_units.level) is held to the indicator's target."""
    if ind.target.below == "same" or unit_level is None:
        return True
    target_rank = LEVEL_RANK[ind.target.level or catalog.plan.level]
    return ORG_LEVEL_RANK.get(unit_level, target_rank) <= target_rank


def assess(ind: Indicator, catalog: Catalog, values: pd.DataFrame, unit_id: str, q: Quarter,
           series: pd.DataFrame | None = None, unit_level: str | None = None) -> Assessment:
    """One indicator for one unit at quarter q; `series` (from `unit_series`) saves re-deriving it.
    `unit_level` (org_units.level) decides whether the target applies at this unit."""
    if series is None:
        series = indicator_series(ind, catalog, values, unit_id)
    return _Assessor(ind, catalog, _Quarters(series), q, applies_to(ind, catalog, unit_level)).run()


class _Assessor:
    """The steps of `assess`, each a method, sharing the indicator's quarterly rows."""

    def __init__(self, ind: Indicator, catalog: Catalog, at: _Quarters, q: Quarter, applies: bool):
        self.ind, self.catalog, self.at, self.q, self.applies = ind, catalog, at, q, applies
        self.kind = ind.target.kind
        self.end = q.end
        self.window = _window(ind, catalog)

    def run(self) -> Assessment:
        ind, at, q = self.ind, self.at, self.q
        value, num, den = at.get(q), at.get(q, 0), at.get(q, 1)
        plan = self.catalog.plan
        bl = ind.target.baseline
        base_q = Quarter.parse(bl.period) if bl and bl.period else Quarter.of(plan.period.start).shift(-1)
        baseline = bl.value if bl and bl.value is not None else at.get(base_q)
        if self.kind == TargetKind.cumulative_count and (bl is None or bl.value is None):
            baseline = 0.0
        self.baseline, self.base_date = baseline, base_q.end
        phases = _phases(ind, baseline)
        target_rule = None
        if self.kind == TargetKind.change_from_baseline and phases and ind.small_numbers:
            phases, target_rule = self._small_baseline(phases, at.get(base_q, 0))
        self.phases = phases
        current = next((p for p in phases if p.by >= self.end), None)
        passed = [p for p in phases if p.by < self.end]
        judged = current or (passed[-1] if passed else None)

        start_date, start_value = self._phase_start(passed, judged)
        time_progress = expected = task_progress = None
        target = judged.level if judged else None
        if judged and judged.by > start_date:
            time_progress = min(1.0, max(0.0, (self.end - start_date).days / (judged.by - start_date).days))
            if not _nan(start_value) and not target_met(ind.direction, start_value, target):
                expected = start_value + (target - start_value) * time_progress
                if not _nan(value):
                    task_progress = (value - start_value) / (target - start_value)

        deadline_state, deadline_passed, overdue_days = self._deadline(passed, current, value)
        status, method, ratio = self._status(value, num, judged, current, start_date, start_value,
                                             time_progress, task_progress, deadline_state)
        completion, basis, achieved_change = self._completion(value, judged, start_value)
        projected, likely, pace, quarters_left = self._projection(value, current, status)
        note = None
        if likely is True and status in (BEHIND, OFF_TRACK):
            note = "recent_faster"
        elif likely is False and status == ON_TRACK:
            note = "recent_slower"
        yoy = at.get(q.shift(-4))
        previous, current_own = self._previous(value)
        ci_low = ci_high = None
        small = False
        if ind.small_numbers and not _nan(num) and not _nan(value):
            lo, hi = poisson_interval(num)
            scale = ind.factor / den if ind.denominator and den and den > 0 else ind.factor
            ci_low, ci_high = lo * scale, hi * scale
            small = num < SMALL_COUNT
        following = next((p for p in phases if judged and p.by > judged.by), None)
        return Assessment(
            indicator_id=ind.id, name=ind.name, action=ind.action, unit=ind.unit, direction=ind.direction,
            kind=str(self.kind), window=self.window, value=value, numerator=num, denominator=den,
            baseline=baseline, baseline_period=str(base_q),
            baseline_year_end=base_q.q == 4 and self.window in ("ytd", "trailing_4q"),
            target=target, target_by=judged.by if judged else self._comparison_by(),
            target_change=judged.change if judged else None, target_rule=target_rule,
            next_target=following.level if following else None, next_by=following.by if following else None,
            expected=expected, path_start=str(Quarter.of(start_date)),
            path_start_value=None if _nan(start_value) else start_value,
            time_progress=time_progress, task_progress=task_progress, completion=completion,
            completion_basis=basis, achieved_change=achieved_change, ratio=ratio, method=method,
            status=status, deadline_state=deadline_state, deadline_passed=deadline_passed,
            overdue_days=overdue_days, yoy_value=None if _nan(yoy) else yoy,
            yoy_change=None if _nan(yoy) or yoy == 0 or _nan(value) else (value - yoy) / abs(yoy),
            yoy_points=None if _nan(yoy) or _nan(value) else value - yoy,
            previous=previous, current_own=current_own,
            trend=_trend(value if current_own is None else current_own, previous, ind.direction),
            projected=projected, likely_met=likely, projection_note=note, pace_needed=pace,
            quarters_left=quarters_left, ci_low=ci_low, ci_high=ci_high, small_sample=small,
            responsible=ind.responsible, responsible_note=ind.responsible_note, source=ind.source,
            scope_note=ind.scope_note, decimals=ind.decimals, headline=ind.headline)

    def _comparison_by(self) -> date | None:
        """For comparison kinds: the year end the running comparison settles at."""
        if self.kind in COMPARISON_KINDS or self.kind == TargetKind.none_allowed:
            return date(self.q.year, 12, 31) if self.window in ("ytd", "trailing_4q", "quarter") else \
                self.catalog.plan.period.end
        return None

    def _small_baseline(self, phases: list[_Phase], base_count: float) -> tuple[list[_Phase], str | None]:
        """A reduction the baseline cannot carry: fewer baseline events than one event of change
        (2 deaths × 15 % = 0.3). Read as not above the baseline; a baseline of zero events is
        judged at the level above (no status here)."""
        count = base_count
        if _nan(count) or any(p.change is None or p.change >= 0 for p in phases):
            return phases, None
        if all(count * abs(p.change) / 100 >= 1 for p in phases):
            return phases, None
        if count <= 0 or _nan(self.baseline) or self.baseline <= 0:
            self.applies = False
            return phases, "zero_baseline"
        return [_Phase(p.by, self.baseline, p.change) for p in phases], "not_above_baseline"

    def _phase_start(self, passed: list[_Phase], judged: _Phase | None) -> tuple[date, float]:
        """Where the judged phase starts: the previous phase's deadline (its actual value, else
        its target) or the baseline; a year-to-date count starts from zero every January."""
        if passed and judged is not passed[-1]:
            prev = passed[-1]
            start_date, start_value = prev.by, self.at.get(Quarter.of(prev.by))
            if _nan(start_value):
                start_value = prev.level
        elif len(passed) >= 2 and judged is passed[-1]:
            prev = passed[-2]
            start_date, start_value = prev.by, self.at.get(Quarter.of(prev.by))
            if _nan(start_value):
                start_value = prev.level
        else:
            start_date, start_value = self.base_date, self.baseline
        if _resets_yearly(self.ind, self.window):
            jan = date(self.q.year, 1, 1) - timedelta(days=1)
            if jan >= start_date:
                start_date, start_value = jan, 0.0
        return start_date, start_value

    def _deadline(self, passed: list[_Phase], current: _Phase | None, value: float):
        """The state of the last deadline reached (this quarter's included)."""
        if not passed and not (current and current.by == self.end):
            return None, None, 0
        if self.kind not in LEVEL_KINDS:
            return None, None, 0
        p = current if current and current.by == self.end else passed[-1]
        at_deadline = self.at.get(Quarter.of(p.by))
        if not _nan(at_deadline) and target_met(self.ind.direction, at_deadline, p.level):
            return "met_on_time", p.by, 0
        if not _nan(value) and target_met(self.ind.direction, value, p.level):
            return "met_late", p.by, 0
        if _nan(value) and _nan(at_deadline):
            return None, p.by, 0
        return "missed", p.by, (self.end - p.by).days

    def _status(self, value, num, judged, current, start_date, start_value, time_progress, task_progress,
                deadline_state) -> tuple[str, str, float | None]:
        ind, kind = self.ind, self.kind
        if not self.applies:
            return NOT_APPLICABLE, "none", None
        if _nan(value):
            return NO_DATA, "none", None
        if kind == TargetKind.none_allowed:
            return (ACHIEVED if value <= 0 else MISSED), "count", None
        if kind in COMPARISON_KINDS:
            return self._comparison(value, num)
        if judged is None:
            return NO_DATA, "none", None
        if target_met(ind.direction, value, judged.level):
            return ACHIEVED, "level", None
        if current is None or current.by <= self.end:
            # the deadline has come: met or not, no pace any more; met then and lost since is 滞后
            return (BEHIND, "relapse", None) if deadline_state == "met_on_time" else (MISSED, "deadline", None)
        if _nan(start_value):
            return NO_DATA, "none", None
        if target_met(ind.direction, start_value, judged.level):
            return OFF_TRACK, "regression", None  # met at the phase start, lost since
        years = _years(start_date, self.end)
        direction = 1.0 if ind.direction == "higher" else -1.0
        obs = cagr(start_value, value, years)
        req = cagr(start_value, judged.level, _years(start_date, judged.by))
        if (kind not in (TargetKind.cumulative_count, TargetKind.zero) and not _resets_yearly(ind, self.window)
                and years >= MIN_YEARS and obs is not None and req not in (None, 0.0)):
            ratio = direction * obs / abs(req)
            return band(ratio), "growth", ratio
        if task_progress is not None and time_progress:
            ratio = task_progress / time_progress
            return band(ratio), "linear", ratio
        return NO_DATA, "none", None

    def _comparison(self, value: float, num: float) -> tuple[str, str, float | None]:
        """逐年下降 (below last year) and 遏制 (not above it), against the same period a year earlier;
        the fourth quarter settles the year. A rise in a small count is 滞后 unless beyond chance."""
        before = self.at.get(self.q.shift(-4))
        if _nan(before):
            return NO_DATA, "none", None
        if self.kind == TargetKind.contain:
            ok = value <= before
        else:
            ok = value < before or value == before == 0
        final = self.q.q == 4
        if ok:
            return (ACHIEVED if final else ON_TRACK), "yoy", None
        if final:
            return MISSED, "yoy", None
        if value == before:
            return BEHIND, "yoy", None
        if self.ind.small_numbers and not self.ind.denominator and not significant_rise(
                num, self.at.get(self.q.shift(-4), 0)):
            return BEHIND, "yoy_exact", None  # 0 -> 2 accidents is within chance: not 严重滞后
        return OFF_TRACK, "yoy", None

    def _completion(self, value, judged, start_value) -> tuple[float | None, str | None, float | None]:
        """完成率 as planners compute it for the target kind; None where the ratio means nothing."""
        kind = self.kind
        if _nan(value) or judged is None or kind not in LEVEL_KINDS:
            return None, None, None
        if kind == TargetKind.change_from_baseline:
            if _nan(self.baseline) or self.baseline <= 0 or not judged.change:
                return None, None, None
            achieved = (value - self.baseline) / self.baseline
            required = (judged.level - self.baseline) / self.baseline
            if required == 0:  # not above the baseline: a ceiling
                return (value / judged.level if judged.level > 0 else None), "usage", achieved
            share = achieved / required
            return (share if share >= 0 else None), "reduction", achieved
        if kind == TargetKind.zero:
            if _nan(start_value) or start_value <= 0:
                return (1.0 if value <= 0 else None), "remaining", None
            return max(0.0, (start_value - value) / start_value), "remaining", None
        if judged.level <= 0:
            return None, None, None
        return max(0.0, value / judged.level), ("usage" if kind == TargetKind.at_most else "ratio"), None

    def _bounds(self) -> tuple[float, float]:
        return 0.0, (100.0 if is_share(self.ind) else math.inf)

    def _projection(self, value: float, current: _Phase | None, status: str):
        """Bounded straight-line projection to the current phase's deadline, and the pace still
        needed; nothing once the deadline has come or for kinds without a level."""
        if (self.kind not in LEVEL_KINDS or current is None or current.by <= self.end or _nan(value)
                or status in (NOT_APPLICABLE, NO_DATA)):
            return None, (True if status == ACHIEVED and current else None), None, None
        quarters_left = max(1, Quarter.of(current.by) - self.q)
        lo, hi = self._bounds()
        if _resets_yearly(self.ind, self.window):
            # a count within the year: at this year's pace to the year end (or the deadline's)
            per_quarter = value / self.q.q
            projected = value + per_quarter * quarters_left if current.by.year == self.q.year else None
        else:
            pts = [(-i, self.at.get(self.q.shift(-i))) for i in range(4)]
            pts = [(x, v) for x, v in pts if not _nan(v)]
            projected = None
            if len(pts) >= 2:
                projected = _line_at(pts, quarters_left)
        if projected is not None:
            projected = min(hi, max(lo, projected))
        met = target_met(self.ind.direction, value, current.level)
        likely = True if met else (None if projected is None else target_met(
            self.ind.direction, projected, current.level))
        pace = None if met else (current.level - value) / quarters_left
        return projected, likely, pace, quarters_left

    def _previous(self, value: float) -> tuple[float | None, float | None]:
        """The quarter before, compared like with like: year-to-date and plan-to-date counts only
        grow, so their quarters' own counts are compared instead."""
        q = self.q
        prev = self.at.get(q.shift(-1))
        if self.ind.denominator is None and self.window in ("ytd", "plan_to_date"):
            own_now = self._own(q)
            own_prev = self._own(q.shift(-1))
            return (None if _nan(own_prev) else own_prev), (None if _nan(own_now) else own_now)
        return (None if _nan(prev) else prev), None

    def _own(self, q: Quarter) -> float:
        """A cumulative count's own quarter: this quarter's total less the previous one's (the
        first quarter of a year-to-date count, or of the plan, is its own)."""
        now = self.at.get(q)
        first = q.q == 1 if self.window == "ytd" else q == Quarter.of(self.catalog.plan.period.start)
        return now if first else now - self.at.get(q.shift(-1))


def _line_at(points: list[tuple[float, float]], x: float) -> float:
    """The least-squares line through a few (x, y) points, at x (numpy's polyfit costs more than assess)."""
    n = len(points)
    mx = sum(p[0] for p in points) / n
    my = sum(p[1] for p in points) / n
    sxx = sum((p[0] - mx) ** 2 for p in points)
    slope = sum((p[0] - mx) * (p[1] - my) for p in points) / sxx
    return my + slope * (x - mx)


def _trend(value: float, prev: float | None, direction: str) -> str:
    """up/down/flat plus whether that is good: 'up_good', 'down_bad', 'flat'."""
    if _nan(value) or _nan(prev):
        return "none"
    if abs(value - prev) <= 1e-9 * max(1.0, abs(prev)):
        return "flat"
    up = value > prev
    good = up == (direction == "higher")
    return f"{'up' if up else 'down'}_{'good' if good else 'bad'}"


def grade(a: dict | Assessment, stage: str) -> str:
    """The grade a review gives (labels `grade`): mid-term 提前实现 / 快于预期 / 基本符合预期 / 滞后 / 未完成,
    final 完成 / 基本完成 / 未完成 — mapped from the statuses and the growth-rate bands."""
    a = a if isinstance(a, dict) else as_row(a)
    status = a["status"]
    if status in (NO_DATA, NOT_APPLICABLE):
        return status
    if stage == "final":
        if status == ACHIEVED:
            return "done"
        c = a["completion"]
        nearly = c is not None and (c <= 2 - NEARLY_DONE if a["completion_basis"] == "usage" else c >= NEARLY_DONE)
        return "nearly_done" if nearly and a["completion_basis"] not in (None, "remaining") else "not_done"
    if status == ACHIEVED:
        return "ahead" if a["next_target"] is None else "faster"
    if status == ON_TRACK:
        return "faster" if (a["ratio"] or 0) >= BAND_FAST else "as_expected"
    return "not_done" if status == MISSED else "behind"


def scorecard(catalog: Catalog, values: pd.DataFrame, unit_id: str, period: str | Quarter,
              series: dict[str, pd.DataFrame] | None = None, unit_level: str | None = None) -> pd.DataFrame:
    """One row per indicator: the assessment at `period` for `unit_id`, in catalog order.
    series: this unit's entry of `unit_series` when already built."""
    q = period if isinstance(period, Quarter) else Quarter.parse(period)
    if series is None:
        series = unit_series(catalog, values[values["unit_id"] == unit_id]).get(unit_id, {})
    rows = [as_row(assess(ind, catalog, values, unit_id, q, series[ind.id] if ind.id in series else empty_series(),
                          unit_level)) for ind in catalog.indicators]
    return pd.DataFrame(rows, columns=ASSESSMENT_FIELDS)


def time_progress_of_plan(catalog: Catalog, q: Quarter) -> float:
    """规划序时进度 of the whole plan at the end of quarter q."""
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


def phase_levels(ind: Indicator, baseline: float | None) -> list[tuple[Phase, float]]:
    """Every phase with a level and that level (reviews judge each)."""
    return [(p, lvl) for p in ind.target.phases
            if (lvl := phase_level(ind.target.kind, p.value, baseline)) is not None
            and (p.value is not None or ind.target.kind in (TargetKind.zero, TargetKind.none_allowed))]
