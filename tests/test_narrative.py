"""The drafted narrative follows the numbers: change the data and the text changes with it."""

import pandas as pd
import pytest

from analysis.report.context import ReportContext
from analysis.report.narrative import draft
from tests.conftest import PERIOD, PLAN, UNIT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def ctx(warehouse):
    return ReportContext.load(PLAN, UNIT, PERIOD, warehouse)


def text(d) -> str:
    return "\n".join(d.achievements + d.problems + d.actions)


def test_draft_mentions_lagging_indicators_and_overdue_tasks(ctx):
    d = draft(ctx.card, ctx.tasks, ctx.ranking, ctx.accident_row)
    lagging = ctx.card[ctx.card["status"].isin(["behind", "off_track"])]
    worst = lagging.assign(order=lagging["status"] != "off_track").sort_values(["order", "name"])
    assert worst["name"].iloc[0] in text(d)  # off-track first
    achieved = ctx.card[ctx.card["status"] == "achieved"]
    assert f"{len(achieved)} 项已达到当期目标" in text(d)
    overdue = (ctx.tasks["state"] == "overdue").sum()
    assert (f"{overdue} 项任务已超过完成时限" in text(d)) == (overdue > 0)


def test_draft_changes_when_an_indicator_falls_behind(ctx):
    before = text(draft(ctx.card, ctx.tasks, ctx.ranking, ctx.accident_row))
    card = ctx.card.copy()
    i = card.index[card["status"] == "achieved"][0]
    card.loc[i, ["status", "completion", "time_progress"]] = ["off_track", 0.3, 0.8]
    after = draft(card, ctx.tasks, ctx.ranking, ctx.accident_row)
    assert text(after) != before
    name = card.loc[i, "name"]
    assert any(p.startswith(f"{name}严重滞后") and "完成率 30%" in p for p in after.problems)
    assert any(name in a for a in after.actions)


def test_draft_changes_with_accident_counts(ctx):
    acc = dict(ctx.accident_row, deaths=9.0, deaths_ly=2.0)
    d = draft(ctx.card, ctx.tasks, ctx.ranking, acc)
    assert "年初以来事故死亡 9 人，较上年同期 2 人上升。" in d.problems
    acc = dict(ctx.accident_row, deaths=1.0, deaths_ly=4.0)
    d = draft(ctx.card, ctx.tasks, ctx.ranking, acc)
    assert "年初以来死亡人数 1，较上年同期 4 下降。" in d.achievements
    assert not any("死亡" in p and "上升" in p for p in d.problems)


def test_draft_with_no_tasks_or_units():
    card = pd.DataFrame([{"indicator_id": "x", "name": "指标甲", "status": "no_data", "trend": "none", "kind": "at_least",
                          "value": float("nan"), "target": 1.0, "target_by": None, "decimals": 1, "unit": "%",
                          "completion": None, "time_progress": None, "likely_met": None, "responsible": "应急办",
                          "yoy_value": None}])
    d = draft(card, pd.DataFrame(), None, None)
    assert any("无法评估：指标甲" in p for p in d.problems)
    assert d.actions == ["督促相关单位补报缺失台账和分母数据，下季度评估前完成核实。"]
