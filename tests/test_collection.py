"""The collection loop on the sample district: 催报 with some ledgers withheld (a street's hazards
file, another's drills, one town's economy quarter), completeness and timeliness for every
periodic ledger, the CLI listing and its workbook; and problems sent back to the sender
(`validate --annotate`), with the round trip: fix the highlighted cells, ingest, nothing else changes."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from analysis.cli import app
from analysis.intake.annotate import PROBLEM_FILL
from analysis.intake.ledgers import LEDGERS
from analysis.intake.readers import PROBLEM_SHEET, read_ledger_file
from analysis.method import collection
from analysis.method.quality import reporting
from analysis.plans.periods import Quarter
from analysis.store.warehouse import ingest, table_fingerprint

PERIOD, SINCE = Quarter(2025, 3), Quarter(2025, 1)
TODAY = date(2025, 10, 20)
WITHHELD_FILES = ("hazards__SLQ-QF.csv", "drills__SLQ-WZ.csv")
LATE_TOWN = "SLQ-TQ"
"""Its economy row for PERIOD is taken out of economy.xlsx."""


@pytest.fixture(scope="module")
def withheld(sample_dir, tmp_path_factory) -> Path:
    """The sample with two street files left out and one economy quarter deleted, ingested."""
    root = tmp_path_factory.mktemp("withheld")
    src = root / "ledgers"
    shutil.copytree(sample_dir, src)
    for name in WITHHELD_FILES:
        (src / name).unlink()
    wb = openpyxl.load_workbook(src / "economy.xlsx")
    ws = wb.worksheets[0]
    headers = [c.value for c in ws[1]]
    unit, end = headers.index("单位代码"), headers.index("季度末日期")
    gone = [r[0].row for r in ws.iter_rows(min_row=2) if r[unit].value == LATE_TOWN
            and pd.Timestamp(r[end].value).date() == PERIOD.end]
    assert len(gone) == 1
    ws.delete_rows(gone[0])
    wb.save(src / "economy.xlsx")
    db = root / "warehouse.duckdb"
    ingest([src], db=db)
    return db


def grids(warehouse: Path, withheld: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    out = []
    for db in (warehouse, withheld):
        con = duckdb.connect(str(db), read_only=True)
        out.append(collection.status(con, "SLQ", PERIOD, SINCE, today=TODAY))
        con.close()
    return out[0], out[1]


def keys(frame: pd.DataFrame) -> set:
    return {(r.unit_id, r.ledger, r.period, r.plan_id) for r in frame.itertuples()}


def test_withheld_ledgers_are_owed_and_nothing_else(warehouse, withheld):
    full, held = grids(warehouse, withheld)
    assert keys(full) == keys(held), "the same reports are expected either way"
    newly = keys(collection.owed(held)) - keys(collection.owed(full))
    quarters = [str(q) for q in (SINCE, SINCE.shift(1), PERIOD)]
    assert newly == ({("SLQ-QF", "hazards", q, None) for q in quarters} | {("SLQ-WZ", "drills", "2025H1", None)}
                     | {(LATE_TOWN, "economy", str(PERIOD), None)})
    assert keys(collection.owed(full)) <= keys(collection.owed(held))
    missing = held.set_index(["unit_id", "ledger", "period"]).loc[("SLQ-QF", "hazards", str(PERIOD))]
    assert missing["status"] == collection.MISSING_OVERDUE
    assert missing["due"] == PERIOD.end + timedelta(days=LEDGERS["hazards"].due_days)
    assert missing["days_late"] == (TODAY - missing["due"]).days


def test_rates_follow_dhis2_for_every_periodic_ledger(warehouse, withheld):
    full, held = grids(warehouse, withheld)
    assert set(held["ledger"]) == {lg.name for lg in collection.periodic_ledgers()}
    a = collection.rates(full).set_index("ledger")
    b = collection.rates(held).set_index("ledger")
    assert (b["expected"] == a["expected"]).all()
    assert a.loc["hazards", "received"] - b.loc["hazards", "received"] == 3
    assert a.loc["drills", "received"] - b.loc["drills", "received"] == 1
    assert a.loc["economy", "received"] - b.loc["economy", "received"] == 1
    for frame in (a, b):
        assert (frame["reporting_rate"] == frame["received"] / frame["expected"]).all()
        assert (frame["on_time_rate"] == frame["on_time"] / frame["expected"]).all()
        assert (frame["on_time"] <= frame["received"]).all()


def test_economy_timeliness_against_the_ledger_itself(warehouse, sample_dir):
    """On time = 报送日期 no later than the quarter end + due days, counted from the delivered file."""
    [batch] = read_ledger_file(sample_dir / "economy.xlsx")
    e = batch.frame
    e = e[(e["quarter_end"] >= pd.Timestamp(SINCE.start)) & (e["quarter_end"] <= pd.Timestamp(PERIOD.end))]
    due = e["quarter_end"] + pd.Timedelta(days=LEDGERS["economy"].due_days)
    expected_on_time = int((e["reported_on"] <= due).sum())
    con = duckdb.connect(str(warehouse), read_only=True)
    grid = collection.status(con, "SLQ", PERIOD, SINCE, today=TODAY, ledgers=["economy"])
    everything = collection.status(con, "SLQ", PERIOD, SINCE, today=TODAY)
    con.close()
    old_view = reporting(everything)  # the report's view: the economy rows of the whole grid
    assert int(grid["on_time"].sum()) == expected_on_time
    assert 0 < expected_on_time < len(e)  # the sample has late reports, so the test can tell
    assert int(old_view["on_time"].sum()) == expected_on_time  # quality.reporting counts the same


def test_task_reports_are_owed_by_each_plans_unit(warehouse):
    con = duckdb.connect(str(warehouse), read_only=True)
    grid = collection.status(con, "SLQ", PERIOD, today=TODAY, ledgers=["tasks_status"])
    con.close()
    from analysis.plans.catalog import get_plan, plan_files

    running = {(c.plan.org_unit, c.plan.id) for c in map(get_plan, plan_files()) if c.tasks
               and c.plan.period.start <= PERIOD.end and c.plan.period.end >= PERIOD.start}
    present = {(r.unit_id, r.plan_id) for r in grid.itertuples()}
    con = duckdb.connect(str(warehouse), read_only=True)
    units = {r[0] for r in con.execute("SELECT descendant_id FROM org_closure WHERE ancestor_id = 'SLQ'").fetchall()}
    con.close()
    assert present == {(u, p) for u, p in running if u in units}
    assert grid["received"].all()


def test_collect_command_lists_and_writes_the_reminder_sheet(withheld, tmp_path):
    out = tmp_path / "催报单.xlsx"
    result = CliRunner().invoke(app, ["collect", "--period", str(PERIOD), "--since", str(SINCE), "--today",
                                      str(TODAY), "--out", str(out), "--db", str(withheld)], terminal_width=250)
    assert result.exit_code == 0, result.output
    assert "全福街道（SLQ-QF）" in result.output and "事故隐患" in result.output
    con = duckdb.connect(str(withheld), read_only=True)
    owed = collection.owed(collection.status(con, "SLQ", PERIOD, SINCE, today=TODAY))
    con.close()
    ws = openpyxl.load_workbook(out)["催报清单"]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    assert len(rows) == len(owed) and len(rows) >= 5
    assert {(r[0], r[2], r[4]) for r in rows} == {(o.unit_id, o.ledger_title, o.period) for o in owed.itertuples()}
    street = CliRunner().invoke(app, ["collect", "--period", str(PERIOD), "--unit", "SLQ-QF", "--today", str(TODAY),
                                      "--db", str(withheld)], terminal_width=250)
    assert street.exit_code == 0 and "万张街道" not in street.output


# --- problems back to the sender ------------------------------------------------------------------

def _break(sample_dir: Path, folder: Path) -> dict[tuple[str, str], str]:
    """Broken copies of a street's drills CSV and of tasks_status.xlsx; (file, cell) -> the
    original value of each broken cell."""
    folder.mkdir()
    originals = {}
    lines = (sample_dir / "drills__SLQ-QF.csv").read_text(encoding="utf-8-sig").splitlines()
    header = lines[0].split(",")
    date_col, kind_col = header.index("演练日期"), header.index("演练类型")
    for line_no, col, bad in ((3, date_col, "2024-02-30"), (6, kind_col, "消防演练")):
        cells = lines[line_no - 1].split(",")
        originals[("drills__SLQ-QF.xlsx", f"{openpyxl.utils.get_column_letter(col + 1)}{line_no}")] = cells[col]
        cells[col] = bad
        lines[line_no - 1] = ",".join(cells)
    (folder / "drills__SLQ-QF.csv").write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    wb = openpyxl.load_workbook(sample_dir / "tasks_status.xlsx")
    ws = wb.worksheets[0]
    col = [c.value for c in ws[1]].index("进展状态") + 1
    cell = ws.cell(row=4, column=col)
    originals[("tasks_status.xlsx", cell.coordinate)] = cell.value
    cell.value = "完成了"
    wb.save(folder / "tasks_status.xlsx")
    return originals


def test_annotated_copies_round_trip(sample_dir, warehouse, tmp_path):
    db = tmp_path / "w.duckdb"
    shutil.copy(warehouse, db)
    broken, annotated = tmp_path / "delivered", tmp_path / "annotated"
    originals = _break(sample_dir, broken)
    result = CliRunner().invoke(app, ["validate", str(broken), "--annotate", str(annotated), "--db", str(db)],
                                terminal_width=250)
    assert result.exit_code == 1, result.output
    assert sorted(p.name for p in annotated.iterdir()) == ["drills__SLQ-QF.xlsx", "tasks_status.xlsx"]
    marked = {}
    for copy in annotated.iterdir():
        wb = openpyxl.load_workbook(copy)
        assert wb.sheetnames[0] == PROBLEM_SHEET
        listed = list(wb[PROBLEM_SHEET].iter_rows(min_row=2, values_only=True))
        data = wb.worksheets[1]
        for row in data.iter_rows():
            for cell in row:
                if cell.fill.fgColor.rgb in ("00" + PROBLEM_FILL.fgColor.rgb[-6:], PROBLEM_FILL.fgColor.rgb):
                    assert cell.comment and " / " not in cell.comment.text  # the rule, in Chinese
                    marked[(copy.name, cell.coordinate)] = cell.comment.text
        assert {r[3] for r in listed} == {c for f, c in marked if f == copy.name}
    assert set(marked) == set(originals)
    comments = sorted(marked.values())
    assert any("日期" in c for c in comments) and any("综合演练" in c for c in comments)  # rule stated, with its codes
    # the clerk fixes the highlighted cells, saves, and the street ingests the file as it comes back
    for copy in annotated.iterdir():
        wb = openpyxl.load_workbook(copy)
        for (name, coord), value in originals.items():
            if name == copy.name:
                wb.worksheets[1][coord].value = value
        wb.save(copy)
    before = {t: v for t, v in table_fingerprint(db).items() if t != "_files"}
    result = CliRunner().invoke(app, ["ingest", str(annotated), "--db", str(db)], terminal_width=250)
    assert result.exit_code == 0, result.output
    after = {t: v for t, v in table_fingerprint(db).items() if t != "_files"}
    assert after == before  # every row as it was: nothing but the delivery record changed


def test_the_reports_owed_list_names_each_plan_and_reads_its_periods_in_chinese(warehouse):
    """全国 leads two plans and owes a task report for each: the 待催报 rows say which, and no
    period code (2025Q3) reaches the page."""
    from analysis.report import sections
    from analysis.report.context import ReportContext
    from analysis.report.format import fmt_period

    assert [fmt_period(x) for x in ("2025Q3", "2025Q1", "2025H1", "2025H2", "2025")] == [
        "2025年第三季度", "2025年第一季度", "2025年上半年", "2025年下半年", "2025年"]
    ctx = ReportContext.load("jiaoyu_2024_2026", "CN", str(PERIOD), warehouse)
    owed = next(b for b in sections.collection_table(ctx) if getattr(b, "role", "") == "owed")
    cells = [[c[0] for c in r.cells] for r in owed.rows]
    ledgers = sorted(c[1] for c in cells)
    assert ledgers == ["重点任务进展（《安全生产治本攻坚三年行动方案（2024—2026年）》）", "重点任务进展（本规划）"], ledgers
    assert {c[2] for c in cells} == {"2025年第三季度"}
