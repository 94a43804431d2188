"""The bad-input corpus (tests/data/bad/ledgers/<case>/): every case is refused through the real CLI
with an error naming file, row, column and rule, exit 1, and the warehouse exactly as before."""

import shutil
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from analysis.cli import app
from analysis.intake.ledgers import LEDGERS
from analysis.store.warehouse import ingest, table_fingerprint, validate

DATA = Path(__file__).parent / "data"
CORPUS = DATA / "bad" / "ledgers"

# case -> (file, row, column header, rule); row None = a problem with the whole file
EXPECTED = {
    "empty_file": ("drills__empty.csv", None, "", "文件为空"),
    "header_only": ("drills__header.csv", None, "", "no data rows"),
    "missing_column": ("drills__missing.csv", 1, "演练类型", "missing column"),
    "extra_column": ("drills__extra.csv", 1, "备注栏", "extra column"),
    "unknown_org_unit": ("drills__unit.csv", 3, "所属社区/村或街道代码", "reference"),
    "unknown_enterprise": ("drills__ent.csv", 2, "单位统一编码", "reference"),
    "duplicate_id_in_file": ("drills__dup.csv", 3, "演练编号", "unique key"),
    "duplicate_id_across_files": ("drills__b.csv", 2, "演练编号", "unique key across files"),
    "negative_deaths": ("accidents__neg.csv", 2, "死亡人数", "minimum"),
    "negative_count": ("drills__neg.csv", 2, "参演人数", "minimum"),
    "date_before_2000": ("drills__old.csv", 2, "演练日期", "date_range"),
    "date_in_future": ("drills__future.csv", 2, "演练日期", "date_range"),
    "rectified_before_found": ("hazards__order.csv", 2, "发现日期、整改完成日期", "rectified after found"),
    "deaths_contradict_grade": ("accidents__grade.csv", 2, "事故等级、死亡人数", "severity vs deaths"),
    "non_numeric": ("drills__text.csv", 2, "参演人数", "integer"),
    "bad_date_text": ("drills__date.csv", 2, "演练日期", "date format"),
    "bad_code_value": ("drills__code.csv", 2, "演练类型", "code list"),
    "bad_boolean": ("drills__bool.csv", 2, "是否“四不”演练", "yes/no"),
    "required_missing": ("drills__req.csv", 2, "演练日期", "required"),
    "completed_without_date": ("tasks_status__x.csv", 2, "进展状态", "completed needs a date"),
    "formula_cells": ("drills__formula.xlsx", 2, "参演人数", "formula"),
    "nul_bytes": ("drills__nul.csv", None, "", "NUL"),
    "mixed_encodings": ("drills__mixed.csv", None, "", "第3行起编码与前文不一致"),
    "ragged_csv": ("drills__ragged.csv", None, "", "CSV 格式错误"),
    "unrecognised_ledger": ("mystery.csv", None, "", "无法识别是哪类台账"),
    "truncated_xlsx": ("drills__broken.xlsx", None, "", "不是有效的 Excel"),
    "encrypted_xlsx": ("drills__locked.xlsx", None, "", "已加密"),
    "html_as_xlsx": ("drills__web.xlsx", None, "", "实为网页"),
    "html_as_xls": ("drills__web.xls", None, "", "另存为 .xlsx"),
    # issue 12: holes found by trying ~35 kinds of bad input, and what else a clerk's Excel holds
    "org_unit_own_parent": ("org_units__self.csv", 2, "上级单位代码", "org tree cycle"),
    "org_tree_cycle": ("org_units__ring.csv", 2, "上级单位代码", "org tree cycle"),
    "formula_behind_space": ("org_units__formula.csv", 2, "单位名称", "formula"),
    "non_finite_number": ("personnel_training__inf.csv", 2, "学时", "number range"),
    "quarter_end_not_end": ("economy__qe.csv", 2, "季度末日期", "quarter end"),
    "unknown_plan": ("tasks_status__plan.csv", 2, "规划编号", "unknown plan"),
    "unknown_task": ("tasks_status__task.csv", 2, "任务编号", "unknown task"),
    "long_first_row": ("drills__long.csv", 2, "演练类型", "text length"),
    "huge_cell": ("drills__huge.csv", 3, "演练类型", "text length"),
    "utf16_csv": ("drills__utf16.csv", None, "", "UTF-16"),
    "total_row": ("drills__total.csv", 4, "", "total row"),
    "gdp_in_wan_yuan": ("economy__wan.csv", 4, "地区生产总值(亿元,当季)", "order of magnitude"),
    "money_unit_mismatch": ("economy__unit.csv", 2, "地区生产总值(亿元,当季)", "unit"),
    "column_without_header": ("drills__nohdr.csv", 2, "H列", "cell outside the table"),
    "stray_cell_far_out": ("drills__stray.xlsx", 1048576, "XFD列", "cell outside the table"),
    "hidden_sheet": ("drills__hidden.xlsx", None, "", "hidden sheet"),
    "merged_title_and_total": ("drills__merged.xlsx", 5, "", "total row"),
    "excel_error_value": ("drills__error.xlsx", 3, "参演人数", "excel error"),
    # issue 13: published statistics
    "statistics_quarter_4": ("statistics__q4.csv", 3, "季度", "quarter 1-3"),
    "statistics_unknown_unit": ("statistics__unit.csv", 3, "单位代码", "reference"),
    "statistics_without_source": ("statistics__src.csv", 2, "来源", "required"),
}
SHEETS = {"formula_cells": "Sheet", "stray_cell_far_out": "应急演练", "hidden_sheet": "旧版", "merged_title_and_total": "应急演练",
          "excel_error_value": "应急演练"}
"""The sheet each workbook case's problem names (CSV problems name none)."""
MORE = {"non_finite_number": [("学时", 3, "1e308"), ("学时", 4, "NaN")],
        "hidden_sheet": [("演练类型", 2, "消防演练")]}
"""Further problems a case must also give: (column, row, value)."""

ODD = DATA / "odd" / "ledgers"
UNDERSTOOD = {
    "semicolon_csv": ("drills", "participants", [30]),
    "dates_with_spaces": ("drills", "drill_date", [date(2024, 3, 5), date(2024, 3, 6), date(2024, 3, 7)]),
    "numbers_with_units": ("drills", "participants", [12, 1200]),
    "full_width_codes": ("drills", "unit_id", ["SLQ-QF-01"]),
    "declared_max_dimension": ("drills", "participants", [30, 12]),
    "merged_data_cells": ("drills", "unit_id", ["SLQ-QF-01", "SLQ-QF-01"]),
    "wps_export": ("drills", "drill_date", [date(2024, 3, 5), date(2024, 4, 1)]),
}
"""Cases intake reads as the clerk meant them: (table, column, its values in key order)."""


def plan_tasks() -> dict:
    from analysis.plans.catalog import get_plan, plan_files

    return {pid: {t.id for t in get_plan(pid).tasks} for pid in plan_files()}


def test_corpus_is_complete():
    assert sorted(p.name for p in CORPUS.iterdir()) == sorted(EXPECTED)
    assert sorted(p.name for p in ODD.iterdir()) == sorted(UNDERSTOOD)
    assert len(EXPECTED) >= 45


@pytest.fixture(scope="module")
def base_db(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("bad") / "warehouse.duckdb"
    ingest([DATA / "good"], db=db)
    return db


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_problem_names_file_row_column_rule(case, base_db):
    file, row, column, rule = EXPECTED[case]
    _, problems = validate([CORPUS / case], db=base_db, plan_tasks=plan_tasks())
    match = [p for p in problems if p.file == file and p.row == row and p.column == column
             and (rule == p.rule or rule in p.message) and p.sheet == SHEETS.get(case, "")]
    assert match, f"no problem {EXPECTED[case]} among {problems}"
    assert all("/" in p.message for p in match), "messages carry Chinese and English"
    for column, row, value in MORE.get(case, []):
        assert any((p.column, p.row, p.value) == (column, row, value) for p in problems), (column, row, value)


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_cli_refuses_and_writes_nothing(case, base_db, tmp_path):
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(base_db, db)
    before = table_fingerprint(db)
    result = CliRunner().invoke(app, ["ingest", str(CORPUS / case), "--db", str(db)], terminal_width=250)
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    file, row, column, rule = EXPECTED[case]
    out = result.output + (result.stderr or "")
    assert file in out
    if row is not None:  # the grep-able line names file, sheet, row and column, then the rule
        where = ":".join(x for x in (file, SHEETS.get(case, ""), f"第{row}行", column) if x)
        assert where in out and rule in out, out
    assert table_fingerprint(db) == before


@pytest.mark.parametrize("case", sorted(UNDERSTOOD))
def test_understood_through_cli(case, base_db, tmp_path):
    """What intake understands ingests through the real CLI with the values the clerk meant."""
    import duckdb

    table, column, values = UNDERSTOOD[case]
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(base_db, db)
    result = CliRunner().invoke(app, ["ingest", str(ODD / case), "--db", str(db)], terminal_width=250)
    assert result.exit_code == 0, result.output
    con = duckdb.connect(str(db), read_only=True)
    key = LEDGERS[table].key
    got = [r[0] for r in con.execute(f"SELECT {column} FROM {table} ORDER BY {', '.join(key)}").fetchall()]
    con.close()
    assert got == values


def test_good_files_ingest_idempotently(tmp_path):
    db = tmp_path / "w.duckdb"
    first = {s.ledger: (s.imported, s.updated, s.ignored) for s in ingest([DATA / "good"], db=db)}
    assert first == {"org_units": (3, 0, 0), "enterprises": (1, 0, 0)}
    before = table_fingerprint(db)
    again = {s.ledger: (s.imported, s.updated, s.ignored) for s in ingest([DATA / "good"], db=db)}
    assert again == {"org_units": (0, 0, 3), "enterprises": (0, 0, 1)}
    assert table_fingerprint(db) == before  # the same bytes again are not even recorded as a delivery


def test_corrected_file_replaces_rows(tmp_path):
    db = tmp_path / "w.duckdb"
    ingest([DATA / "good"], db=db)
    fixed = tmp_path / "org_units.csv"
    fixed.write_text((DATA / "good" / "org_units.csv").read_text(encoding="utf-8-sig").replace("全福社区", "全福一社区"),
                     encoding="utf-8-sig")
    [summary] = ingest([fixed], db=db)
    assert (summary.imported, summary.updated, summary.ignored) == (0, 1, 2)
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    names = [r[0] for r in con.execute("SELECT name FROM org_units ORDER BY unit_id").fetchall()]
    prov = con.execute("""SELECT f.name, o._row FROM org_units o JOIN _files f ON f.file_id = o._file_id
                          WHERE o.unit_id = 'SLQ-QF-01'""").fetchall()
    con.close()
    assert names == ["示例区", "全福街道", "全福一社区"]
    assert prov == [("org_units.csv", 4)]
