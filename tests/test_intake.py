"""Reading real-world ledger files: formats, encodings, Chinese dates, and the templates round trip."""

from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from analysis.intake.ledgers import LEDGERS
from analysis.intake.readers import parse_bool, parse_date, parse_number, read_ledger_file
from analysis.intake.templates import data_dictionary, write_template

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("text, expected", [
    ("2024年3月5日", date(2024, 3, 5)), ("2024/3/5", date(2024, 3, 5)), ("2024.03.05", date(2024, 3, 5)),
    ("2024-03-05", date(2024, 3, 5)), ("２０２４－０３－０５", date(2024, 3, 5)), ("20240305", date(2024, 3, 5)),
    (45356, date(2024, 3, 5)), ("45356", date(2024, 3, 5)), (datetime(2024, 3, 5, 8, 0), date(2024, 3, 5)),
    ("2024-03-05 08:30", date(2024, 3, 5)),
])
def test_dates_units_write(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["2024年13月5日", "三月五日", "2024-02-30", "12"])
def test_bad_dates_raise(text):
    with pytest.raises(ValueError):
        parse_date(text)


@pytest.mark.parametrize("text, expected", [("60%", 60.0), ("１，２３４", 1234.0), ("1,234.5", 1234.5), (" 7 ", 7.0),
                                            ("６０％", 60.0)])
def test_numbers(text, expected):
    assert parse_number(text) == expected


@pytest.mark.parametrize("text, expected", [("是", True), ("否", False), ("Y", True), ("0", False), ("√", True)])
def test_bools(text, expected):
    assert parse_bool(text) is expected


def test_gbk_csv_with_title_row_and_chinese_dates(tmp_path):
    path = tmp_path / "drills__SLQ-QF.csv"
    text = ("全福街道应急演练台账（2024年）\n"
            "演练编号,所属社区/村或街道代码,单位统一编码,演练日期,演练类型,是否“四不”演练,参演人数\n"
            "D1,SLQ-QF-01,,2024年3月5日,综合演练,是,\"1,200\"\n"
            "D2,SLQ-QF-01,E1,2024/4/1,专项演练,否,３０\n")
    path.write_bytes(text.encode("gbk"))
    [batch] = read_ledger_file(path)
    assert batch.problems == []
    assert batch.ledger.name == "drills"
    assert batch.frame["drill_date"].dt.date.tolist() == [date(2024, 3, 5), date(2024, 4, 1)]
    assert batch.frame["participants"].tolist() == [1200, 30]
    assert batch.frame["unannounced"].tolist() == [True, False]
    assert batch.rows.tolist() == [3, 4]


def test_template_round_trip(tmp_path):
    """A unit fills in the blank template; the filled file validates."""
    path = write_template(LEDGERS["accidents"], tmp_path / "accidents.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    assert ws.freeze_panes == "A2"
    assert [c.value for c in ws[1]] == [c.header for c in LEDGERS["accidents"].columns]
    assert any("代码表" in dv.formula1 for dv in ws.data_validations.dataValidation)
    assert "填表说明" in wb.sheetnames
    for j, v in enumerate(["A1", "SLQ-QF-01", datetime(2024, 5, 1), "工矿商贸", 1, 0, 35.5, "一般"], start=1):
        ws.cell(row=2, column=j, value=v)
    wb.save(path)
    [batch] = read_ledger_file(path)
    assert batch.problems == []
    assert batch.frame["deaths"].tolist() == [1]


def test_data_dictionary_is_current():
    """docs/data-dictionary.md is generated from the ledgers; regenerate it when they change."""
    assert (ROOT / "docs" / "data-dictionary.md").read_text(encoding="utf-8") == data_dictionary() + "\n"
