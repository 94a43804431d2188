"""The drafted narrative follows the numbers: worst first, each proposal tied to its own gap, never a
date that has passed, no English or ids — checked on the report and over every plan × unit × quarter."""

import re
from datetime import date

import pandas as pd
import pytest

from analysis.method.progress import SEVERITY, scorecard, unit_series
from analysis.method.ranking import composite, unit_cards, weights
from analysis.method.tasks import task_table
from analysis.plans.catalog import get_plan, plan_files
from analysis.plans.periods import Quarter
from analysis.report.context import ReportContext, measure_values
from analysis.report.format import fmt_duration, lead_unit
from analysis.report.narrative import draft
from analysis.store.warehouse import connect
from tests.conftest import PERIOD, PLAN, UNIT

pytestmark = pytest.mark.slow

DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
ENGLISH = re.compile(r"(?!GDP)[A-Za-z]{3,}")
"""Latin words in planner text: none but GDP, as the plans themselves write it (亿元GDP死亡率)."""


@pytest.fixture(scope="module")
def ctx(warehouse):
    return ReportContext.load(PLAN, UNIT, PERIOD, warehouse)


def test_problems_come_worst_first(ctx):
    d = ctx.draft
    keys = [k.removeprefix("problems.") for k, _ in d.problems]
    card = ctx.card.set_index("indicator_id")
    graded = [SEVERITY[card.loc[k, "status"]] for k in keys if k in card.index]
    assert graded and graded == sorted(graded, reverse=True)
    lagging = ctx.card[ctx.card["status"].isin(["missed", "off_track", "behind"])]
    assert len(graded) == min(5, len(lagging))


def test_lowest_units_are_named_lowest_first(ctx):
    text = dict(ctx.draft.problems)["problems.units"]
    scores = [float(s) for s in re.findall(r"（(\d+)分）", text)]
    assert scores == sorted(scores) and scores[0] == pytest.approx(ctx.ranking["score"].min(), abs=0.5)


def test_each_proposal_carries_its_own_gap_and_lead(ctx):
    card = ctx.card.set_index("indicator_id")
    proposals = [(k.removeprefix("actions."), s) for k, s in ctx.draft.actions if k.removeprefix("actions.") in card.index]
    assert proposals
    for key, text in proposals:
        a = card.loc[key]
        assert a["name"] in text and "尚差" in text
        lead = lead_unit(a["responsible"])
        assert lead and a["responsible"].startswith(lead) and f"由{lead}" in text
    assert len({s for _, s in proposals}) == len(proposals)


def test_draft_changes_when_an_indicator_falls_behind(ctx):
    before = ctx.draft.text()
    card = ctx.card.copy()
    i = card.index[card["status"] == "achieved"][0]
    days = max(400, int(card["overdue_days"].max()) + 31)  # longer overdue than any indicator of the plan
    card.loc[i, ["status", "overdue_days", "deadline_state"]] = ["missed", days, "missed"]
    after = draft(card, ctx.tasks, ctx.ranking, ctx.accident_row, as_of=ctx.quarter.end)
    assert after.text() != before
    key, first = after.problems[0]  # overdue longest of all: named first
    assert key == f"problems.{card.loc[i, 'indicator_id']}" and f"已逾期{fmt_duration(days)}" in first


def test_draft_changes_with_accident_counts(ctx):
    d = draft(ctx.card, ctx.tasks, ctx.ranking, dict(ctx.accident_row, deaths=9.0, deaths_ly=2.0))
    assert "年初以来事故死亡9人，较上年同期2人上升。" in dict(d.problems).values()
    d = draft(ctx.card, ctx.tasks, ctx.ranking, dict(ctx.accident_row, deaths=1.0, deaths_ly=4.0))
    assert "年初以来死亡人数1，较上年同期4下降。" in dict(d.achievements).values()


def test_draft_with_no_tasks_or_units():
    card = pd.DataFrame([{"indicator_id": "x", "name": "指标甲", "status": "no_data", "trend": "none", "kind": "at_least",
                          "value": float("nan"), "target": 1.0, "target_by": None, "decimals": 1, "unit": "%",
                          "overdue_days": 0}])
    d = draft(card, pd.DataFrame(), None, None)
    assert any("无法评估：指标甲" in s for _, s in d.problems)
    assert [s for _, s in d.actions] == ["督促相关单位补报缺失台账和分母数据，下季度评估前完成核实。"]


def test_no_proposal_cites_a_past_date_and_no_english_anywhere(warehouse):
    """Every plan × street/district unit × quarter of the sample."""
    checked = 0
    with connect(warehouse, read_only=True) as con:
        units = con.execute("SELECT unit_id, name, level FROM org_units WHERE level IN ('区县', '街道', '镇') "
                            "ORDER BY unit_id").fetchdf()
        for plan in plan_files():
            catalog = get_plan(plan)
            values = measure_values(con, catalog)
            series = unit_series(catalog, values)
            ids = {i.id for i in catalog.indicators} | {t.id for t in catalog.tasks}
            for q in (Quarter(2024, 4), Quarter(2025, 3), Quarter(2025, 4)):
                if not catalog.plan.period.start <= q.end <= catalog.plan.period.end:
                    continue
                tasks = task_table(con, catalog, catalog.plan.org_unit, q)
                for u in units.itertuples():
                    card = scorecard(catalog, values.iloc[:0], u.unit_id, q, series.get(u.unit_id, {}), u.level)
                    kids = units[units["unit_id"].str.startswith(u.unit_id + "-")]
                    ranking = composite(unit_cards(catalog, values, kids, q), weights(catalog))
                    d = draft(card, tasks, ranking, None, as_of=q.end)
                    for _, sentence in d.actions:
                        for y, m, day in DATE.findall(sentence):
                            cited = date(int(y), int(m), int(day))
                            # a passed deadline may be named as passed, never as one to reach
                            assert cited > q.end or "已过" in sentence, (plan, u.unit_id, q, sentence)
                    for _, sentence in d.summary + d.achievements + d.problems + d.actions:
                        assert not ENGLISH.search(sentence), (plan, u.unit_id, q, sentence)
                        assert not any(re.search(rf"(?<![A-Za-z0-9_]){re.escape(i)}(?![A-Za-z0-9_])", sentence)
                                       for i in ids if len(i) > 3), (plan, sentence)
                    checked += 1
    assert checked > 50


def test_data_quality_names_only_what_was_found(ctx):
    quality = dict(draft(ctx.card, ctx.tasks, outliers=1).problems)["problems.quality"]
    assert quality.startswith("数据质量：1处数值异常，") and "分母缺失" not in quality
    assert "problems.quality" not in dict(draft(ctx.card, ctx.tasks).problems)


def test_an_empty_part_says_so_in_a_sentence(ctx):
    """A part the draft has nothing for reads as a sentence of the report, not a list of one dash."""
    from analysis.labels import t
    from analysis.report import sections
    from analysis.report.html import render
    from analysis.report.narrative import Draft

    d = Draft()
    d.actions.append(("actions.keep", "保持现有工作力度。"))
    html = render(sections.narrative(ctx, d=d))
    assert t("report.nothing_achievements") in html and t("report.nothing_problems") in html
    assert "<li>—</li>" not in html and ">—<" not in html
    assert "保持现有工作力度。" in html
