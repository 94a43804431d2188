"""End to end: the published quarterly report shows the values plain pandas computes from the
sample ledger files themselves (not from the warehouse), and carries its provenance."""

import hashlib
import re
from datetime import date
from html import unescape

import pandas as pd
import pytest

from analysis.intake.ledgers import LEDGERS
from tests.conftest import UNIT

pytestmark = pytest.mark.slow


def read_ledger(sample_dir, name: str) -> pd.DataFrame:
    """A ledger straight from the delivered files, with its Chinese headers mapped to names."""
    frames = []
    for path in sorted(sample_dir.glob(f"{name}*")):
        if path.suffix == ".csv":
            df = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
        else:
            df = pd.read_excel(path, dtype=object)
        frames.append(df.rename(columns=LEDGERS[name].headers))
    df = pd.concat(frames, ignore_index=True)
    for c in LEDGERS[name].columns:
        if c.dtype == "date":
            df[c.name] = pd.to_datetime(df[c.name].replace("", None)).dt.date
        elif c.dtype == "bool":
            df[c.name] = df[c.name].map({"是": True, "否": False})
        elif c.dtype in ("int", "float"):
            df[c.name] = pd.to_numeric(df[c.name].replace("", None))
    return df


def shown(html: str, attr: str, key: str, column: int) -> float:
    """The first number in cell `column` (0-based) of the table row tagged attr="key"."""
    m = re.search(rf'<tr[^>]*{attr}="{key}"[^>]*>(.*?)</tr>', html, re.DOTALL)
    assert m, f"row {attr}={key} not in report"
    cells = re.findall(r"<td[^>]*>(.*?)</td>", m.group(1), re.DOTALL)
    text = unescape(re.sub(r"<[^>]+>", " ", cells[column]))
    return float(re.search(r"-?[\d,]+(?:\.\d+)?", text).group(0).replace(",", ""))


VALUE, RATE = 2, 1
"""The 当前值 column of the indicator tables, the 近四季度 column of the rates table."""


@pytest.fixture(scope="module")
def html(quarterly_report) -> str:
    return quarterly_report.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def quanfu_units(sample_dir) -> set[str]:
    units = read_ledger(sample_dir, "org_units")
    return {UNIT} | set(units.loc[units["parent_id"] == UNIT, "unit_id"])


END = date(2025, 9, 30)


def test_training_coverage_matches_pandas(html, sample_dir, quanfu_units):
    training = read_ledger(sample_dir, "personnel_training")
    ent = read_ledger(sample_dir, "enterprises")
    t = training[training["unit_id"].isin(quanfu_units) & training["role"].isin(["主要负责人", "安全管理人员", "特种作业人员"])
                 & (training["training_date"] >= date(2024, 1, 1)) & (training["training_date"] <= END)]
    active = ent[ent["unit_id"].isin(quanfu_units) & (ent["established_on"] <= END)
                 & (ent["closed_on"].isna() | (ent["closed_on"] > END))]
    # one population (issue 13): people of enterprises active at the quarter end, trained and passed
    t = t[t["passed"] & t["enterprise_id"].isin(active["enterprise_id"])]
    expected = t["person_id"].nunique() / active["key_personnel"].sum() * 100
    assert shown(html, "data-indicator", "key_personnel_training_coverage", VALUE) == pytest.approx(round(expected, 1))


def test_unannounced_drill_share_matches_pandas(html, sample_dir, quanfu_units):
    d = read_ledger(sample_dir, "drills")
    d = d[d["unit_id"].isin(quanfu_units) & (d["enterprise_id"] != "") & d["enterprise_id"].notna()
          & (d["drill_date"] >= date(2025, 1, 1)) & (d["drill_date"] <= END)]
    expected = d["unannounced"].sum() / len(d) * 100
    assert shown(html, "data-indicator", "unannounced_drill_share", VALUE) == pytest.approx(round(expected, 1))


def test_deaths_per_gdp_matches_pandas(html, sample_dir, quanfu_units):
    acc = read_ledger(sample_dir, "accidents")
    eco = read_ledger(sample_dir, "economy")
    start = date(2024, 10, 1)
    deaths = acc[acc["unit_id"].isin(quanfu_units) & (acc["occurred_on"] >= start) & (acc["occurred_on"] <= END)]["deaths"].sum()
    gdp = eco[eco["unit_id"].isin(quanfu_units) & (eco["quarter_end"] >= start) & (eco["quarter_end"] <= END)]["gdp"].sum()
    assert gdp > 0
    assert shown(html, "data-rate", "deaths_per_gdp", RATE) == pytest.approx(round(deaths / gdp, 4))


def test_report_has_sections_and_provenance(html, sample_dir):
    assert "全福街道" in html and "2025年第三季度" in html
    assert "示例数据" in html
    for anchor in ("scorecard", "progress", "accidents", "tasks", "method"):
        assert f'id="{anchor}"' in html
    assert 'class="provenance"' in html
    footer = html.split('class="provenance"')[1]
    own, other = sample_dir / "drills__SLQ-QF.csv", sample_dir / "drills__SLQ-DM.csv"
    assert hashlib.sha256(own.read_bytes()).hexdigest() in footer  # the files its rows came from
    assert hashlib.sha256(other.read_bytes()).hexdigest() not in footer  # not a neighbour's
    assert "全福街道安全生产治本攻坚三年行动实施方案" in footer and "2025年第三季度" in footer
    assert "/work/" not in footer and "warehouse" not in footer and "quanfu" not in footer  # no paths, no ids
    # offline: no remote script or stylesheet
    assert not re.search(r'<(script|link)[^>]+(src|href)="(https?:)?//', html)
    static = html[html.index('class="chart-static"'):]
    static = static[:static.index("</svg>")]
    assert "<svg" in static and ">任务进度（%）" in static  # inline SVG, its text kept as text


def test_overdue_tasks_are_marked_and_first(all_reports):
    """The national plan's report for 全国 at 2025Q3 has overdue tasks (none reported): red rows, first within each lead unit."""
    html = all_reports[("national_2024_2026", "quarterly")].read_text(encoding="utf-8")
    overdue = re.findall(r'<tr class="row-overdue" data-task="(T\d+)"', html)
    assert overdue
    for block in re.findall(r'<table class="tasks">.*?</table>', html, re.DOTALL):
        states = re.findall(r'<tr(?: class="row-(overdue)")? data-task=', block)
        first_other = next((i for i, s in enumerate(states) if s != "overdue"), len(states))
        assert all(s != "overdue" for s in states[first_other:]), "overdue tasks come first in every group"
