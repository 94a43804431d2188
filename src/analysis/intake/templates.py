"""Blank Excel templates for units, one per ledger, generated from the ledger declarations:
Chinese headers, drop-down lists (数据有效性) for coded columns, date formats, frozen header and a
填表说明 sheet. Also the data dictionary (docs/data-dictionary.md) from the same source."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from analysis.cells import safe, safe_row
from analysis.intake.ledgers import LEDGERS, Column, Ledger
from analysis.labels import group

ROWS = 5000
"""Rows the drop-down lists and formats are applied to."""
TYPE_TEXT = {"str": "文本", "int": "整数", "float": "数值", "date": "日期", "bool": "是/否"}
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")


def _rule(c: Column) -> str:
    parts = [TYPE_TEXT[c.dtype], "必填" if c.required else "可空"]
    if c.choices:
        parts.append("取值：" + "、".join(c.choices))
    if c.min_value is not None:
        parts.append(f"不小于 {c.min_value:g}")
    if c.dtype == "date":
        parts.append("如 2024-03-05 或 2024年3月5日")
    if c.description:
        parts.append(c.description)
    return "；".join(parts)


def write_template(ledger: Ledger, path: Path, used: list[str] | None = None, plan: str | None = None) -> Path:
    """One blank template. `used`: the columns a plan reads (named in the 填表说明 sheet, their
    headers underlined), for templates made for one plan (`templates --plan`)."""
    wb = Workbook()
    ws = wb.active
    ws.title = ledger.title
    lists = wb.create_sheet("代码表")
    list_col = 0
    for j, c in enumerate(ledger.columns, start=1):
        letter = get_column_letter(j)
        cell = ws.cell(row=1, column=j, value=safe(c.header))
        cell.font = Font(bold=True, underline="single" if used and c.name in used else None)
        cell.fill = REQUIRED_FILL if c.required else HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        cell.comment = Comment(_rule(c), "模板")
        ws.column_dimensions[letter].width = max(12, min(40, len(c.header) * 2.2 + 2))
        rng = f"{letter}2:{letter}{ROWS + 1}"
        choices = ("是", "否") if c.dtype == "bool" else c.choices
        if choices:
            list_col += 1
            lcol = get_column_letter(list_col)
            lists.cell(row=1, column=list_col, value=safe(c.header))
            for i, v in enumerate(choices, start=2):
                lists.cell(row=i, column=list_col, value=safe(v))
            dv = DataValidation(type="list", formula1=f"=代码表!${lcol}$2:${lcol}${len(choices) + 1}",
                                allow_blank=not c.required, showErrorMessage=True,
                                errorTitle="取值不在列表中", error=f"“{c.header}”请从下拉列表中选择")
            ws.add_data_validation(dv)
            dv.add(rng)
        elif c.dtype == "date":
            dv = DataValidation(type="date", operator="greaterThan", formula1="36526", allow_blank=not c.required,
                                showErrorMessage=True, error="请填写 2000 年以后的日期")
            ws.add_data_validation(dv)
            dv.add(rng)
            for r in range(2, 202):
                ws.cell(row=r, column=j).number_format = "yyyy-mm-dd"
        elif c.dtype in ("int", "float") and c.min_value is not None:
            dv = DataValidation(type="whole" if c.dtype == "int" else "decimal", operator="greaterThanOrEqual",
                                formula1=f"{c.min_value:g}", allow_blank=not c.required, showErrorMessage=True,
                                error=f"“{c.header}”须为不小于 {c.min_value:g} 的数")
            ws.add_data_validation(dv)
            dv.add(rng)
    ws.freeze_panes = "A2"
    lists.sheet_state = "hidden"
    guide = wb.create_sheet("填表说明")
    guide.append(safe_row(["台账", f"{ledger.title}（{ledger.name}）"]))
    guide.append(safe_row(["说明", ledger.description or "—"]))
    guide.append(safe_row(["唯一编号", "、".join(ledger.column(k).header for k in ledger.key)
                           + "（同一编号重复报送视为更正，以最新为准）"]))
    guide.append(safe_row(["文件命名", f"{ledger.name}__<单位代码>.xlsx，如 {ledger.name}__SLQ-QF.xlsx"]))
    if ledger.frequency:
        guide.append(safe_row(["报送频次", f"{group('frequency')[ledger.frequency]}；每期结束后 {ledger.due_days} 天内报送"]))
    if used is not None:
        guide.append(safe_row([f"{plan or '本规划'}使用的列",
                               "、".join(ledger.column(c).header for c in used)
                               + "（表头带下划线；其余列为台账格式要求，仍须按要求填写）"]))
    guide.append([])
    guide.append(["列名", "填写要求"])
    for c in ledger.columns:
        guide.append(safe_row([c.header, _rule(c)]))
    for cell in guide["A"]:
        cell.font = Font(bold=True)
    guide.column_dimensions["A"].width = 26
    guide.column_dimensions["B"].width = 90
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def write_templates(out_dir: Path, only: dict[str, list[str]] | None = None, plan: str | None = None) -> list[Path]:
    """Every ledger's template, or only those in `only` (ledger -> the columns a plan reads)."""
    if only is None:
        return [write_template(ledger, out_dir / f"{ledger.name}.xlsx") for ledger in LEDGERS.values()]
    return [write_template(LEDGERS[name], out_dir / f"{name}.xlsx", used, plan) for name, used in only.items()]


def data_dictionary() -> str:
    """Markdown data dictionary generated from the ledger declarations."""
    lines = ["# 数据字典 · Data dictionary", "",
             ("Generated from `src/analysis/intake/ledgers.py` by `python -m analysis templates --dictionary`; "
              "do not edit by hand."), ""]
    for ledger in LEDGERS.values():
        lines += [f"## {ledger.title} · `{ledger.name}`", ""]
        if ledger.description:
            lines += [ledger.description, ""]
        lines += [f"Key: {', '.join(ledger.key)}" + (f" · dated by `{ledger.date_column}`" if ledger.date_column else "")
                  + (f" · delivered {ledger.frequency}, due {ledger.due_days} days after the period" if ledger.frequency
                     else "")
                  + (" · published figures: measures read each row for the year (or year to the quarter) it names, "
                     "as the unit's own figure, never summed up the org tree; a figure not published is unknown"
                     if ledger.own_figures else "")
                  + (f" · a row naming `{ledger.registers_units}` registers an unknown unit as a top-level org unit"
                     if ledger.registers_units else ""),
                  "", "| column | 表头 | type | rule |", "|---|---|---|---|"]
        lines += [f"| `{c.name}` | {c.header} | {c.dtype} | {_rule(c)} |" for c in ledger.columns]
        lines.append("")
    return "\n".join(lines)
