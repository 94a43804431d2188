"""Publishing guarantees: deterministic HTML, escaped data strings, the index and the Excel scoreboard."""

import re
import shutil

import openpyxl
import pytest

from analysis.errors import ReportError
from analysis.plans.catalog import get_plan
from analysis.publish.pipeline import publish
from analysis.store.warehouse import ingest
from tests.conftest import PERIOD, PLAN, UNIT, site_data

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

    data = site_data(reports_dir)
    plan = next(p for p in data["plans"] if p["id"] == PLAN)
    _, _, href, counts, *_ = next(r for r in plan["reports"][UNIT] if r[:2] == [PERIOD, "quarterly"])
    assert href == quarterly_report.relative_to(reports_dir).as_posix()
    assert sum(counts) == len(get_plan(PLAN).indicators)
    assert plan["units"][UNIT][0] == "全福街道" and data["kinds"]["quarterly"] == "季度评估"
    manifest = (reports_dir / "assets" / "site.js").read_text(encoding="utf-8")
    assert f'"{PLAN}/{UNIT}/{PERIOD}.docx"' in manifest  # the pages' links check this list


def test_scoreboard_sheets_print_setup_and_no_ids(quarterly_report):
    xlsx = quarterly_report.with_suffix(".xlsx")
    wb = openpyxl.load_workbook(xlsx)
    assert wb.sheetnames[0] == "总览" and {"重点任务", "评估意见", "说明"} <= set(wb.sheetnames)
    overview = wb["总览"]
    catalog = get_plan(PLAN)
    keys = [r[0] for r in overview.iter_rows(min_row=2, values_only=True)]
    assert keys == [f"note.{i.id}" for i in catalog.indicators]
    assert overview.column_dimensions["A"].hidden  # the keys are for the way back, not for reading
    shown = [c for c in overview[1] if not overview.column_dimensions[c.column_letter].hidden]
    visible = {str(v) for r in overview.iter_rows(min_row=2) for v in (r[c.column - 1].value for c in shown) if v}
    assert not visible & {i.id for i in catalog.indicators}  # no indicator id in sight
    assert [r[1] for r in overview.iter_rows(min_row=2, values_only=True)] == list(range(1, len(keys) + 1))
    actions_with_indicators = {i.action for i in catalog.indicators}
    assert len(wb.sheetnames) == 1 + len(actions_with_indicators) + 3  # overview, actions, tasks, opinion, notes
    for ws in wb.worksheets[:-1]:  # every sheet but 说明 prints on A4 landscape, fitted to the width
        assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4), ws.title
        assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0 and ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.print_title_rows == "$1:$1", ws.title


def test_scoreboard_colours_every_status_right(quarterly_report):
    """Read the conditional formats back: one exact rule per status, most severe first, each filling
    with the status's own colour (严重滞后 never painted as 滞后)."""
    from analysis.labels import group
    from analysis.report.scoreboard import status_text

    overview = openpyxl.load_workbook(quarterly_report.with_suffix(".xlsx"))["总览"]
    column = next(c.column_letter for c in overview[1] if c.value == "状态")
    rules = [r for cf in overview.conditional_formatting for r in cf.rules if str(cf.sqref).startswith(column)]
    colours = group("status_color")
    by_text = {}
    for r in sorted(rules, key=lambda r: r.priority):
        text = r.formula[0].split('"')[1]
        assert r.formula[0] == f'{column}2="{text}"' and r.stopIfTrue
        fill = r.dxf.fill
        assert fill.bgColor.rgb[-6:] == fill.fgColor.rgb[-6:]
        by_text[text] = fill.bgColor.rgb[-6:]
    assert by_text == {status_text(s): colours[s].lstrip("#").upper() for s in colours}
    for row in overview.iter_rows(min_row=2):
        cell = row[ord(column) - ord("A")]
        matching = [t for t in by_text if t == cell.value]
        assert len(matching) == 1, cell.value  # every status cell is painted by exactly one rule


def test_quarter_after_the_data_cutoff_is_refused(warehouse, tmp_path):
    """A quarter no ledger reaches yet would be a report of 数据不足 everywhere: refused, nothing written."""
    with pytest.raises(ReportError, match=r"晚于数据截止日 2026-09-30.*2026Q3"):
        publish(PLAN, UNIT, "2026Q4", reports_dir=tmp_path, db=warehouse)
    assert not any(tmp_path.rglob("*.html"))
