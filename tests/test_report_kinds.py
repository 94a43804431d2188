"""Every report kind renders for every plan catalog on the sample data."""

import json
import re

import pytest

from analysis.plans.catalog import plan_files
from tests.conftest import KINDS

pytestmark = pytest.mark.slow

SECTIONS = {"quarterly": ("scorecard", "progress", "narrative", "actions", "accidents", "ranking", "tasks",
                          "quality", "method"),
            "midterm": ("scorecard", "phases", "narrative", "action-summary", "trajectories", "accidents", "tasks",
                        "quality", "method")}
SECTIONS["final"] = SECTIONS["midterm"]


@pytest.mark.parametrize("plan", sorted(plan_files()))
@pytest.mark.parametrize("kind", KINDS)
def test_report_renders(all_reports, plan, kind):
    path = all_reports[(plan, kind)]
    html = path.read_text(encoding="utf-8")
    for anchor in SECTIONS[kind]:
        assert f'id="{anchor}"' in html, anchor
    heading = "评估意见（自动起草）" if kind == "quarterly" else "结论与建议（自动起草）"
    assert re.search(rf'<section id="narrative"><h2>{heading}</h2>', html)
    assert "Traceback" not in html and 'class="jp-OutputArea-output" data-mime-type="application/vnd.jupyter.stderr"' not in html
    summary = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    assert (summary["plan_id"], summary["kind"]) == (plan, kind)
    assert sum(summary["statuses"].values()) > 0
    assert path.with_suffix(".xlsx").exists() == (kind == "quarterly")


def test_index_lists_every_report(all_reports, reports_dir):
    index = (reports_dir / "index.html").read_text(encoding="utf-8")
    for path in all_reports.values():
        assert f'href="{path.relative_to(reports_dir).as_posix()}"' in index
