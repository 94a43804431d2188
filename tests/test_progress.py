"""Progress engine against hand-computed expectations: every target kind before its deadline, at it,
after it met and after it missed, zero and tiny baselines, bounded projections, 同比 and 环比."""

import math
from datetime import date

import pandas as pd
import pytest

from analysis.method.progress import assess, grade, poisson_interval, significant_rise
from analysis.plans.catalog import Catalog
from analysis.plans.periods import Quarter


def make_catalog(target: dict, direction="higher", window="quarter", dated=False, denominator=True,
                 unit="%", small_numbers=False) -> Catalog:
    measures = {
        "num": {"label": "n", "table": "drills", **({"date": "drill_date"} if dated else {})},
        "den": {"label": "d", "table": "enterprises"},
    }
    return Catalog.model_validate({
        "plan": {"id": "t", "title": "测试规划", "issuer": "测试", "level": "district", "org_unit": "U",
                 "org_unit_name": "U", "period": {"start": "2024-01-01", "end": "2026-12-31"},
                 "actions": [{"id": "A1", "title": "行动一"}]},
        "measures": measures,
        "indicators": [{"id": "x", "name": "指标", "action": "A1", "numerator": "num",
                        "denominator": "den" if denominator else None, "factor": 100 if denominator else 1,
                        "direction": direction, "window": window, "target": target, "unit": unit,
                        "responsible": "应急办", "source": "原文", "small_numbers": small_numbers}],
    })


def values(series: dict[str, float], den: float | None = 100.0, window="stock") -> pd.DataFrame:
    """num/den measure values for unit U; with den=100 and factor 100 the value equals the numerator."""
    rows = [("num", window, "U", p, v) for p, v in series.items()]
    if den is not None:
        rows += [("den", "stock", "U", p, den) for p in series]
    return pd.DataFrame(rows, columns=["measure", "window", "unit_id", "period", "value"])


def run(target, series, q, den=100.0, level=None, **kw):
    c = make_catalog(target, **kw)
    window = c.indicators[0].window if kw.get("dated") else "stock"
    return assess(c.indicators[0], c, values(series, den, window), "U", Quarter.parse(q), unit_level=level)


COVERAGE = {"kind": "at_least", "phases": [{"by": "2024-12-31", "value": 60}, {"by": "2025-12-31", "value": 100}],
            "baseline": {"value": 20}}
ONE_DEADLINE = {"kind": "at_least", "phases": [{"by": "2024-12-31", "value": 100}], "baseline": {"value": 50}}


# --- before the deadline: the growth-rate method, the planners' figures beside it ---------------

@pytest.mark.parametrize("value, status, ratio", [
    (40.0, "on_track", 1.5147),   # CAGR (40/20)^(1/0.4983)-1 = 3.0192 over required 1.9933
    (32.0, "behind", 0.7868),     # (1.6)^(2.0069)-1 = 1.5683 -> 0.7868
    (24.0, "off_track", 0.2217),  # (1.2)^(2.0069)-1 = 0.4418 -> 0.2217
    (65.0, "achieved", None),
])
def test_at_least_before_the_deadline(value, status, ratio):
    a = run(COVERAGE, {"2024Q2": value}, "2024Q2")
    assert a.status == status
    assert a.target == 60 and a.target_by == date(2024, 12, 31)
    assert a.time_progress == pytest.approx(182 / 366)              # 阶段序时进度
    assert a.completion == pytest.approx(value / 60)                # 完成率 = actual ÷ target
    assert a.completion_basis == "ratio"
    if status != "achieved":
        assert a.task_progress == pytest.approx((value - 20) / 40)  # 任务进度 within the phase
        assert a.method == "growth" and a.ratio == pytest.approx(ratio, abs=1e-3)
    assert a.deadline_state is None and a.overdue_days == 0


def test_second_phase_starts_from_the_first_deadline_value():
    a = run(COVERAGE, {"2024Q4": 50.0, "2025Q2": 70.0}, "2025Q2")
    assert a.target == 100 and a.path_start == "2024Q4" and a.path_start_value == 50
    assert a.task_progress == pytest.approx(20 / 50)
    assert a.completion == pytest.approx(0.70)
    assert a.time_progress == pytest.approx(181 / 365)
    assert a.expected == pytest.approx(50 + 50 * 181 / 365)
    # the 2024 phase (60 %) was missed at its deadline and is met now: 逾期完成
    assert (a.deadline_state, a.deadline_passed, a.overdue_days) == ("met_late", date(2024, 12, 31), 0)
    still = run(COVERAGE, {"2024Q4": 50.0, "2025Q2": 55.0}, "2025Q2")  # still below 60: 逾期未完成, 181 days
    assert (still.deadline_state, still.deadline_passed, still.overdue_days) == ("missed", date(2024, 12, 31), 181)


# --- at and after the deadline: met or not, nothing else ------------------------------------------

def test_missed_at_its_own_deadline_is_not_on_track():
    """全福 2024Q4: 96.7 % against 100 % due 2024-12-31 showed ● 正常推进."""
    a = run(ONE_DEADLINE, {"2024Q4": 96.7}, "2024Q4")
    assert (a.status, a.deadline_state, a.overdue_days) == ("missed", "missed", 0)
    assert a.projected is None and a.pace_needed is None  # no forecast of a date that has come


def test_met_at_the_deadline_is_on_time():
    a = run(ONE_DEADLINE, {"2024Q4": 100.0}, "2024Q4")
    assert (a.status, a.deadline_state) == ("achieved", "met_on_time")


def test_after_the_deadline_missed_is_overdue_with_days():
    a = run(ONE_DEADLINE, {"2024Q4": 96.0, "2025Q3": 97.9}, "2025Q3")
    assert (a.status, a.deadline_state) == ("missed", "missed")
    assert a.overdue_days == (date(2025, 9, 30) - date(2024, 12, 31)).days == 273
    assert a.target == 100 and a.target_by == date(2024, 12, 31) and a.next_target is None


def test_after_the_deadline_met_late():
    a = run(ONE_DEADLINE, {"2024Q4": 96.0, "2025Q3": 100.0}, "2025Q3")
    assert (a.status, a.deadline_state, a.overdue_days) == ("achieved", "met_late", 0)


def test_same_target_same_deadline_same_severity():
    """居民小区烟感覆盖率 97.9 % was 严重滞后 while 承保机构全员培训 82.6 % was 滞后 (both ≥ 100 % by
    2024-12-31, assessed 2025Q3): after the deadline only met or not counts."""
    near = run({**ONE_DEADLINE, "baseline": {"value": 97.0}}, {"2024Q4": 97.5, "2025Q3": 97.9}, "2025Q3")
    far = run({**ONE_DEADLINE, "baseline": {"value": 40.0}}, {"2024Q4": 70.0, "2025Q3": 82.6}, "2025Q3")
    assert near.status == far.status == "missed"


@pytest.mark.parametrize("q", ["2024Q2", "2024Q3"])
def test_severity_is_monotone_in_the_value(q):
    order = {"achieved": 0, "on_track": 1, "behind": 2, "off_track": 3, "missed": 4}
    grades = [order[run(COVERAGE, {q: v}, q).status] for v in range(21, 70, 3)]
    assert grades == sorted(grades, reverse=True)


# --- the other kinds --------------------------------------------------------------------------------

def test_zero_baseline_uses_the_linear_ratio():
    a = run({**COVERAGE, "baseline": {"value": 0}}, {"2024Q2": 30.0}, "2024Q2")
    assert a.method == "linear"
    assert a.ratio == pytest.approx((30 / 60) / (182 / 366))
    assert a.status == "on_track"


def test_met_at_start_then_lost_is_deterioration():
    a = run({**COVERAGE, "baseline": {"value": 70}}, {"2024Q2": 55.0}, "2024Q2")
    assert (a.status, a.method) == ("off_track", "regression")
    assert a.expected is None  # the path would move away from the target: none is drawn


def test_at_most_shows_the_share_of_the_ceiling_used():
    a = run({"kind": "at_most", "phases": [{"by": "2025-12-31", "value": 0.01}], "baseline": {"value": 0.02}},
            {"2024Q4": 0.018}, "2024Q4", den=None, direction="lower", denominator=False, unit="人/亿元")
    # observed CAGR (0.9)^(1/1.00205)-1 = -0.09981; required (0.5)^(1/2.00137)-1 = -0.29272
    assert a.ratio == pytest.approx(0.34097, abs=1e-3)
    assert a.status == "off_track"
    assert (a.completion_basis, a.completion) == ("usage", pytest.approx(1.8))


def test_ceiling_met_reads_as_usage_not_a_negative_completion():
    """道路交通万车死亡率 0.11 (≤ 1.35, 已达标) showed 完成率 −64 %."""
    a = run({"kind": "at_most", "phases": [{"by": "2025-12-31", "value": 1.35}], "baseline": {"value": 1.6}},
            {"2024Q4": 0.11}, "2024Q4", den=None, direction="lower", denominator=False, unit="人/万车")
    assert a.status == "achieved"
    assert (a.completion_basis, a.completion) == ("usage", pytest.approx(0.11 / 1.35))


def test_reduction_completion_is_achieved_over_required_change():
    """死亡人数 较2020年下降15%: baseline 14 → ceiling 11.9; 4 deaths is a 71.4 % reduction."""
    target = {"kind": "change_from_baseline", "phases": [{"by": "2025-12-31", "value": -15}],
              "baseline": {"value": 14}}
    a = run(target, {"2025Q3": 4.0}, "2025Q3", den=None, direction="lower", denominator=False, unit="人")
    assert a.target == pytest.approx(11.9) and a.target_change == -15
    assert a.achieved_change == pytest.approx(-10 / 14)
    assert (a.completion_basis, a.completion) == ("reduction", pytest.approx((10 / 14) / 0.15))
    assert a.status == "achieved"
    rose = run(target, {"2025Q4": 16.0}, "2025Q4", den=None, direction="lower", denominator=False, unit="人")
    assert rose.completion is None and rose.achieved_change == pytest.approx(2 / 14)  # never negative
    assert rose.status == "missed"


def test_reduction_on_a_tiny_baseline_reads_as_not_above_it():
    """3 deaths × 15 % is less than one death: the target is not above the baseline (≤ 3)."""
    target = {"kind": "change_from_baseline", "phases": [{"by": "2025-12-31", "value": -15}],
              "baseline": {"period": "2023Q4"}}
    kw = {"den": None, "direction": "lower", "denominator": False, "unit": "人", "small_numbers": True}
    a = run(target, {"2023Q4": 3.0, "2024Q4": 2.0}, "2024Q4", **kw)
    assert (a.target_rule, a.target, a.status) == ("not_above_baseline", 3.0, "achieved")
    assert a.completion_basis == "usage"
    zero = run(target, {"2023Q4": 0.0, "2024Q4": 1.0}, "2024Q4", **kw)
    assert (zero.target_rule, zero.status) == ("zero_baseline", "not_applicable")
    big = run(target, {"2023Q4": 14.0, "2024Q4": 12.0}, "2024Q4", **kw)
    assert big.target_rule is None and big.target == pytest.approx(11.9)


def test_zero_stock_shows_what_remains():
    target = {"kind": "zero", "phases": [{"by": "2025-12-31", "value": 0}], "baseline": {"value": 10}}
    kw = {"den": None, "direction": "lower", "denominator": False, "unit": "项"}
    a = run(target, {"2024Q2": 4.0}, "2024Q2", **kw)
    assert a.method == "linear"
    assert (a.completion_basis, a.completion) == ("remaining", pytest.approx(0.6))
    assert a.time_progress == pytest.approx(182 / 731)
    assert a.status == "on_track"
    assert run(target, {"2024Q2": 0.0}, "2024Q2", **kw).status == "achieved"


def test_cumulative_count_is_done_over_required():
    target = {"kind": "cumulative_count", "phases": [{"by": "2024-12-31", "value": 3}, {"by": "2025-12-31", "value": 6}]}
    a = run(target, {"2024Q3": 2.0}, "2024Q3", den=None, denominator=False, unit="个")
    assert a.baseline == 0 and a.completion == pytest.approx(2 / 3)
    assert a.ratio == pytest.approx((2 / 3) / (274 / 366))
    assert a.status == "behind"
    assert a.pace_needed == pytest.approx(1.0) and a.quarters_left == 1


def test_yearly_count_starts_from_zero_each_january():
    """≥1 专项督查 a year (a year-to-date count): the 2025 phase starts from 0, not from 2024's total."""
    target = {"kind": "at_least", "phases": [{"by": "2024-12-31", "value": 1}, {"by": "2025-12-31", "value": 1}]}
    kw = {"den": None, "denominator": False, "unit": "次", "window": "ytd", "dated": True}
    a = run(target, {"2024Q4": 2.0, "2025Q2": 0.0}, "2025Q2", **kw)
    assert a.path_start_value == 0 and a.path_start == "2024Q4"
    assert a.expected == pytest.approx(181 / 365)  # the path rises from 0, it never falls from 2 to 1
    assert (a.method, a.status) == ("linear", "off_track")
    assert run(target, {"2024Q4": 2.0, "2025Q2": 1.0}, "2025Q2", **kw).status == "achieved"


def test_expected_path_never_moves_away_from_the_target():
    a = run({"kind": "at_least", "phases": [{"by": "2025-12-31", "value": 1}], "baseline": {"value": 2}},
            {"2024Q2": 3.0}, "2024Q2", den=None, denominator=False, unit="次")
    assert a.status == "achieved" and a.expected is None


@pytest.mark.parametrize("value, status", [(0.0, "achieved"), (1.0, "missed")])
def test_none_allowed(value, status):
    assert run({"kind": "none_allowed"}, {"2024Q3": value}, "2024Q3", den=None, direction="lower",
               denominator=False, unit="起").status == status


@pytest.mark.parametrize("kind, now, before, q, status", [
    ("year_on_year_decline", 3.0, 5.0, 3, "on_track"), ("year_on_year_decline", 3.0, 5.0, 4, "achieved"),
    ("year_on_year_decline", 4.0, 4.0, 3, "behind"), ("year_on_year_decline", 6.0, 4.0, 3, "off_track"),
    ("year_on_year_decline", 0.0, 0.0, 3, "on_track"), ("year_on_year_decline", 4.0, 4.0, 4, "missed"),
    ("contain", 4.0, 4.0, 3, "on_track"), ("contain", 4.0, 4.0, 4, "achieved"),  # 遏制: not above
    ("contain", 6.0, 4.0, 3, "off_track"), ("contain", 5.0, 4.0, 4, "missed"),
])
def test_comparisons_with_last_year(kind, now, before, q, status):
    a = run({"kind": kind}, {f"2024Q{q}": now, f"2023Q{q}": before}, f"2024Q{q}", den=None, direction="lower",
            denominator=False, unit="起")
    assert a.status == status
    assert a.completion is None and a.projected is None


@pytest.mark.parametrize("now, before, status", [
    (2.0, 0.0, "behind"), (5.0, 1.0, "behind"),  # small counts: a rise within chance is 滞后, not 严重滞后
    (12.0, 3.0, "off_track"), (4.0, 4.0, "behind"), (1.0, 3.0, "on_track"),
])
def test_year_on_year_small_numbers_use_an_exact_test(now, before, status):
    a = run({"kind": "year_on_year_decline"}, {"2024Q3": now, "2023Q3": before}, "2024Q3", den=None,
            direction="lower", denominator=False, unit="起", small_numbers=True)
    assert a.status == status
    assert (a.method == "yoy_exact") == (status == "behind" and now > before)


# --- no data, level of application ------------------------------------------------------------------

def test_missing_value_is_no_data_with_no_interval():
    a = run(COVERAGE, {"2024Q2": float("nan")}, "2024Q2", small_numbers=True)
    assert a.status == "no_data" and a.ci_low is None  # no "95%区间 0–3.69" for a value that is not there


def test_zero_denominator_is_no_data_not_zero():
    a = run(COVERAGE, {"2024Q2": 5.0}, "2024Q2", den=0.0)
    assert math.isnan(a.value) and a.status == "no_data"


def test_unit_without_rows_is_no_data():
    c = make_catalog(COVERAGE)
    assert assess(c.indicators[0], c, values({"2024Q2": 40.0}), "OTHER", Quarter(2024, 2)).status == "no_data"


def test_a_district_target_is_not_held_against_a_street():
    target = {"kind": "cumulative_count", "phases": [{"by": "2025-12-31", "value": 6}], "below": "none"}
    kw = {"den": None, "denominator": False, "unit": "个"}
    assert run(target, {"2024Q4": 1.0}, "2024Q4", level="街道", **kw).status == "not_applicable"
    # 3 of 6 at half time (366 of 731 days): 任务进度 0.5 ÷ 序时进度 0.5007 = 0.9986
    assert run(target, {"2024Q4": 3.0}, "2024Q4", level="区县", **kw).status == "on_track"
    same = {**target, "below": "same"}
    assert run(same, {"2024Q4": 3.0}, "2024Q4", level="街道", **kw).status == "on_track"


# --- projections, 同比, 环比 ---------------------------------------------------------------------------

def test_projection_of_a_share_stays_within_100_percent():
    target = {"kind": "at_least", "phases": [{"by": "2026-12-31", "value": 100}], "baseline": {"value": 60}}
    a = run(target, {"2024Q1": 70.0, "2024Q2": 80.0, "2024Q3": 90.0, "2024Q4": 99.0}, "2024Q4")
    assert a.projected == 100.0 and a.likely_met is True


def test_projection_of_a_count_never_goes_below_zero():
    target = {"kind": "zero", "phases": [{"by": "2026-12-31", "value": 0}], "baseline": {"value": 10}}
    a = run(target, {"2024Q1": 8.0, "2024Q2": 6.0, "2024Q3": 4.0, "2024Q4": 2.0}, "2024Q4", den=None,
            direction="lower", denominator=False, unit="项")
    assert a.projected == 0.0 and a.likely_met is True


def test_pace_still_needed():
    a = run(COVERAGE, {"2024Q4": 60.0, "2025Q1": 70.0, "2025Q2": 80.0}, "2025Q2")
    assert a.quarters_left == 2 and a.pace_needed == pytest.approx(10.0)


def test_projection_that_disagrees_with_the_status_is_explained():
    # slow since the phase start (R = 0.39/0.41 = 0.945) but fast in the last quarters: the line
    # through 50, 55, 68, 82 reaches 101.9 by 2025Q4: 可达标（近期加快）
    target = {"kind": "at_least", "phases": [{"by": "2025-12-31", "value": 100}], "baseline": {"value": 50}}
    a = run(target, {"2024Q3": 50.0, "2024Q4": 55.0, "2025Q1": 68.0, "2025Q2": 82.0}, "2025Q2")
    assert a.status in ("behind", "off_track") and a.likely_met is True
    assert a.projection_note == "recent_faster"


def test_year_on_year_of_a_percentage_in_points():
    a = run(COVERAGE, {"2023Q2": 48.0, "2024Q2": 84.3}, "2024Q2")
    assert a.yoy_points == pytest.approx(36.3) and a.yoy_value == 48.0


def test_quarter_on_quarter_of_a_year_to_date_count_compares_quarters():
    """Year-to-date counts only rise within a year: the quarters' own counts are compared."""
    a = run({"kind": "year_on_year_decline"}, {"2024Q1": 2.0, "2024Q2": 5.0, "2024Q3": 6.0}, "2024Q3",
            den=None, direction="lower", denominator=False, unit="起", window="ytd", dated=True)
    assert (a.current_own, a.previous, a.trend) == (1.0, 3.0, "down_good")


# --- review grades ----------------------------------------------------------------------------------

def test_review_grades():
    ahead = run(ONE_DEADLINE, {"2024Q2": 100.0}, "2024Q2")
    assert grade(ahead, "midterm") == "ahead"
    interim = run(COVERAGE, {"2024Q2": 65.0}, "2024Q2")
    assert grade(interim, "midterm") == "faster"  # met the 2024 target, 2025's still ahead
    assert grade(run(COVERAGE, {"2024Q2": 40.0}, "2024Q2"), "midterm") == "faster"  # R 1.51 ≥ 1.2
    assert grade(run(COVERAGE, {"2024Q2": 32.0}, "2024Q2"), "midterm") == "behind"
    assert grade(run(ONE_DEADLINE, {"2024Q4": 90.0}, "2024Q4"), "midterm") == "not_done"
    assert grade(run(ONE_DEADLINE, {"2024Q4": 100.0}, "2024Q4"), "final") == "done"
    assert grade(run(ONE_DEADLINE, {"2024Q4": 96.0}, "2024Q4"), "final") == "nearly_done"  # 96 % of 100 %
    assert grade(run(ONE_DEADLINE, {"2024Q4": 90.0}, "2024Q4"), "final") == "not_done"


def test_significant_rise_matches_the_binomial_tail():
    from scipy.stats import binomtest

    for now, before in ((2, 0), (5, 1), (12, 3), (30, 20), (9, 2)):
        p = binomtest(now, now + before, 0.5, alternative="greater").pvalue
        assert significant_rise(now, before) == (p < 0.05), (now, before, p)


def test_poisson_interval_exact():
    assert poisson_interval(0) == pytest.approx((0.0, 3.6889), abs=1e-3)
    assert poisson_interval(5) == pytest.approx((1.6235, 11.6683), abs=1e-3)


def test_met_at_the_deadline_and_lower_since_is_behind_not_missed():
    a = run(ONE_DEADLINE, {"2024Q4": 100.0, "2025Q3": 98.0}, "2025Q3")
    assert (a.status, a.method, a.deadline_state) == ("behind", "relapse", "met_on_time")
