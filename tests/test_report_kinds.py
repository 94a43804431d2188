"""Every report kind renders for every plan catalog on the sample data."""

import json
import re

import pytest

from analysis.plans.catalog import get_plan, plan_files
from tests.conftest import KINDS, site_data

pytestmark = pytest.mark.slow

SECTIONS = {"quarterly": ("summary", "changes", "scorecard", "progress", "narrative", "follow-up", "actions",
                          "accidents", "ranking", "tasks", "quality", "method"),
            "midterm": ("summary", "targets", "tasks", "problems", "proposals", "accidents", "phases", "open-tasks",
                        "trajectories", "quality", "method")}
SECTIONS["final"] = SECTIONS["midterm"]


@pytest.mark.parametrize("plan", sorted(plan_files()))
@pytest.mark.parametrize("kind", KINDS)
def test_report_renders(all_reports, plan, kind):
    path = all_reports[(plan, kind)]
    html = path.read_text(encoding="utf-8")
    for anchor in SECTIONS[kind]:
        assert f'id="{anchor}"' in html, anchor
    if kind == "quarterly":
        assert re.search(r'<section id="narrative"><h2>评估意见（自动起草）</h2>', html)
    else:  # a review answers review questions, not the quarter's
        assert "与上季度相比" not in html and "年初以来" not in html.split('id="accidents"')[0]
        assert re.search(r'<section id="proposals"><h2>(对策建议|下一规划期建议)</h2>', html)
        assert ("下一规划期建议" in html) == (kind == "final")
    assert "Traceback" not in html and 'class="jp-OutputArea-output" data-mime-type="application/vnd.jupyter.stderr"' not in html
    summary = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    assert (summary["plan_id"], summary["kind"]) == (plan, kind)
    if get_plan(plan).indicators:
        assert sum(summary["statuses"].values()) > 0
    else:  # a plan of tasks only (seed 004 篇二) is assessed on its tasks, and says so
        assert not summary["statuses"] and "本规划未设量化指标" in html and summary["published"]["tasks"]
    assert path.with_suffix(".xlsx").exists() == (kind == "quarterly")


def test_index_lists_every_report(all_reports, reports_dir):
    hrefs = {r[2] for p in site_data(reports_dir)["plans"] for reports in p["reports"].values() for r in reports}
    for path in all_reports.values():
        assert path.relative_to(reports_dir).as_posix() in hrefs


@pytest.mark.parametrize("plan", sorted(plan_files()))
def test_scope_notes_and_undated_tasks_shown(all_reports, plan):
    """Every 口径说明 is printed beside its indicator; a task without a date says it is due at the plan end."""
    from html import escape

    from analysis.plans.catalog import get_plan

    catalog = get_plan(plan)
    html = all_reports[(plan, "quarterly")].read_text(encoding="utf-8")
    for ind in catalog.indicators:
        if ind.scope_note:
            assert "口径说明：" + escape(ind.scope_note, quote=False) in html, ind.id
    assert ("规划未写明时限，按规划期末计" in html) == any(t.undated for t in catalog.tasks)
