"""Task states from progress reports, against hand-made reports in a real DuckDB."""

from datetime import date

import duckdb
import pandas as pd
import pytest

from analysis.method.tasks import task_table
from analysis.plans.catalog import Catalog
from analysis.plans.periods import Quarter
from analysis.store.warehouse import ensure_schema


@pytest.fixture
def catalog() -> Catalog:
    tasks = [
        {"id": "T1", "action": "A1", "text": "建库", "responsible": ["应急办"], "deadline": "2024-03-31", "source": "s"},
        {"id": "T2", "action": "A1", "text": "培训", "responsible": ["应急办"], "deadline": "2024-06-30", "source": "s"},
        {"id": "T3", "action": "A1", "text": "改造", "responsible": ["建设办"], "deadline": "2024-06-30", "source": "s"},
        {"id": "T4", "action": "A1", "text": "成效", "responsible": ["建设办"], "deadline": "2024-06-30", "source": "s",
         "kind": "effect"},
        {"id": "T5", "action": "A1", "text": "未报", "responsible": ["建设办"], "deadline": "2025-06-30", "source": "s"},
        {"id": "T6", "action": "A1", "text": "未报逾期", "responsible": ["建设办"], "deadline": "2024-01-31",
         "source": "s"},
    ]
    return Catalog.model_validate({
        "plan": {"id": "p", "title": "t", "issuer": "i", "level": "street", "org_unit": "U", "org_unit_name": "U",
                 "period": {"start": "2024-01-01", "end": "2026-12-31"}, "actions": [{"id": "A1", "title": "a"}]},
        "measures": {"m": {"label": "m", "table": "drills"}},
        "indicators": [{"id": "i", "name": "n", "action": "A1", "numerator": "m", "direction": "higher",
                        "target": {"kind": "at_least", "phases": [{"by": "2025-12-31", "value": 1}]},
                        "responsible": "r", "source": "s"}],
        "tasks": tasks})


def test_states(catalog):
    con = duckdb.connect()
    ensure_schema(con)
    reports = pd.DataFrame([
        ("p", "T1", "U", date(2024, 3, 31), "已完成", date(2024, 3, 20), None),
        ("p", "T2", "U", date(2024, 6, 30), "推进中", None, None),
        ("p", "T2", "U", date(2024, 9, 30), "已完成", date(2024, 9, 1), "补齐"),
        ("p", "T3", "U", date(2024, 9, 30), "推进中", None, None),
        ("p", "T4", "U", date(2024, 9, 30), "推进中", None, None),
        ("other", "T5", "U", date(2024, 9, 30), "已完成", date(2024, 9, 1), "另一规划的同号任务"),
    ], columns=["plan_id", "task_id", "unit_id", "reported_on", "progress", "completed_on", "note"])
    con.register("r", reports)
    con.execute("INSERT INTO tasks_status SELECT *, 1, 1, 0 FROM r")
    states = task_table(con, catalog, "U", Quarter(2024, 3)).set_index("task_id")["state"].to_dict()
    assert states == {"T1": "done_on_time", "T2": "done_late", "T3": "overdue", "T4": "in_progress",
                      "T5": "no_report", "T6": "overdue"}
    order = task_table(con, catalog, "U", Quarter(2024, 3))["task_id"].tolist()
    assert order[:2] == ["T6", "T3"]  # overdue first, earliest deadline first
    q2 = task_table(con, catalog, "U", Quarter(2024, 2)).set_index("task_id")["state"].to_dict()
    assert q2["T2"] == "in_progress" and q2["T3"] == "no_report"
