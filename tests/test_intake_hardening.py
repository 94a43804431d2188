"""Issue 12 beyond the corpus: formula-like text neutralised in every spreadsheet and CSV the product
writes (read back with openpyxl), what intake does with such text, memory bounded by the cells
present (a resource limit in a child process, not a timing), stale staging folders, output paths,
periods before the plan."""

from __future__ import annotations

import csv
import fcntl
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from analysis.cells import formula_like, safe, unquote
from analysis.cli import app
from analysis.intake.readers import read_ledger_file
from analysis.intake.templates import write_templates
from analysis.plans.catalog import get_plan
from analysis.report.reminders import write_reminders
from analysis.report.scoreboard import write_scoreboard
from analysis.store.warehouse import STAGING_PREFIX, clean_stale_staging, ingest, table_fingerprint

DATA = Path(__file__).parent / "data"
PAYLOADS = ["=HYPERLINK(\"http://x.example\",\"点此\")", "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
            "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1", " =1+1"]
"""OWASP's examples of CSV injection, and the white space tricks."""
DRILLS = "演练编号,所属社区/村或街道代码,单位统一编码,演练日期,演练类型,是否“四不”演练,参演人数\n"


@pytest.mark.parametrize("text", PAYLOADS)
def test_safe_quotes_formula_like_text_and_unquote_undoes_it(text):
    assert formula_like(text)
    assert safe(text) == "'" + text and not formula_like(safe(text))
    assert unquote(safe(text)) == text


@pytest.mark.parametrize("value", [-5, -0.5, 3, 0.0, None, "全福街道", "2024-03-05", "—", "50%"])
def test_safe_leaves_numbers_and_plain_text(value):
    assert safe(value) == value


def no_live_formula(path: Path) -> int:
    """Every cell of the workbook: no formula, and no text a spreadsheet would read as one.
    Returns the number of text cells looked at."""
    wb = openpyxl.load_workbook(path)  # data_only=False: formulas come back as formulas
    seen = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{path.name}!{ws.title}!{cell.coordinate} is a formula: {cell.value}"
                if isinstance(cell.value, str):
                    seen += 1
                    assert not formula_like(cell.value), f"{path.name}!{ws.title}!{cell.coordinate}: {cell.value!r}"
    return seen


def test_templates_hold_no_formula(tmp_path):
    files = write_templates(tmp_path)
    assert sum(no_live_formula(f) for f in files) > 100


def _context(text: str):
    """What write_scoreboard reads from a report context, with formula-like text in every text
    field that comes from data (indicator names, units, clauses, task text, notes, planner text)."""
    from analysis.method.progress import ASSESSMENT_FIELDS
    from analysis.report.narrative import Draft
    from analysis.store.planner_text import Entry

    catalog = get_plan("quanfu_2024_2026")
    action = catalog.plan.actions[0].id
    row = dict.fromkeys(ASSESSMENT_FIELDS)
    row.update({"indicator_id": text, "name": text, "value": -1.5, "unit": text, "target": 2.0, "status": "behind",
                "trend": "none", "kind": "at_least", "window": "stock", "time_progress": 0.5, "task_progress": 0.4,
                "completion": 0.4, "completion_basis": "ratio", "projected": 0.0, "likely_met": False,
                "responsible": text, "source": text, "decimals": 1, "action": action, "overdue_days": 0,
                "baseline_period": "2023Q4", "baseline_year_end": False})
    tasks = pd.DataFrame([{"task_id": text, "number": 1, "undated": False, "action": action, "text": text,
                           "responsible": text, "deadline": None, "kind": "milestone", "state": "overdue",
                           "days_overdue": 3, "completed_on": None, "note": text}])
    planner = {k: Entry("p", "u", "2025Q3", k, text) for k in (f"note.{text}", f"progress.{text}", "problems.x")}
    return SimpleNamespace(card=pd.DataFrame([row]), indicator_rows={row["indicator_id"]: row}, tasks=tasks, catalog=catalog, unit_name=text, unit_id="SLQ-QF",
                           quarter=SimpleNamespace(label="2025年第三季度", __str__=lambda self: "2025Q3"),
                           is_sample=True, planner=planner, draft=Draft(problems=[("problems.x", text)]))


@pytest.mark.parametrize("text", PAYLOADS)
def test_scoreboard_writes_data_text_as_text(text, tmp_path):
    path = write_scoreboard(_context(text), tmp_path / "board.xlsx")
    assert no_live_formula(path) > 10
    wb = openpyxl.load_workbook(path)
    # shown as the text it is (a CR may come back as a line feed)
    assert wb["总览"]["C2"].value.replace("\r", "\n") == ("'" + text).replace("\r", "\n")
    assert wb["总览"]["F2"].value == -1.5  # a negative number stays a number


def test_reminder_workbook_writes_data_text_as_text(tmp_path):
    grid = pd.DataFrame([{"unit_id": "X1", "unit_name": p, "level": "街道", "ledger": "hazards", "ledger_title": "事故隐患",
                          "plan_id": None, "frequency": "quarterly", "period": "2025Q3", "period_start": None,
                          "period_end": pd.Timestamp("2025-09-30").date(), "due": pd.Timestamp("2025-10-10").date(),
                          "received": False, "received_on": None, "rows": 0, "on_time": False, "days_late": 5,
                          "status": "未报送（已逾期）"} for p in PAYLOADS])
    path = write_reminders(grid, tmp_path / "cb.xlsx", PAYLOADS[0])
    assert no_live_formula(path) > len(PAYLOADS)


def test_problem_csv_and_annotated_copy_write_data_text_as_text(tmp_path):
    """Clerk's values with formula-like text come back in the --report CSV and the annotated copy."""
    src = tmp_path / "in"
    src.mkdir()
    with open(src / "drills__x.csv", "w", encoding="utf-8-sig", newline="") as f:
        f.write(DRILLS)
        csv.writer(f).writerows([f"D{i}", "SLQ-QF-01", "E1", "2024-03-05", p, "是", p]
                                for i, p in enumerate(PAYLOADS, start=1))
    db = tmp_path / "w.duckdb"
    ingest([DATA / "good"], db=db)
    report, annotated = tmp_path / "problems.csv", tmp_path / "annotated"
    result = CliRunner().invoke(app, ["validate", str(src), "--db", str(db), "--report", str(report),
                                      "--annotate", str(annotated)])
    assert result.exit_code == 1, result.output
    with open(report, encoding="utf-8-sig", newline="") as f:
        fields = [v for row in csv.reader(f) for v in row]
    assert any(v.startswith("'") for v in fields)
    assert not any(formula_like(v) for v in fields)
    [copy] = annotated.iterdir()
    assert copy.name == "drills__x.xlsx"
    assert no_live_formula(copy) > 2 * len(PAYLOADS)


def test_intake_refuses_formulas_and_keeps_other_formula_like_text(tmp_path):
    """"=" (behind any white space) is refused; + - @ text is data and stored as typed; the ' that
    marks text as text (and that `safe` writes) is dropped."""
    path = tmp_path / "org_units__t.csv"
    names = ["+全福", "-", "@应急办", "'+86 0531", "'=1+1", "\t=1+1"]
    path.write_text("单位代码,单位名称,上级单位代码,层级,类型\n" + "".join(
        f"U{i},\"{n}\",,区县,\n" for i, n in enumerate(names)), encoding="utf-8")
    [batch] = read_ledger_file(path)
    assert [(p.row, p.rule) for p in batch.problems] == [(6, "formula"), (7, "formula")]
    assert batch.frame["name"].tolist()[:4] == ["+全福", "-", "@应急办", "+86 0531"]


MEMORY_LIMIT = 1536 << 20
"""Address space given to the child: the interpreter, pandas, pyarrow and DuckDB map ~700 MB of
it before reading a cell; reading the sheet's declared grid would need tens of GB."""
PEAK_RSS_LIMIT = 400 << 20


def test_max_dimension_sheet_is_read_in_bounded_memory(tmp_path):
    """A workbook of a few kB with one value in the grid's last cell (XFD1048576) and the whole
    grid declared: intake names the stray cell, within a resource limit, and its peak RSS stays
    within a few hundred MB."""
    book = DATA / "bad" / "ledgers" / "stray_cell_far_out" / "drills__stray.xlsx"
    assert book.stat().st_size < 20_000
    db = tmp_path / "w.duckdb"
    ingest([DATA / "good"], db=db)
    runner = textwrap.dedent(f"""
        import resource, subprocess, sys
        resource.setrlimit(resource.RLIMIT_AS, ({MEMORY_LIMIT}, {MEMORY_LIMIT}))
        r = subprocess.run([sys.executable, "-m", "analysis", "validate", {str(book)!r}, "--db", {str(db)!r}],
                           capture_output=True, text=True, env={{**__import__("os").environ, "COLUMNS": "250"}})
        sys.stdout.write(r.stdout + r.stderr)
        print("PEAK", resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024)
        sys.exit(r.returncode)""")
    r = subprocess.run([sys.executable, "-c", runner], check=False, capture_output=True, text=True, timeout=600)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "MemoryError" not in r.stdout and "Traceback" not in r.stdout
    assert "drills__stray.xlsx:应急演练:第1048576行:XFD列" in r.stdout
    peak = int(r.stdout.rsplit("PEAK", 1)[1])
    assert peak < PEAK_RSS_LIMIT, f"peak RSS {peak >> 20} MB"


def test_stale_staging_folders_are_removed_live_ones_kept(tmp_path):
    stale = tmp_path / f"{STAGING_PREFIX}killed"
    (stale / "spill").mkdir(parents=True)
    (stale / "lock").touch()
    (stale / "staging.duckdb").write_bytes(b"x" * 1000)
    legacy = tmp_path / f"{STAGING_PREFIX}before-locks"  # from a version that wrote no lock file
    legacy.mkdir()
    live = tmp_path / f"{STAGING_PREFIX}running"
    live.mkdir()
    fresh = tmp_path / f"{STAGING_PREFIX}just-made"
    fresh.mkdir()
    old = time.time() - 3600
    for folder in (stale, legacy, live):
        os.utime(folder, (old, old))
    with open(live / "lock", "wb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        removed = clean_stale_staging(tmp_path)
        assert sorted(removed) == sorted([stale, legacy])
        assert live.exists() and fresh.exists() and not stale.exists()
    # and intake itself cleans up on its way in (a child with this temp folder)
    os.utime(live, (old, old))
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    r = subprocess.run([sys.executable, "-m", "analysis", "validate", str(DATA / "good"), "--db",
                        str(tmp_path / "w.duckdb")], env=env, check=False, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in tmp_path.glob(STAGING_PREFIX + "*")) == [fresh.name]


def test_output_paths_give_a_clear_error(tmp_path):
    a_file = tmp_path / "a.txt"
    a_file.write_text("x")
    runner = CliRunner()
    cases = [
        (["validate", str(DATA / "good"), "--report", str(tmp_path)], "是一个文件夹"),
        (["validate", str(DATA / "good"), "--report", str(a_file / "p.csv")], "不是文件夹"),
        (["validate", str(DATA / "good"), "--annotate", str(a_file)], "不是文件夹"),
        (["report", "quarterly", "--plan", "quanfu_2024_2026", "--period", "2025Q3", "--out", str(a_file)], "不是文件夹"),
        (["report", "quarterly", "--plan", "quanfu_2024_2026", "--period", "2025Q3", "--out", str(a_file / "r")],
         "不是文件夹"),
        (["collect", "--period", "2025Q3", "--out", str(tmp_path)], "是一个文件夹"),
    ]
    for args, words in cases:
        result = runner.invoke(app, args, terminal_width=250)
        out = result.output + (result.stderr or "")
        assert result.exit_code == 1, (args, out)
        assert isinstance(result.exception, SystemExit), (args, result.exception)
        assert words in out and "Traceback" not in out, (args, out)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through permission bits")
def test_unwritable_report_folder(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    result = CliRunner().invoke(app, ["report", "quarterly", "--plan", "quanfu_2024_2026", "--period", "2025Q3",
                                      "--out", str(locked / "r")], terminal_width=250)
    assert result.exit_code == 1 and "无法写入" in result.output + (result.stderr or "")


def test_period_before_the_plan_is_refused(warehouse, tmp_path):
    db = tmp_path / "w.duckdb"
    shutil.copy(warehouse, db)
    before = table_fingerprint(db)
    plan = get_plan("quanfu_2024_2026").plan
    result = CliRunner().invoke(app, ["report", "quarterly", "--plan", plan.id, "--period", "2023Q4",
                                      "--out", str(tmp_path / "reports"), "--db", str(db)], terminal_width=250)
    out = result.output + (result.stderr or "")
    assert result.exit_code == 1, out
    assert "早于规划期" in out and f"{plan.period.start:%Y-%m-%d}" in out
    assert not list((tmp_path / "reports").rglob("*.html"))
    assert table_fingerprint(db) == before


def test_runaway_line_refused_with_its_line_number(tmp_path):
    from analysis.errors import LedgerError
    from analysis.intake.csvstream import MAX_RECORD

    path = tmp_path / "drills__quote.csv"
    path.write_text(DRILLS + "D1,SLQ-QF-01,E1,2024-03-05,综合演练,是,30\n" + "x" * (MAX_RECORD + 10) + "\n",
                    encoding="utf-8")
    with pytest.raises(LedgerError, match="第3行超过"):
        read_ledger_file(path)


def test_annotate_gives_unreadable_files_their_problem_list(tmp_path):
    """A file that cannot be read at all still gets a copy: just the 问题清单 saying why."""
    db = tmp_path / "w.duckdb"
    ingest([DATA / "good"], db=db)
    out = tmp_path / "annotated"
    cases = DATA / "bad" / "ledgers"
    result = CliRunner().invoke(app, ["validate", str(cases / "html_as_xls"), str(cases / "truncated_xlsx"),
                                      str(cases / "utf16_csv"), "--annotate", str(out), "--db", str(db)])
    assert result.exit_code == 1
    for copy in sorted(out.iterdir()):
        wb = openpyxl.load_workbook(copy)
        assert wb.sheetnames == ["问题清单"], copy.name
        assert wb["问题清单"].max_row == 2 and wb["问题清单"]["G2"].value
    assert sorted(p.name for p in out.iterdir()) == ["drills__broken.xlsx", "drills__utf16.xlsx", "drills__web.xlsx"]


def test_published_scoreboard_holds_no_formula(quarterly_report):
    """The scoreboard `report quarterly` writes beside the HTML (catalog text, unit names, notes)."""
    assert no_live_formula(quarterly_report.with_suffix(".xlsx")) > 50
