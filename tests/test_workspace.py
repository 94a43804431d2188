"""`analysis init` and the workspace paths, in process (the CLI walk is tests/test_first_day.py)."""

from datetime import date

import pytest

from analysis import config
from analysis.errors import AnalysisError
from analysis.plans.catalog import load_plan
from analysis.workspace import archive, init


def test_init_marks_the_fields_and_writes_nothing_on_bad_input(tmp_path):
    ws = tmp_path / "东湖街道"
    with pytest.raises(AnalysisError):
        init(ws, "quanfu_2024_2026", level="county")  # not a plan level: the copy would not load
    assert not ws.exists()
    with pytest.raises(AnalysisError, match="范本"):
        init(ws, "no_such_seed")
    made = init(ws, "tianjin_street_2024_2026", unit_name="东湖街道", unit_id="QSQ-DH", plan_id="donghu_2024_2026",
                today=date(2025, 10, 8))
    assert made["period"] == "2025Q3" and (ws / "raw" / "2025Q3").is_dir()
    text = made["plan"].read_text(encoding="utf-8")
    assert "  org_unit: QSQ-DH  # 【已按 init 参数填写，请核对】" in text
    assert "  document_no: （待填写）  # 【须填写】" in text and "  issued_on: null  # 【须填写】" in text
    assert "# 【须核对】每项任务" in text
    c = load_plan(made["plan"])
    assert (c.plan.id, c.plan.org_unit, c.plan.org_unit_name) == ("donghu_2024_2026", "QSQ-DH", "东湖街道")
    assert c.measures == load_plan(config.PARAMS_DIR / "plans" / "tianjin_street_2024_2026.yaml").measures
    assert sorted(p.stem for p in (ws / "templates").iterdir()) == sorted(
        ["org_units", "enterprises", "personnel_training", "drills", "hazards", "accidents", "economy",
         "tasks_status", "safety_activities", "gov_activities"])
    with pytest.raises(AnalysisError, match="已是一个工作区"):
        init(ws, "tianjin_street_2024_2026")
    with pytest.raises(AnalysisError, match="还没有"):
        archive(ws, "2025Q3")  # no report yet
    assert config.find_workspace(ws / "raw" / "2025Q3") == ws.resolve()
