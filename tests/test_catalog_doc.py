"""The worked example in docs/catalog.md is a real plan: written only from the doc, it validates,
its SQL runs, and it publishes a quarterly report through the real notebook — no code change."""

import re
from pathlib import Path

import pytest
import yaml

from analysis.method.measures import check_sql
from analysis.plans.catalog import load_plan
from analysis.report.context import ReportContext

DOC = Path(__file__).resolve().parents[1] / "docs" / "catalog.md"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def plans_dir(tmp_path_factory) -> Path:
    blocks = re.findall(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
    assert len(blocks) == 1, "docs/catalog.md holds exactly one complete example"
    plan_id = yaml.safe_load(blocks[0])["plan"]["id"]
    d = tmp_path_factory.mktemp("plans")
    (d / f"{plan_id}.yaml").write_text(blocks[0], encoding="utf-8")
    return d


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
