"""Publishing guarantees: deterministic HTML, escaped data strings, the index and the Excel scoreboard."""

import re
import shutil

import openpyxl
import pandas as pd
import pytest

from analysis.errors import ReportError
from analysis.plans.catalog import get_plan
from analysis.publish.pipeline import publish
from analysis.store.warehouse import ingest
from tests.conftest import PERIOD, PLAN, UNIT

pytestmark = pytest.mark.slow

EVIL = "<script>alert(1)</script>"
GENERATED = re.compile(r'<span class="generated-at">[^<]*</span>')


def test_two_runs_identical_but_generation_time(warehouse, quarterly_report, reports_dir):
    first = quarterly_report.read_text(encoding="utf-8")
    again = publish(PLAN, UNIT, PERIOD, reports_dir=reports_dir, db=warehouse)
    assert again == quarterly_report
    assert GENERATED.sub("", first) == GENERATED.sub("", again.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def evil_report(sample_dir, tmp_path_factory):
    """The sample with one community renamed to a script tag, published for its street."""
    root = tmp_path_factory.mktemp("evil")
    data = root / "sample"
    shutil.copytree(sample_dir, data)
    wb = openpyxl.load_workbook(data / "org_units.xlsx")
    ws = wb.worksheets[0]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == f"{UNIT}-01":
            row[1].value = EVIL
    wb.save(data / "org_units.xlsx")
    db = root / "w.duckdb"
    ingest([data], db=db)
    return publish(PLAN, UNIT, PERIOD, reports_dir=root / "reports", db=db)


def test_data_strings_are_escaped(evil_report):
    html = evil_report.read_text(encoding="utf-8")
    assert EVIL not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_index_lists_report_with_status(quarterly_report, reports_dir):
    index = (reports_dir / "index.html").read_text(encoding="utf-8")
    rel = quarterly_report.relative_to(reports_dir).as_posix()
    assert f'href="{rel}"' in index
    assert "季度评估" in index and "全福街道" in index
    assert 'class="badge status-' in index


def test_scoreboard_sheets_and_status_formats(quarterly_report):
    xlsx = quarterly_report.with_suffix(".xlsx")
    wb = openpyxl.load_workbook(xlsx)
    assert wb.sheetnames[0] == "总览" and "重点任务" in wb.sheetnames
    overview = wb["总览"]
    assert overview.freeze_panes == "A2"
    assert len(overview.conditional_formatting) >= 1
    catalog = get_plan(PLAN)
    ids = [r[0] for r in overview.iter_rows(min_row=2, values_only=True)]
    assert ids == [i.id for i in catalog.indicators]
    actions_with_indicators = {i.action for i in catalog.indicators}
    assert len(wb.sheetnames) == 1 + len(actions_with_indicators) + 2  # overview, actions, tasks, notes
    tasks = [r[0] for r in wb["重点任务"].iter_rows(min_row=2, values_only=True)]
    assert sorted(tasks) == sorted(t.id for t in catalog.tasks)
    statuses = pd.Series([r[6] for r in overview.iter_rows(min_row=2, values_only=True)])
    assert statuses.str.contains("已达标|正常推进|滞后|严重滞后|未完成|数据不足|不单列考核").all()


def test_quarter_after_the_data_cutoff_is_refused(warehouse, tmp_path):
    """A quarter no ledger reaches yet would be a report of 数据不足 everywhere: refused, nothing written."""
    with pytest.raises(ReportError, match=r"晚于数据截止日 2026-09-30.*2026Q3"):
        publish(PLAN, UNIT, "2026Q4", reports_dir=tmp_path, db=warehouse)
    assert not any(tmp_path.rglob("*.html"))
