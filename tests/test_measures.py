"""Measures in a real DuckDB warehouse built from hand-made rows: roll-up, windows, frequency rules,
coverage — and the ranking, funnel and outlier helpers on hand-computed cases."""

from datetime import date

import duckdb
import numpy as np
import pandas as pd
import pytest

from analysis.method.measures import compute_measures
from analysis.method.progress import indicator_frame
from analysis.method.quality import cross_section_outliers, zscores
from analysis.method.ranking import composite, funnel_limits
from analysis.plans.catalog import Catalog
from analysis.store.warehouse import build_org_closure, ensure_schema

UNITS = [("D", "区", None, "区县"), ("S", "街道", "D", "街道"), ("C1", "一社区", "S", "社区"), ("C2", "二社区", "S", "社区")]


def insert(con, table: str, rows: list[dict]) -> None:
    cols = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall() if not r[0].startswith("_")]
    frame = pd.DataFrame([{c: r.get(c) for c in cols} for r in rows], columns=cols)
    con.register("_rows", frame)
    con.execute(f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(cols)} FROM _rows")
    con.unregister("_rows")


def enterprise(eid: str, unit: str, key: int, high_risk: bool = False, **kw) -> dict:
    base = {"enterprise_id": eid, "name": eid, "unit_id": unit, "industry": "机械", "above_scale": False, "high_risk": high_risk,
                "crowded_place": False, "hazardous_chemicals": False, "dust_explosion": False, "ammonia_refrigeration": False,
                "molten_metal": False, "confined_space": False, "employees": 10, "key_personnel": key, "monitoring_required": False,
                "insured": False, "established_on": date(2010, 1, 1)}
    return base | kw


@pytest.fixture
def con():
    c = duckdb.connect()
    ensure_schema(c)
    insert(c, "org_units", [{"unit_id": u, "name": n, "parent_id": p, "level": lv} for u, n, p, lv in UNITS])
    build_org_closure(c)
    insert(c, "enterprises", [enterprise("E1", "C1", 100), enterprise("E2", "C2", 300, high_risk=True),
                              enterprise("E3", "C2", 50, closed_on=date(2024, 2, 1))])
    training = [{"record_id": f"r{i}", "person_id": f"p{i}", "enterprise_id": "E1", "unit_id": "C1", "role": "主要负责人",
                     "training_date": date(2024, 2, 1), "hours": 8.0, "passed": True} for i in range(30)]
    training += [{"record_id": f"s{i}", "person_id": f"q{i}", "enterprise_id": "E2", "unit_id": "C2", "role": "安全管理人员",
                      "training_date": date(2024, 5, 1) if i < 60 else date(2024, 8, 1), "hours": 8.0, "passed": True}
                 for i in range(90)]
    training.append({"record_id": "dup", "person_id": "q0", "enterprise_id": "E2", "unit_id": "C2", "role": "安全管理人员",
                         "training_date": date(2024, 8, 2), "hours": 8.0, "passed": True})  # same person again
    training.append({"record_id": "late", "person_id": "z1", "enterprise_id": "E1", "unit_id": "C1", "role": "主要负责人",
                     "training_date": date(2024, 11, 1), "hours": 8.0, "passed": True})
    insert(c, "personnel_training", training)
    drills = [{"drill_id": "d1", "unit_id": "C1", "enterprise_id": "E1", "drill_date": date(2024, 3, 1), "kind": "综合演练",
                   "unannounced": False, "participants": 10},
              {"drill_id": "d2", "unit_id": "C2", "enterprise_id": "E2", "drill_date": date(2024, 3, 1), "kind": "综合演练",
                   "unannounced": True, "participants": 10},
              {"drill_id": "d0", "unit_id": "C2", "enterprise_id": "E3", "drill_date": date(2023, 1, 15),
               "kind": "综合演练", "unannounced": False, "participants": 5}]  # the drills ledger starts in 2023Q1
    insert(c, "drills", drills)
    yield c
    c.close()


CATALOG = {
    "plan": {"id": "t", "title": "t", "issuer": "i", "level": "street", "org_unit": "S", "org_unit_name": "S",
             "period": {"start": "2024-01-01", "end": "2025-12-31"}, "actions": [{"id": "A1", "title": "a"}]},
    "measures": {
        "required": {"label": "应培训", "table": "enterprises", "aggregate": "sum(key_personnel)",
                     "filter": "established_on <= period_end AND (closed_on IS NULL OR closed_on > period_end)"},
        "trained": {"label": "已培训", "table": "personnel_training", "aggregate": "count(DISTINCT person_id)",
                    "date": "training_date"},
        "active": {"label": "在营", "table": "enterprises",
                   "filter": "established_on <= period_end AND (closed_on IS NULL OR closed_on > period_end)"},
        "drilling": {"label": "达标", "table": "enterprises",
                     "filter": "established_on <= period_end AND (closed_on IS NULL OR closed_on > period_end)",
                     "frequency": {"events": "drills", "key": "enterprise_id", "date": "drill_date",
                                   "rules": [{"when": "high_risk", "every_months": 6}, {"when": "TRUE", "every_months": 12}]}},
        "open_rescue": {"label": "救援站", "table": "rescue_capacity"},
    },
    "indicators": [
        {"id": "coverage", "name": "覆盖率", "action": "A1", "numerator": "trained", "denominator": "required",
         "factor": 100, "direction": "higher", "window": "plan_to_date", "responsible": "r", "source": "s",
         "target": {"kind": "at_least", "phases": [{"by": "2025-12-31", "value": 100}]}},
        {"id": "trained_q", "name": "当季培训", "action": "A1", "numerator": "trained", "direction": "higher",
         "window": "quarter", "responsible": "r", "source": "s",
         "target": {"kind": "at_least", "phases": [{"by": "2025-12-31", "value": 1}]}},
        {"id": "trained_t4", "name": "近四季度培训", "action": "A1", "numerator": "trained", "direction": "higher",
         "window": "trailing_4q", "responsible": "r", "source": "s",
         "target": {"kind": "at_least", "phases": [{"by": "2025-12-31", "value": 1}]}},
        {"id": "drills", "name": "演练达标率", "action": "A1", "numerator": "drilling", "denominator": "active",
         "factor": 100, "direction": "higher", "responsible": "r", "source": "s",
         "target": {"kind": "frequency_compliance", "phases": [{"by": "2025-12-31", "value": 100}]}},
        {"id": "rescue", "name": "救援站", "action": "A1", "numerator": "open_rescue", "direction": "higher",
         "responsible": "r", "source": "s", "target": {"kind": "cumulative_count", "phases": [{"by": "2025-12-31", "value": 3}]}},
    ],
}


@pytest.fixture
def frame(con) -> pd.DataFrame:
    catalog = Catalog.model_validate(CATALOG)
    return indicator_frame(catalog, compute_measures(con, catalog)).set_index(["indicator_id", "unit_id", "period"])


def test_rollup_sums_numerators_and_denominators(frame):
    # C1 30/100 = 30%, C2 90/300 = 30%... at 2024Q3; the street is (30+90)/(100+300), not the mean of rates
    assert frame.loc[("coverage", "C1", "2024Q3"), "value"] == pytest.approx(30.0)
    assert frame.loc[("coverage", "C2", "2024Q2"), "value"] == pytest.approx(60 / 300 * 100)
    s = frame.loc[("coverage", "S", "2024Q2")]
    assert (s["numerator"], s["denominator"]) == (90, 400)
    assert s["value"] == pytest.approx(22.5)  # mean of rates would be (30 + 20) / 2 = 25
    assert frame.loc[("coverage", "D", "2024Q2"), "value"] == pytest.approx(22.5)


def test_closed_enterprise_leaves_the_denominator(frame):
    assert frame.loc[("coverage", "C2", "2024Q1"), "denominator"] == 300  # E3 closed 2024-02-01


def test_windows(frame):
    assert frame.loc[("trained_q", "S", "2024Q2"), "value"] == 60
    assert frame.loc[("trained_q", "S", "2024Q3"), "value"] == 31  # 30 new people + q0 again
    assert frame.loc[("trained_t4", "S", "2024Q4"), "value"] == 121  # distinct over four quarters
    # the training ledger starts in 2024Q1: a trailing year that begins before it is partial, not low
    assert np.isnan(frame.loc[("trained_t4", "S", "2024Q3"), "value"])
    assert frame.loc[("coverage", "S", "2024Q3"), "numerator"] == 120  # distinct since plan start


def test_frequency_rule_per_risk_class(frame):
    # both drilled on 2024-03-01: at 2024Q3 the high-risk E2 (every 6 months) has lapsed, E1 (12 months) has not
    assert frame.loc[("drills", "C1", "2024Q3"), "value"] == 100
    assert frame.loc[("drills", "C2", "2024Q3"), "value"] == 0
    assert frame.loc[("drills", "S", "2024Q1"), "value"] == 100
    # a 12-month look-back is complete only a year after the drills ledger starts (2023Q1)
    assert frame.loc[("drills", "C2", "2023Q4"), "numerator"] == 1
    assert np.isnan(frame.loc[("drills", "C2", "2023Q3"), "value"])


def test_coverage_unknown_before_the_ledger_and_never_delivered_ledger(frame):
    assert np.isnan(frame.loc[("trained_q", "S", "2023Q4"), "value"])  # before the first training row
    assert np.isnan(frame.loc[("trained_q", "S", "2025Q1"), "value"])  # after the data cut-off (2024-11-01)
    assert frame.loc[("trained_q", "C1", "2024Q2"), "value"] == 0  # covered, nothing happened: a real zero
    assert np.isnan(frame.loc[("rescue", "S", "2024Q3"), "value"])  # rescue ledger never delivered


def test_composite_score_renormalises_missing_data():
    cards = pd.DataFrame([
        ("U1", "甲", "a", "achieved"), ("U1", "甲", "b", "off_track"),
        ("U2", "乙", "a", "on_track"), ("U2", "乙", "b", "no_data"),
    ], columns=["unit_id", "unit_name", "indicator_id", "status"])
    r = composite(cards, {"a": 1.0, "b": 3.0}).set_index("unit_id")
    assert r.loc["U1", "score"] == pytest.approx((100 * 1 + 30 * 3) / 4)
    assert r.loc["U2", "score"] == pytest.approx(85.0)  # b has no data: only a counts
    assert list(r["rank"]) == [1, 2]


def test_funnel_limits_are_exact_poisson():
    lo, hi = funnel_limits(0.01, np.array([100.0, 10000.0]), 0.95)
    # expected 1 death at n=100: Poisson(1) 2.5%/97.5% quantiles 0 and 3; at n=10000: 81 and 120
    assert list(lo * [100, 10000]) == [0, 81]
    assert list(hi * [100, 10000]) == [3, 120]


def test_outliers_by_modified_z():
    z = zscores(pd.Series([10, 11, 10, 12, 11, 10, 60.0], index=list("abcdefg")))
    assert z["outlier"].tolist() == [False] * 6 + [True]
    assert z.loc["g", "modified_z"] == pytest.approx(0.6745 * (60 - 11) / 1)


def test_outliers_are_found_within_each_indicator():
    """A value ordinary for one indicator is not an outlier because another indicator's values are
    small; indicators with fewer than four values are not judged."""
    values = {"a": [10, 11, 10, 12, 11, 10, 60.0], "b": [60, 61, 59, 60, 62, 61, 60.0], "c": [1, 2, 99.0]}
    cards = pd.DataFrame([{"indicator_id": ind, "name": f"指标{ind}", "unit_id": f"U{i}", "unit_name": f"单位{i}",
                           "value": v} for ind, vs in values.items() for i, v in enumerate(vs)])
    found = cross_section_outliers(cards)
    assert found[["indicator_id", "unit_id"]].values.tolist() == [["a", "U6"]]
    assert found["median"].tolist() == [11]
