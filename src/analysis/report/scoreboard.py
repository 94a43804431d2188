"""The Excel scoreboard beside each quarterly report: one sheet per plan action plus a task sheet,
status colours as conditional formats (the status text stays in the cell), frozen headers."""

from __future__ import annotations

import math
from pathlib import Path

from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from analysis.cells import safe_row
from analysis.labels import group
from analysis.report.context import ReportContext

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
HEADER_FONT = Font(bold=True)
HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="center")
TASK_COLOURS = {"overdue": "FDECEC", "done_late": "FFF4CE", "done_on_time": "E6F4EA"}


def _num(v):
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else v


def _sheet_name(text: str, used: set[str]) -> str:
    name = "".join(ch for ch in text if ch not in '[]:*?/\\')[:28] or "Sheet"
    base, n = name, 2
    while name in used:
        name = f"{base[:25]}_{n}"
        n += 1
    used.add(name)
    return name


def _header(ws, headers: list[str], widths: list[int]) -> None:
    ws.append(headers)
    for j, w in enumerate(widths, start=1):
        cell = ws.cell(row=1, column=j)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = HEADER_ALIGNMENT
        ws.column_dimensions[get_column_letter(j)].width = w
    ws.freeze_panes = "A2"


def _status_colours(ws, column: str, last_row: int) -> None:
    labels, colours = group("status"), group("status_color")
    for key, text in labels.items():
        fill = PatternFill("solid", fgColor=colours[key].lstrip("#"))
        ws.conditional_formatting.add(
            f"{column}2:{column}{max(last_row, 2)}",
            FormulaRule(formula=[f'ISNUMBER(SEARCH("{text}",{column}2))'], fill=fill, font=Font(color="FFFFFF", bold=True)))


INDICATOR_HEADERS = ["编号", "指标", "当前值", "单位", "当期目标", "目标时限", "状态", "环比", "同比(%)", "序时进度(%)",
                     "完成率(%)", "期末预测", "预计能否达标", "责任单位", "规划原文"]
INDICATOR_WIDTHS = [26, 40, 12, 10, 12, 12, 12, 10, 10, 12, 12, 12, 12, 30, 60]


def _indicator_rows(ws, records: list[dict]) -> None:
    status, trend = group("status"), group("trend")
    for a in records:
        pct = lambda v: None if _num(v) is None else round(v * 100, 1)
        ws.append(safe_row([a["indicator_id"], a["name"], _num(a["value"]), a["unit"], _num(a["target"]), a["target_by"],
                   f"{group('status_icon')[a['status']]} {status[a['status']]}", trend[a["trend"]],
                   pct(a["yoy_change"]), pct(a["time_progress"]), pct(a["task_progress"]), _num(a["projected"]),
                   {True: "可达标", False: "难达标"}.get(a["likely_met"], "—"), a["responsible"], a["source"]]))
        row = ws.max_row
        fmt = "0." + "0" * a["decimals"] if a["decimals"] else "0"
        for col in (3, 5, 12):
            ws.cell(row=row, column=col).number_format = fmt
        ws.cell(row=row, column=6).number_format = "yyyy-mm-dd"
        ws.cell(row=row, column=15).alignment = Alignment(wrap_text=True, vertical="top")
    _status_colours(ws, "G", ws.max_row)


def write_scoreboard(ctx: ReportContext, path: str | Path) -> Path:
    path = Path(path)
    wb = Workbook()
    used: set[str] = set()
    overview = wb.active
    overview.title = _sheet_name("总览", used)
    records = ctx.card.to_dict("records")  # once: pandas' row conversion costs more than writing the cells
    _header(overview, INDICATOR_HEADERS, INDICATOR_WIDTHS)
    _indicator_rows(overview, records)
    for action in ctx.catalog.plan.actions:
        mine = [a for a in records if a["action"] == action.id]
        if not mine:
            continue
        ws = wb.create_sheet(_sheet_name(f"{action.id} {action.title}", used))
        _header(ws, INDICATOR_HEADERS, INDICATOR_WIDTHS)
        _indicator_rows(ws, mine)
    ws = wb.create_sheet(_sheet_name("重点任务", used))
    _header(ws, ["编号", "行动", "任务", "责任单位", "完成时限", "类型", "进展", "逾期天数", "完成日期", "进展说明"],
            [8, 8, 60, 26, 12, 10, 12, 10, 12, 30])
    states, kinds = group("task_state"), group("task_kind")
    for r in ctx.tasks.to_dict("records"):
        ws.append(safe_row([r["task_id"], r["action"], r["text"], r["responsible"], r["deadline"], kinds[r["kind"]],
                   states[r["state"]], r["days_overdue"] or None, r["completed_on"], r["note"]]))
        row = ws.max_row
        for col in (5, 9):
            ws.cell(row=row, column=col).number_format = "yyyy-mm-dd"
        ws.cell(row=row, column=3).alignment = Alignment(wrap_text=True, vertical="top")
        if r["state"] in TASK_COLOURS:
            ws.cell(row=row, column=7).fill = PatternFill("solid", fgColor=TASK_COLOURS[r["state"]])
    info = wb.create_sheet(_sheet_name("说明", used))
    plan = ctx.catalog.plan
    for k, v in (("规划", plan.title), ("评估单位", f"{ctx.unit_name}（{ctx.unit_id}）"), ("评估期", ctx.quarter.label),
                 ("数据", "示例数据（虚构）" if ctx.is_sample else "各单位报送台账"),
                 ("状态", "已达标 / 正常推进 / 滞后 / 严重滞后 / 数据不足，判定方法见报告“方法说明”")):
        info.append(safe_row([k, v]))
    info.column_dimensions["A"].width = 12
    info.column_dimensions["B"].width = 80
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
