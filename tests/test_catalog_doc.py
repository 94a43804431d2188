"""The worked examples in docs/catalog.md are real plans: written only from the doc, they validate,
their SQL runs, and they publish through the real notebook — no code change. The town's plan runs
on the sample district's ledgers; the province's 十四五 plan on the one statistics file the doc
shows, and its statuses are those a hand computation from that file gives."""

import re
import shutil
from pathlib import Path

import duckdb
import pytest
import yaml

from analysis.method.measures import check_sql
from analysis.plans.catalog import load_plan
from analysis.report.context import ReportContext

DOC = Path(__file__).resolve().parents[1] / "docs" / "catalog.md"
TEXT = DOC.read_text(encoding="utf-8")
BLOCKS = re.findall(r"```yaml\n(.*?)```", TEXT, re.DOTALL)
[STATISTICS] = re.findall(r"```csv\n(.*?)```", TEXT, re.DOTALL)

pytestmark = pytest.mark.slow


def _plans_dir(tmp_path_factory, block: str) -> Path:
    plan_id = yaml.safe_load(block)["plan"]["id"]
    d = tmp_path_factory.mktemp("plans")
    (d / f"{plan_id}.yaml").write_text(block, encoding="utf-8")
    return d


@pytest.fixture(scope="module")
def plans_dir(tmp_path_factory) -> Path:
    assert len(BLOCKS) == 2, "docs/catalog.md holds two complete examples: a town's and a province's"
    return _plans_dir(tmp_path_factory, BLOCKS[0])


@pytest.fixture(scope="module")
def province_dir(tmp_path_factory) -> Path:
    return _plans_dir(tmp_path_factory, BLOCKS[1])


def test_example_validates_and_uses_every_target_kind(plans_dir):
    [path] = plans_dir.glob("*.yaml")
    catalog = load_plan(path)
    assert check_sql(catalog) == []
    from analysis.plans.catalog import TargetKind

    used = {i.target.kind for i in catalog.indicators}
    assert used == set(TargetKind) - {TargetKind.at_most}  # at_most is at_least mirrored


def test_example_publishes_through_the_notebook(plans_dir, warehouse, tmp_path, monkeypatch):
    monkeypatch.setenv("ANALYSIS_PLANS_DIR", str(plans_dir))
    from analysis.publish.pipeline import publish

    html = publish("example_town_2024_2026", None, "2025Q3", "quarterly", reports_dir=tmp_path, db=warehouse)
    text = html.read_text(encoding="utf-8")
    assert "华山镇安全生产三年提升行动方案" in text
    ctx = ReportContext.load("example_town_2024_2026", "SLQ-HS", "2025Q3", warehouse)
    assert (ctx.card["status"] != "no_data").sum() >= 5
    for ind_id in ctx.card["indicator_id"]:
        assert f'data-indicator="{ind_id}"' in text


def _figures() -> dict[tuple[str, int, str], float]:
    rows = [line.split(",") for line in STATISTICS.strip().splitlines()[1:]]
    return {(r[4], int(r[2]), r[3]): float(r[5]) for r in rows}


def _by_hand() -> dict[str, str]:
    """Statuses at 2023Q4 from the doc's figures and docs/methodology.md: a change target met is
    已达标; otherwise R = −CAGR observed ÷ |CAGR required| from the 2020 baseline (3 of 5 years
    elapsed), R ≥ 0.95 正常推进, 0.6–0.95 滞后, < 0.6 严重滞后; a year's count against the year before."""
    f = _figures()

    def band(r: float) -> str:
        return "on_track" if r >= 0.95 else "behind" if r >= 0.6 else "off_track"

    def change(v0: float, v1: float, pct: float) -> str:
        target = v0 * (1 + pct / 100)
        if v1 <= target:
            return "achieved"
        observed = (v1 / v0) ** (1 / 3) - 1
        required = (target / v0) ** (1 / 5) - 1
        return band(-observed / abs(required))

    d20, d23 = f[("生产安全事故死亡人数", 2020, "")], f[("生产安全事故死亡人数", 2023, "")]
    g20, g23 = f[("地区生产总值", 2020, "")], f[("地区生产总值", 2023, "")]
    road20, road23 = f[("道路交通事故万车死亡人数", 2020, "")], f[("道路交通事故万车死亡人数", 2023, "")]
    road_observed = (road23 / road20) ** (1 / 3) - 1
    road_required = (1.5 / road20) ** (1 / 5) - 1
    gap = f[("安全生产专项资金增长率", 2023, "")] - f[("一般公共预算收入增长率", 2023, "")]
    return {
        "deaths_change": change(d20, d23, -15),  # 1000 → 820: −18 %, met
        "deaths_per_gdp_change": change(d20 / g20, d23 / g23, -33),  # 0.0200 → 0.0137: −31.7 %, R ≈ 1.5
        "workers_rate_change": change(f[("工矿商贸就业人员十万人生产安全事故死亡人数", 2020, "")],
                                      f[("工矿商贸就业人员十万人生产安全事故死亡人数", 2023, "")], -20),
        "road_rate": "achieved" if road23 <= 1.5 else band(-road_observed / abs(road_required)),  # R ≈ 0.53
        "accidents_yoy": "achieved" if f[("生产安全事故起数", 2023, "")] < f[("生产安全事故起数", 2022, "")] else "missed",
        "larger_accidents_contained": "achieved" if f[("较大生产安全事故起数", 2023, "")]
        <= f[("较大生产安全事故起数", 2022, "")] else "missed",
        "no_grave_accidents": "achieved" if f[("重特大生产安全事故起数", 2023, "")] == 0 else "missed",
        "fund_growth": "achieved" if gap >= 0 else "missed",
    }


def test_province_runs_from_one_yaml_and_one_statistics_file(province_dir, warehouse, tmp_path, monkeypatch):
    """The sample district's warehouse plus the doc's statistics file (which registers 示例省): the
    report publishes through the notebook with the hand-computed statuses."""
    from analysis.publish.pipeline import publish
    from analysis.store.warehouse import ingest

    monkeypatch.setenv("ANALYSIS_PLANS_DIR", str(province_dir))
    [path] = province_dir.glob("*.yaml")
    assert check_sql(load_plan(path)) == []
    db = tmp_path / "w.duckdb"
    shutil.copy(warehouse, db)
    stats = tmp_path / "statistics__XP.csv"
    stats.write_text(STATISTICS, encoding="utf-8")
    ingest([stats], db=db)
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT name, parent_id FROM org_units WHERE unit_id = 'XP'").fetchall() == [("示例省", None)]
    con.close()
    html = publish("example_province_14th", None, "2023Q4", "quarterly", reports_dir=tmp_path / "r", db=db)
    text = html.read_text(encoding="utf-8")
    assert "示例省安全生产“十四五”规划" in text and "公开统计数据" in text
    card = ReportContext.load("example_province_14th", "XP", "2023Q4", db).card.set_index("indicator_id")
    assert card["status"].to_dict() == _by_hand()
    assert set(_by_hand().values()) >= {"achieved", "on_track", "off_track"}
    assert card.loc["deaths_per_gdp_change", "value"] == pytest.approx(820 / 60000)
    assert card.loc["deaths_change", "baseline"] == 1000
    # the first three quarters' figure is read at the third quarter, not summed into the year
    q3 = ReportContext.load("example_province_14th", "XP", "2023Q3", db).card.set_index("indicator_id")
    assert q3.loc["deaths_change", "value"] == 600
