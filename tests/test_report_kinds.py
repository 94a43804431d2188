"""Every report kind renders for every plan catalog on the sample data."""

import json
import re

import pytest

from analysis.plans.catalog import plan_files
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
    assert sum(summary["statuses"].values()) > 0
    assert path.with_suffix(".xlsx").exists() == (kind == "quarterly")


def test_index_lists_every_report(all_reports, reports_dir):
    hrefs = {r[2] for p in site_data(reports_dir)["plans"] for reports in p["reports"].values() for r in reports}
    for path in all_reports.values():
        assert path.relative_to(reports_dir).as_posix() in hrefs
