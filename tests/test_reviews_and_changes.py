"""Reviews judged as the plan reads them (every year of a 逐年 target, verdicts per target and task,
the pace the rest of the plan needs), and a quarter compared with the report published before it:
status changes, restatements with the file that caused them, last quarter's proposals followed up."""

from __future__ import annotations

import csv
import math
import re
import shutil
from datetime import date
from html import unescape

import pytest

from analysis.labels import group
from analysis.plans.catalog import TargetKind, get_plan, plan_files
from analysis.publish.pipeline import publish
from analysis.report.context import ReportContext
from analysis.report.review import pace_rest, target_grade, task_grade, yearly, yearly_verdict
from analysis.store.warehouse import ingest
from tests.conftest import PERIOD, PLAN, UNIT

pytestmark = pytest.mark.slow


def test_every_year_of_a_yearly_target_counts():
    """33, 24, 16, 24, 16 is not 逐年下降 (2024 rose); not above the year before is 遏制."""
    values = [(2020, 42.0), (2021, 33.0), (2022, 24.0), (2023, 16.0), (2024, 24.0), (2025, 16.0)]
    assert yearly_verdict(TargetKind.year_on_year_decline, values, 2021) == (False, [2024])
    assert yearly_verdict(TargetKind.contain, [(2023, 1.0), (2024, 1.0), (2025, 0.0)], 2024) == (True, [])
    assert yearly_verdict(TargetKind.none_allowed, [(2023, 2.0), (2024, 0.0), (2025, 1.0)], 2024) == (False, [2025])
    assert yearly_verdict(TargetKind.year_on_year_decline, [(2023, math.nan), (2024, math.nan)], 2024) == (None, [])


@pytest.mark.parametrize("state, kind, stage, verdict", [
    ("done_on_time", "milestone", "final", "done"), ("done_late", "milestone", "final", "done"),
    ("in_progress", "effect", "final", "nearly_done"), ("in_progress", "milestone", "final", "not_done"),
    ("overdue", "milestone", "final", "not_done"), ("in_progress", "milestone", "midterm", "as_expected"),
])
def test_task_verdicts(state, kind, stage, verdict):
    assert task_grade({"state": state, "kind": kind}, stage) == verdict


@pytest.fixture(scope="module")
def licheng_final(warehouse):
    return ReportContext.load("licheng_14th_fyp", "SLQ", "2025Q4", warehouse)


def test_final_review_verdicts_by_hand(licheng_final):
    ctx = licheng_final
    card = ctx.card.set_index("indicator_id")
    for ind in ctx.catalog.indicators:
        a = {**card.loc[ind.id].to_dict(), "indicator_id": ind.id}
        g, missed = target_grade(ctx, a, "final")
        if ind.target.kind in (TargetKind.year_on_year_decline, TargetKind.contain, TargetKind.none_allowed):
            values = dict(yearly(ctx, ind))
            by_hand = [y for y in range(2021, 2026) if not math.isnan(values[y]) and not (
                values[y] <= 0 if ind.target.kind == TargetKind.none_allowed else
                values[y] <= values[y - 1] if ind.target.kind == TargetKind.contain else
                values[y] < values[y - 1] or values[y] == values[y - 1] == 0)]
            assert missed == by_hand and g == ("not_done" if by_hand else "done"), ind.id
        elif a["status"] == "achieved":
            assert g == "done", ind.id
        elif a["completion_basis"] == "ratio" and a["completion"] is not None:
            assert g == ("nearly_done" if a["completion"] >= 0.95 else "not_done"), (ind.id, a["completion"])


def test_midterm_pace_for_the_rest_of_the_plan(warehouse):
    ctx = ReportContext.load("licheng_14th_fyp", "SLQ", "2023Q4", warehouse)
    a = next(a for a in ctx.card.to_dict("records") if a["unit"] == "%" and a["status"] not in ("achieved", "no_data")
             and a["kind"] in ("at_least", "frequency_compliance"))
    ind = ctx.catalog.indicator(a["indicator_id"])
    last = ind.target.phases[-1]
    years = (last.by - date(2023, 12, 31)).days / 365.25
    expected = (last.value - a["value"]) / years
    text = pace_rest(ctx, a)
    assert text.startswith(f"至{last.by.year}年12月31日尚需年均提高")
    assert float(re.search(r"提高([\d.]+)个百分点", text).group(1)) == pytest.approx(expected, abs=0.06)


@pytest.mark.parametrize("plan", sorted(plan_files()))
@pytest.mark.parametrize("stage", ["midterm", "final"])
def test_review_sections_for_every_plan(all_reports, plan, stage):
    html = all_reports[(plan, stage)].read_text(encoding="utf-8")
    grades = re.findall(r'data-grade="([a-z_]+)"', html)
    allowed = {"midterm": {"ahead", "faster", "as_expected", "behind", "not_done", "no_data", "not_applicable"},
               "final": {"done", "nearly_done", "not_done", "no_data", "not_applicable"}}[stage]
    if not get_plan(plan).indicators:  # a plan of tasks only: no target to grade, its tasks graded
        assert not grades and "本规划未设量化指标" in html and 'id="tasks"' in html
        return
    assert grades and set(grades) <= allowed
    # the title block counts the same grades as the targets table (not the quarterly statuses)
    fact = re.search(r"目标评价</th><td>(.*?)</td>", html).group(1)
    shown = {label: int(n) for label, n in re.findall(r'<span class="badge[^"]*"[^>]*>\S+ (\S+)</span><b>(\d+)</b>', fact)}
    labels = group("grade")
    assert shown == {labels[g]: grades.count(g) for g in set(grades)} and "指标状态</th>" not in html
    # 重大工程项目进展: one row per task of the chapters the catalog marks as projects, and only there
    catalog = get_plan(plan)
    chapters = {a.id for a in catalog.plan.actions if a.projects}
    projects = [t.id for t in catalog.tasks if t.action in chapters]
    assert ('<section id="projects">' in html) == bool(projects)
    if projects:
        part = html.split('<section id="projects">')[1].split("</section>")[0]
        assert part.count("<tr") - 1 == len(projects)  # the header row and one row per project
    if stage == "final":
        assert "预计" not in html.split('id="targets"')[1].split("</section>")[0]  # no forecast past the end


@pytest.fixture(scope="module")
def two_quarters(warehouse, sample_dir, tmp_path_factory):
    """2025Q2 published; then a street re-delivers its drills with 2025Q2 rows changed; 2025Q3 published."""
    root = tmp_path_factory.mktemp("quarters")
    db, reports = root / "w.duckdb", root / "reports"
    shutil.copy(warehouse, db)
    publish(PLAN, UNIT, "2025Q2", reports_dir=reports, db=db)
    drills = root / "deliveries" / "drills__SLQ-QF.csv"
    drills.parent.mkdir()
    with open(sample_dir / "drills__SLQ-QF.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    changed = 0
    for r in rows[1:]:
        if r[3].startswith(("2025-04", "2025-05", "2025-06")) and r[2] and r[5] == "否" and changed < 30:
            r[5], changed = "是", changed + 1
    with open(drills, "w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows(rows)
    ingest([drills], db=db)
    return publish(PLAN, UNIT, PERIOD, reports_dir=reports, db=db).read_text(encoding="utf-8")


def _section(html: str, anchor: str) -> str:
    part = html.split(f'id="{anchor}"')[1].split("</section>")[0]
    return unescape(re.sub(r"<[^>]+>", " ", part))


def test_changes_name_the_restatement_and_its_file(two_quarters):
    changes = _section(two_quarters, "changes")
    assert "与2025年第二季度已发布的评估报告相比" in changes
    assert 'data-restated="unannounced_drill_share"' in two_quarters
    assert "drills__SLQ-QF.csv" in changes  # the file that changed last quarter's figure


def test_last_quarters_proposals_are_followed_up(two_quarters):
    follow = _section(two_quarters, "follow-up")
    rows = re.findall(r'<tr data-key="(actions\.[^"]+)">', two_quarters.split('id="follow-up"')[1].split("</section>")[0])
    assert rows
    assert any(v in follow for v in ("有进展", "倒退", "无明显进展", "已达标", "状态好转"))
