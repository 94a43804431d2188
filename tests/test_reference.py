"""Real published figures: the rate arithmetic and the target test on numbers no one here made up."""

import duckdb
import pandas as pd
import pytest
from analysis.store.reference import load_reference, national_rates, store, stored_rates

from analysis.method.progress import assess
from analysis.plans.catalog import Catalog
from analysis.plans.periods import Quarter


@pytest.fixture(scope="module")
def ref() -> pd.DataFrame:
    return load_reference()


def test_deaths_per_100m_yuan_gdp_from_published_figures(ref):
    rates = national_rates(ref)
    # hand-computed: 27412 / 1015986 and 21242 / 1260582
    assert rates.loc[2020, "deaths_per_gdp"] == pytest.approx(0.026981, abs=5e-7)
    assert rates.loc[2023, "deaths_per_gdp"] == pytest.approx(0.016851, abs=5e-7)
    assert rates.loc[2023, "deaths_per_10k_vehicles"] == 1.38


def test_deaths_2020_to_2023_against_minus_15_percent(ref):
    deaths = ref[ref["indicator"] == "production_safety_deaths"].set_index("year")["value"]
    catalog = Catalog.model_validate({
        "plan": {"id": "cn", "title": "全国", "issuer": "国务院安委会", "level": "national", "org_unit": "CN",
                 "org_unit_name": "全国", "period": {"start": "2021-01-01", "end": "2025-12-31"}, "baseline_year": 2020,
                 "actions": [{"id": "A0", "title": "主要目标"}]},
        "measures": {"deaths": {"label": "死亡人数", "table": "accidents", "aggregate": "sum(deaths)",
                                "date": "occurred_on"}},
        "indicators": [{"id": "deaths", "name": "生产安全事故死亡人数", "action": "A0", "numerator": "deaths",
                        "direction": "lower", "window": "ytd", "responsible": "—", "source": "较2020年下降15%",
                        "target": {"kind": "change_from_baseline", "phases": [{"by": "2025-12-31", "value": -15}],
                                   "baseline": {"period": "2020Q4"}}}],
    })
    values = pd.DataFrame([("deaths", "ytd", "CN", f"{y}Q4", deaths[y]) for y in (2020, 2023)],
                          columns=["measure", "window", "unit_id", "period", "value"])
    a = assess(catalog.indicators[0], catalog, values, "CN", Quarter(2023, 4))
    assert a.baseline == 27412
    assert a.target == pytest.approx(27412 * 0.85)  # 23300.2
    assert a.status == "achieved"  # 21242 is 22.5% below 2020
    assert (a.value - a.baseline) / a.baseline == pytest.approx(-0.2251, abs=1e-4)


def test_reference_loaded_into_warehouse_keeps_sources(ref):
    con = duckdb.connect()
    assert store(con, ref) == len(ref)
    rows = con.execute("SELECT DISTINCT unit_id FROM reference_series").fetchall()
    assert rows == [("CN",)]
    assert con.execute("SELECT count(*) FROM reference_series WHERE source = ''").fetchall()[0][0] == 0
    pd.testing.assert_frame_equal(stored_rates(con), national_rates(ref), check_dtype=False)


def test_reference_without_source_is_refused(tmp_path):
    from analysis.errors import LedgerError

    bad = tmp_path / "ref.csv"
    bad.write_text("year,indicator,value,unit,source,note\n2020,gdp,1,亿元,,\n", encoding="utf-8")
    with pytest.raises(LedgerError, match="source"):
        load_reference(bad)
