"""Streaming intake: CSVs are parsed in chunks with a vectorised fast path and the per-cell
parsers for the rest; the result must not depend on where chunks break, problems are capped per
sheet but all counted, and a rejected load leaves no trace."""

from __future__ import annotations

from datetime import date

import pyarrow
import pytest

from analysis.intake import csvstream
from analysis.intake import readers as intake
from analysis.intake.ledgers import Column
from analysis.intake.readers import read_ledger_file
from analysis.store.warehouse import IngestRejected, ingest, validate

HEADER = "演练编号,所属社区/村或街道代码,单位统一编码,演练日期,演练类型,是否“四不”演练,参演人数\n"


def drills_csv(tmp_path, body: str, name: str = "drills__x.csv", encoding: str = "utf-8-sig"):
    path = tmp_path / name
    path.write_bytes(("应急演练台账\n" + HEADER + body).encode(encoding))
    return path


def test_chunk_breaks_do_not_change_values_rows_or_problems(tmp_path, monkeypatch):
    """Title row, blank lines, a short row, a quoted line break and cells for the slow path,
    read whole and in chunks of three rows."""
    lines = []
    for i in range(40):
        date_cell = ["2024-03-05", "2024年3月5日", "2024/3/5", "45356", "2024-02-30", ""][i % 6]
        count = ["30", "１，２００", "60%", "-1", "x", "12"][i % 5]
        lines.append(f'D{i},SLQ-QF-01,E1,{date_cell},综合演练,{"是否Y是"[i % 4]},{count}\n')
    lines[7] = "\n"
    lines[11] = "D11,SLQ-QF-01\n"
    lines[15] = 'D15,SLQ-QF-01,E1,2024-03-05,综合演练,"否",\"1\n2\"\n'
    path = drills_csv(tmp_path, "".join(lines))
    [whole] = read_ledger_file(path, today=date(2026, 1, 1))
    monkeypatch.setattr(csvstream, "CHUNK_ROWS", 3)
    monkeypatch.setattr(csvstream, "ARROW_BLOCK", 256)
    [chunked] = read_ledger_file(path, today=date(2026, 1, 1))
    assert chunked.frame.equals(whole.frame)
    assert chunked.rows.tolist() == whole.rows.tolist()
    assert sorted(chunked.problems, key=repr) == sorted(whole.problems, key=repr)
    assert 10 not in whole.rows  # the blank line (lines[i] is on line i + 3)
    assert whole.frame.loc[whole.rows.tolist().index(14), "drill_id"] == "D11"  # short row, padded
    assert whole.frame.loc[whole.rows.tolist().index(19), "drill_id"] == "D16"  # records are counted, as by pandas
    assert {(p.row, p.rule) for p in whole.problems} >= {(3 + 4, "date format"), (3 + 4, "integer"), (3 + 3, "minimum")}


def test_problems_are_capped_per_sheet_and_all_counted(tmp_path):
    n = intake.PROBLEM_CAP + 500
    path = drills_csv(tmp_path, "".join(f"D{i},SLQ-QF-01,,2024-03-05,综合演练,是,many\n" for i in range(n)))
    batches, problems = validate([path], db=tmp_path / "none.duckdb")
    assert len(problems) == intake.PROBLEM_CAP
    assert batches[0].problem_count == 2 * n  # every count cell, and every unit (no warehouse yet)
    assert not (tmp_path / "none.duckdb").exists()


def test_wide_row_names_its_record(tmp_path):
    path = drills_csv(tmp_path, "D1,SLQ-QF-01,E1,2024-03-05,综合演练,是,3\nD2,SLQ-QF-01,E1,2024-03-05,综合演练,是,3,9\n")
    _, [problem] = validate([path], db=tmp_path / "none.duckdb")
    assert "CSV 格式错误" in problem.message and "第4行" in problem.message and problem.row is None


def test_gbk_file_streams(tmp_path):
    path = drills_csv(tmp_path, "D1,SLQ-QF-01,,2024年3月5日,综合演练,是,3\n", encoding="gbk")
    [batch] = read_ledger_file(path)
    assert batch.problems == [] and batch.frame["drill_date"].dt.date.tolist() == [date(2024, 3, 5)]


@pytest.mark.parametrize("body, column, rule", [
    ("H1,SLQ-QF-01,,2024-03-05,一般,企业自查,9999-12-31,\n", "整改期限", "date_range"),
    ("D1,SLQ-QF-01,,2024-03-05,综合演练,是,99999999999999999999\n", "参演人数", "integer"),
])
def test_out_of_range_values_are_problems_not_crashes(tmp_path, body, column, rule):
    if body.startswith("H"):
        path = tmp_path / "hazards__x.csv"
        path.write_text("隐患编号,所属社区/村代码,单位统一编码,发现日期,隐患等级,发现渠道,整改期限,整改完成日期\n" + body,
                        encoding="utf-8")
    else:
        path = drills_csv(tmp_path, body)
    [batch] = read_ledger_file(path)
    assert [(p.column, p.rule) for p in batch.problems] == [(column, rule)]


def test_rejected_first_ingest_leaves_no_warehouse(tmp_path):
    path = drills_csv(tmp_path, "D1,SLQ-XX-99,,2024-03-05,综合演练,是,3\n")
    with pytest.raises(IngestRejected) as e:
        ingest([path], db=tmp_path / "new.duckdb")
    assert [p.rule for p in e.value.problems] == ["reference"]
    assert not (tmp_path / "new.duckdb").exists()


CELLS = {
    "date": ["2024-03-05", "2024-3-5", "2024/3/5", "2024/03/05", "2024.3.5", "2024年3月5日", "2024 年 3 月 5 日",
             "2024年3月5", "20240305", "45356", "２０２４－０３－０５", "2024-02-30", "2024/2/30", "24/3/5",
             "2024-03/05", "2024-03-05 08:30", "1999-12-31", "2999-01-01", "=TODAY()", "", " ", "abc"],
    "int": ["5", "-3", "007", "1,200", "1, 200", "60%", "60 %", "%", "1.5", "12.0", "1e3", "+7", "３０",
            "99999999999999999999", "=A1", " 12 ", "nan", "", "x"],
    "float": ["1.5", "-0.25", ".5", "5.", "1,000.5", "1,000.5%", "%60", "1e-3", "６０％", "inf", "=B2", ""],
    "bool": ["是", "否", "Y", "yes", "YES", "True", "t", "F", "no", "0", "1", "√", "×", "有", "无", "ＹＥＳ",
             "是的", "=1", " 是 ", ""],
    "str": ["abc", " abc ", "\u3000abc\u3000", "=x", "=", "", "<script>alert(1)</script>"],
}


@pytest.mark.parametrize("dtype", sorted(CELLS))
def test_fast_path_agrees_with_the_cell_parsers(dtype):
    """A CSV column (fast path, residue to the cell parsers) and the same cells from a worksheet
    (cell parsers only) give the same values and the same problems."""
    column = Column("c", "列", dtype)
    fast, fast_bad = intake._parse_column(pyarrow.array(CELLS[dtype]), column, date(2026, 1, 1))
    slow, slow_bad = intake._parse_column(list(CELLS[dtype]), column, date(2026, 1, 1))
    assert fast.to_pylist() == slow.to_pylist()
    assert sorted(fast_bad) == sorted(slow_bad)
