"""Progress engine against hand-computed expectations, one case per target kind and status band."""

import math

import pandas as pd
import pytest

from analysis.method.progress import assess, poisson_interval, significant_rise
from analysis.plans.catalog import Catalog
from analysis.plans.periods import Quarter


def make_catalog(target: dict, direction="higher", window="quarter", dated=False, denominator=True) -> Catalog:
    measures = {
        "num": {"label": "n", "table": "drills", **({"date": "drill_date"} if dated else {})},
        "den": {"label": "d", "table": "enterprises"},
    }
    return Catalog.model_validate({
        "plan": {"id": "t", "title": "测试规划", "issuer": "测试", "level": "street", "org_unit": "U",
                 "org_unit_name": "U", "period": {"start": "2024-01-01", "end": "2026-12-31"},
                 "actions": [{"id": "A1", "title": "行动一"}]},
        "measures": measures,
        "indicators": [{"id": "x", "name": "指标", "action": "A1", "numerator": "num",
                        "denominator": "den" if denominator else None, "factor": 100 if denominator else 1,
                        "direction": direction, "window": window, "target": target,
                        "responsible": "应急办", "source": "原文"}],
    })


def values(series: dict[str, float], den: float | None = 100.0, window="stock") -> pd.DataFrame:
    """num/den measure values for unit U; with den=100 and factor 100 the value equals the numerator."""
    rows = [("num", window, "U", p, v) for p, v in series.items()]
    if den is not None:
        rows += [("den", "stock", "U", p, den) for p in series]
    return pd.DataFrame(rows, columns=["measure", "window", "unit_id", "period", "value"])


COVERAGE = {"kind": "at_least", "phases": [{"by": "2024-12-31", "value": 60}, {"by": "2025-12-31", "value": 100}],
            "baseline": {"value": 20}}


@pytest.mark.parametrize("value, status, ratio", [
    (40.0, "on_track", 1.5147),   # CAGR (40/20)^(1/0.4983)-1 = 3.0192 over required 1.9933
    (32.0, "behind", 0.7868),     # (1.6)^(2.0069)-1 = 1.5683 -> 0.7868
    (24.0, "off_track", 0.2217),  # (1.2)^(2.0069)-1 = 0.4418 -> 0.2217
    (65.0, "achieved", None),
])
def test_at_least_growth_bands(value, status, ratio):
    c = make_catalog(COVERAGE)
    a = assess(c.indicators[0], c, values({"2024Q2": value}), "U", Quarter(2024, 2))
    assert a.status == status
    assert a.target == 60 and str(a.target_by) == "2024-12-31"
    assert a.time_progress == pytest.approx(182 / 366)
    assert a.completion == pytest.approx((value - 20) / 40)
    if ratio is None:
        assert a.ratio is None
    else:
        assert a.method == "growth"
        assert a.ratio == pytest.approx(ratio, abs=1e-3)


def test_second_phase_starts_from_first_deadline_value():
    c = make_catalog(COVERAGE)
    v = values({"2024Q4": 50.0, "2025Q2": 70.0})
    a = assess(c.indicators[0], c, v, "U", Quarter(2025, 2))
    assert a.target == 100 and a.path_start == "2024Q4" and a.path_start_value == 50
    assert a.completion == pytest.approx(20 / 50)
    assert a.time_progress == pytest.approx(181 / 365)
    assert a.expected == pytest.approx(50 + 50 * 181 / 365)


def test_missing_value_is_no_data():
    c = make_catalog(COVERAGE)
    a = assess(c.indicators[0], c, values({"2024Q2": float("nan")}), "U", Quarter(2024, 2))
    assert a.status == "no_data"


def test_zero_denominator_is_no_data_not_zero():
    c = make_catalog(COVERAGE)
    a = assess(c.indicators[0], c, values({"2024Q2": 5.0}, den=0.0), "U", Quarter(2024, 2))
    assert math.isnan(a.value) and a.status == "no_data"


def test_unit_without_rows_is_no_data():
    c = make_catalog(COVERAGE)
    a = assess(c.indicators[0], c, values({"2024Q2": 40.0}), "OTHER", Quarter(2024, 2))
    assert a.status == "no_data"


def test_target_met_at_baseline_is_achieved():
    c = make_catalog({**COVERAGE, "baseline": {"value": 70}})
    a = assess(c.indicators[0], c, values({"2024Q1": 70.0}), "U", Quarter(2024, 1))
    assert a.status == "achieved"


def test_met_at_start_then_lost_is_deterioration():
    c = make_catalog({**COVERAGE, "baseline": {"value": 70}})
    a = assess(c.indicators[0], c, values({"2024Q4": 55.0}), "U", Quarter(2024, 4))
    assert (a.status, a.method) == ("off_track", "regression")


def test_zero_baseline_uses_linear_ratio():
    c = make_catalog({**COVERAGE, "baseline": {"value": 0}})
    a = assess(c.indicators[0], c, values({"2024Q2": 30.0}), "U", Quarter(2024, 2))
    assert a.method == "linear"
    assert a.ratio == pytest.approx((30 / 60) / (182 / 366))
    assert a.status == "on_track"


def test_at_most_rate_lower_is_better():
    c = make_catalog({"kind": "at_most", "phases": [{"by": "2025-12-31", "value": 0.01}],
                      "baseline": {"value": 0.02}}, direction="lower", denominator=False)
    a = assess(c.indicators[0], c, values({"2024Q4": 0.018}, den=None), "U", Quarter(2024, 4))
    # observed CAGR (0.9)^(1/1.00205)-1 = -0.09981; required (0.5)^(1/2.00137)-1 = -0.29272
    assert a.ratio == pytest.approx(0.34097, abs=1e-3)
    assert a.status == "off_track"


def test_change_from_baseline_target_level():
    c = make_catalog({"kind": "change_from_baseline", "phases": [{"by": "2025-12-31", "value": -15}],
                      "baseline": {"value": 100}}, direction="lower", denominator=False)
    a = assess(c.indicators[0], c, values({"2025Q4": 84.0}, den=None), "U", Quarter(2025, 4))
    assert a.target == pytest.approx(85.0)
    assert a.status == "achieved"


def test_zero_stock_progress_against_time():
    c = make_catalog({"kind": "zero", "phases": [{"by": "2025-12-31", "value": 0}], "baseline": {"value": 10}},
                     direction="lower", denominator=False)
    a = assess(c.indicators[0], c, values({"2024Q2": 4.0}, den=None), "U", Quarter(2024, 2))
    assert a.method == "linear"
    assert a.completion == pytest.approx(0.6)
    assert a.time_progress == pytest.approx(182 / 731)
    assert a.status == "on_track"
    done = assess(c.indicators[0], c, values({"2024Q2": 0.0}, den=None), "U", Quarter(2024, 2))
    assert done.status == "achieved"


def test_cumulative_count_linear():
    c = make_catalog({"kind": "cumulative_count",
                      "phases": [{"by": "2024-12-31", "value": 3}, {"by": "2025-12-31", "value": 6}]},
                     denominator=False)
    a = assess(c.indicators[0], c, values({"2024Q3": 2.0}, den=None), "U", Quarter(2024, 3))
    assert a.baseline == 0
    assert a.ratio == pytest.approx((2 / 3) / (274 / 366))
    assert a.status == "behind"


@pytest.mark.parametrize("value, status", [(0.0, "achieved"), (1.0, "off_track")])
def test_none_allowed(value, status):
    c = make_catalog({"kind": "none_allowed"}, direction="lower", denominator=False)
    a = assess(c.indicators[0], c, values({"2024Q3": value}, den=None), "U", Quarter(2024, 3))
    assert a.status == status


@pytest.mark.parametrize("now, before, q, status", [
    (3.0, 5.0, 3, "on_track"), (3.0, 5.0, 4, "achieved"), (4.0, 4.0, 3, "behind"), (6.0, 4.0, 3, "off_track"),
    (0.0, 0.0, 3, "on_track"),
])
def test_year_on_year_decline(now, before, q, status):
    c = make_catalog({"kind": "year_on_year_decline"}, direction="lower", denominator=False)
    a = assess(c.indicators[0], c, values({f"2024Q{q}": now, f"2023Q{q}": before}, den=None), "U", Quarter(2024, q))
    assert a.status == status


@pytest.mark.parametrize("now, before, status", [
    (2.0, 0.0, "behind"), (5.0, 1.0, "behind"),  # small counts: a rise within chance is 滞后, not 严重滞后
    (12.0, 3.0, "off_track"), (4.0, 4.0, "behind"), (1.0, 3.0, "on_track"),
])
def test_year_on_year_small_numbers_use_an_exact_test(now, before, status):
    c = make_catalog({"kind": "year_on_year_decline"}, direction="lower", denominator=False)
    ind = c.indicators[0].model_copy(update={"small_numbers": True})
    a = assess(ind, c, values({"2024Q3": now, "2023Q3": before}, den=None), "U", Quarter(2024, 3))
    assert a.status == status
    assert (a.method == "yoy_exact") == (status == "behind" and now > before)


def test_significant_rise_matches_the_binomial_tail():
    from scipy.stats import binomtest

    for now, before in ((2, 0), (5, 1), (12, 3), (30, 20), (9, 2)):
        p = binomtest(now, now + before, 0.5, alternative="greater").pvalue
        assert significant_rise(now, before) == (p < 0.05), (now, before, p)


def test_poisson_interval_exact():
    assert poisson_interval(0) == pytest.approx((0.0, 3.6889), abs=1e-3)
    assert poisson_interval(5) == pytest.approx((1.6235, 11.6683), abs=1e-3)
