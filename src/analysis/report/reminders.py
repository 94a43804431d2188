"""The 催报单: an Excel workbook to send out at the start of each collection round — who still owes
which ledger for which period and by when, every expected report's state, and the reporting and
on-time rates per ledger (DHIS2 completeness and timeliness). Built from `method.collection`."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from analysis.cells import safe_row
from analysis.labels import group
from analysis.method import collection

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
STATUS_FILLS = {collection.MISSING_OVERDUE: "FDECEC", collection.RECEIVED_LATE: "FFF4CE",
                collection.RECEIVED_ON_TIME: "E6F4EA", collection.MISSING_NOT_DUE: "F2F2F2"}

OWED = [("单位代码", "unit_id", 14), ("单位名称", "unit_name", 14), ("台账", "ledger_title", 18),
        ("规划", "plan_id", 24), ("报送周期", "period", 10), ("报送期限", "due", 12), ("状态", "status", 16),
        ("逾期天数", "days_late", 10), ("备注", None, 30)]
GRID = [("单位代码", "unit_id", 14), ("单位名称", "unit_name", 14), ("层级", "level", 8), ("台账", "ledger_title", 18),
        ("规划", "plan_id", 24), ("频次", "frequency", 8), ("报送周期", "period", 10), ("报送期限", "due", 12),
        ("报送日期", "received_on", 12), ("行数", "rows", 8), ("状态", "status", 16), ("逾期天数", "days_late", 10)]
RATES = [("台账", "ledger_title", 18), ("应报", "expected", 8), ("已报", "received", 8), ("按时", "on_time", 8),
         ("报送率", "reporting_rate", 10), ("及时率", "on_time_rate", 10)]


def _sheet(ws, spec, frame: pd.DataFrame) -> None:
    ws.append([h for h, _, _ in spec])
    for j, (_, _, width) in enumerate(spec, start=1):
        cell = ws.cell(row=1, column=j)
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
        cell.alignment = Alignment(vertical="center")
        ws.column_dimensions[get_column_letter(j)].width = width
    for rec in frame.to_dict("records"):
        values = []
        for _, key, _ in spec:
            v = rec.get(key) if key else None
            if key == "frequency":
                v = group("frequency").get(v, v)
            values.append(None if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NaT else v)
        ws.append(safe_row(values))
        row = ws.max_row
        for j, (_, key, _) in enumerate(spec, start=1):
            if key in ("due", "received_on"):
                ws.cell(row=row, column=j).number_format = "yyyy-mm-dd"
            elif key in ("reporting_rate", "on_time_rate"):
                ws.cell(row=row, column=j).number_format = "0.0%"
            elif key == "status" and rec["status"] in STATUS_FILLS:
                ws.cell(row=row, column=j).fill = PatternFill("solid", fgColor=STATUS_FILLS[rec["status"]])
    ws.freeze_panes = "A2"
    if ws.max_row > 1:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(spec))}{ws.max_row}"


def write_reminders(grid: pd.DataFrame, path: Path, title: str) -> Path:
    """催报清单 (reports still missing, overdue first), 报送情况 (every expected report), 报送率
    (per ledger) and 说明, as one workbook; every value written through `cells.safe`."""
    wb = Workbook()
    ws = wb.active
    ws.title = "催报清单"
    _sheet(ws, OWED, collection.owed(grid))
    _sheet(wb.create_sheet("报送情况"), GRID, grid)
    _sheet(wb.create_sheet("报送率"), RATES, collection.rates(grid))
    info = wb.create_sheet("说明")
    for row in (("标题", title),
                ("应报", "按各台账声明的报送频次（每季度/每半年/每年）和报送单位（街道、镇；重点任务进展为各规划的责任单位）列出"),
                ("已报", "数据仓库中有该单位（含下属社区/村）在该周期内的记录"),
                ("按时", "报送日期（无该列时为文件导入日期）不晚于报送期限（周期结束后若干天，见各台账）"),
                ("报送率 / 及时率", "已报 ÷ 应报、按时 ÷ 应报（DHIS2 定义；未到期的不计入应报）"),
                ("说明", "事件类台账（隐患、培训、演练等）无法区分“本期无事项”与“未报送”：无记录即视为未报送")):
        info.append(safe_row(row))
    info.column_dimensions["A"].width, info.column_dimensions["B"].width = 16, 90
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
