"""The Excel scoreboard beside each quarterly report, and the planner's way back in.

Sheets: 总览 (every indicator), one per plan action, 重点任务, 评估意见 (the drafted sentences), 说明.
Numbers read as in the report (report.format); status colours are conditional formats on the
status text, one exact rule per status, so 严重滞后 is never painted as 滞后; every sheet prints on
A4 landscape, fitted to the page width, with its header row repeated. Every value passes through
`cells.safe`, so no text can become a formula.

The planner writes in three places: 情况说明 beside each indicator, 进展说明（审定） beside each task,
审定稿 beside each drafted sentence. `read_scoreboard` reads those back (`ingest` stores them,
`store.planner_text`), keyed by the hidden first column; the file says which report it belongs to
in its document properties."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from analysis.cells import safe_row, unquote
from analysis.labels import group
from analysis.report.context import ReportContext
from analysis.report.format import (
    completion_text,
    nan,
    note_basis,
    projection_text,
    status_detail,
    target_text,
    task_progress_text,
    unit_label,
    yoy_text,
)
from analysis.store.planner_text import IDENTIFIER, Entry

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7", bgColor="DDEBF7")
INPUT_FILL = PatternFill("solid", fgColor="FFF9DB", bgColor="FFF9DB")
"""Cells the planner fills in."""
HEADER_FONT = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
TASK_COLOURS = {"overdue": "FDECEC", "done_late": "FFF4CE", "done_on_time": "E6F4EA"}
NOTES_SHEET, OPINION_SHEET, TASK_SHEET = "总览", "评估意见", "重点任务"
KEY, WRITTEN, BASIS = "编号（勿改）", "写入时内容（勿改）", "依据（勿改）"
"""Hidden columns: the text's key; what its fill-in cell held when the file was written (an emptied
cell clears the planner's text only if it held some: an old file never clears newer text); what the
row showed for the planner to write against (the draft sentence, the value and status)."""
FILL_IN = ("情况说明（请填写）", "进展说明（审定，请填写）", "审定稿（请填写，留空则用初稿）")
HIDDEN = [(WRITTEN, 4), (BASIS, 4)]

INDICATOR_COLUMNS = [(KEY, 4), ("序号", 6), ("指标", 36), ("目标", 22), ("目标时限", 12), ("当前值", 10),
                     ("单位", 9), ("完成率", 16), ("任务进度 / 阶段序时进度", 14), ("状态", 12), ("状态说明", 14), ("同比", 14),
                     ("期末预测", 16), ("责任单位", 26), (FILL_IN[0], 36), ("规划原文", 50), *HIDDEN]
VALUE_COLUMN, STATUS_COLUMN, NOTE_COLUMN = 6, 10, 15


def status_text(status: str) -> str:
    return f"{group('status_icon')[status]} {group('status')[status]}"


def _sheet_name(text: str, used: set[str]) -> str:
    name = "".join(ch for ch in text if ch not in '[]:*?/\\')[:28] or "Sheet"
    base, n = name, 2
    while name in used:
        name = f"{base[:25]}_{n}"
        n += 1
    used.add(name)
    return name


def _setup(ws: Worksheet, columns: list[tuple[str, int]], key_hidden: bool = True) -> None:
    """Header row, widths, frozen header, and A4 landscape print fitted to the page width with the
    header repeated on every page."""
    ws.append([c for c, _ in columns])
    for j, (_, width) in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=j)
        cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[get_column_letter(j)].width = width
    if key_hidden:
        ws.column_dimensions["A"].hidden = True
    for j, (name, _) in enumerate(columns, start=1):
        if name in (WRITTEN, BASIS):
            ws.column_dimensions[get_column_letter(j)].hidden = True
    ws.freeze_panes = "B2" if key_hidden else "A2"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    ws.print_options.gridLines = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"


def status_colours(ws: Worksheet, column: int, last_row: int) -> None:
    """One rule per status, matching the whole cell text (a search for 滞后 would also hit 严重滞后),
    the most severe first; fills set both colours (Excel reads bgColor in a rule, LibreOffice and
    WPS fgColor)."""
    letter = get_column_letter(column)
    colours = group("status_color")
    order = ("missed", "off_track", "behind", "on_track", "achieved", "no_data", "not_applicable")
    for key in order:
        colour = colours[key].lstrip("#").upper()
        ws.conditional_formatting.add(
            f"{letter}2:{letter}{max(last_row, 2)}",
            FormulaRule(formula=[f'{letter}2="{status_text(key)}"'], stopIfTrue=True,
                        fill=PatternFill("solid", fgColor=colour, bgColor=colour), font=Font(color="FFFFFF", bold=True)))


def _source(ctx: ReportContext, text: str) -> str:
    for image, reads in ctx.catalog.plan.source_images.items():
        text = text.replace(f"[image: {image}]", reads)
    return text


def _indicator_rows(ctx: ReportContext, ws: Worksheet, records: list[dict]) -> None:
    for n, a in enumerate(records, start=1):
        planner = ctx.planner.get(f"note.{a['indicator_id']}")
        yoy, was = yoy_text(a)
        proj, pace = projection_text(a)
        ws.append(safe_row([
            f"note.{a['indicator_id']}", n, a["name"], target_text(a), a["target_by"],
            None if nan(a["value"]) else a["value"], unit_label(a["unit"]), completion_text(a), task_progress_text(a),
            status_text(a["status"]), status_detail(a), " ".join(x for x in (yoy, was) if x),
            " ".join(x for x in (proj, pace) if x), a["responsible"], planner.text if planner else None,
            _source(ctx, a["source"]), planner.text if planner else None, note_basis(a)]))
        row = ws.max_row
        ws.cell(row=row, column=5).number_format = "yyyy-mm-dd"
        ws.cell(row=row, column=VALUE_COLUMN).number_format = "0." + "0" * a["decimals"] if a["decimals"] else "0"
        for col in (3, 4, 14, 15, 16):
            ws.cell(row=row, column=col).alignment = WRAP
        ws.cell(row=row, column=NOTE_COLUMN).fill = INPUT_FILL
    status_colours(ws, STATUS_COLUMN, ws.max_row)


def write_scoreboard(ctx: ReportContext, path: str | Path) -> Path:
    path = Path(path)
    wb = Workbook()
    wb.properties.identifier = f"{IDENTIFIER}{ctx.catalog.plan.id}/{ctx.unit_id}/{ctx.quarter}"
    wb.properties.title = f"{ctx.catalog.plan.title} {ctx.unit_name} {ctx.quarter.label} 计分板"
    used: set[str] = set()
    overview = wb.active
    overview.title = _sheet_name(NOTES_SHEET, used)
    records = list(ctx.indicator_rows.values())
    _setup(overview, INDICATOR_COLUMNS)
    _indicator_rows(ctx, overview, records)
    for action in ctx.catalog.plan.actions:
        mine = [a for a in records if a["action"] == action.id]
        if mine:
            ws = wb.create_sheet(_sheet_name(action.title, used))
            _setup(ws, INDICATOR_COLUMNS)
            _indicator_rows(ctx, ws, mine)
    _tasks(ctx, wb.create_sheet(_sheet_name(TASK_SHEET, used)))
    _opinion(ctx, wb.create_sheet(_sheet_name(OPINION_SHEET, used)))
    _notes(ctx, wb.create_sheet(_sheet_name("说明", used)))
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _tasks(ctx: ReportContext, ws: Worksheet) -> None:
    _setup(ws, [(KEY, 4), ("序号", 6), ("行动", 24), ("任务", 60), ("责任单位", 26), ("完成时限", 12),
                ("类型", 10), ("进展", 12), ("逾期天数", 10), ("完成日期", 12), ("单位报送的进展说明", 30),
                (FILL_IN[1], 36), *HIDDEN])
    states, kinds = group("task_state"), group("task_kind")
    for r in ctx.tasks.to_dict("records"):
        planner = ctx.planner.get(f"progress.{r['task_id']}")
        ws.append(safe_row([f"progress.{r['task_id']}", r["number"], ctx.catalog.action_title(r["action"]), r["text"],
                            r["responsible"], r["deadline"], kinds[r["kind"]], states[r["state"]],
                            r["days_overdue"] or None, r["completed_on"], r["note"],
                            planner.text if planner else None]))
        row = ws.max_row
        for col in (6, 10):
            ws.cell(row=row, column=col).number_format = "yyyy-mm-dd"
        for col in (3, 4, 11, 12):
            ws.cell(row=row, column=col).alignment = WRAP
        ws.cell(row=row, column=12).fill = INPUT_FILL
        if r["state"] in TASK_COLOURS:
            colour = TASK_COLOURS[r["state"]]
            ws.cell(row=row, column=8).fill = PatternFill("solid", fgColor=colour, bgColor=colour)


def _opinion(ctx: ReportContext, ws: Worksheet) -> None:
    """Every drafted sentence beside a column for the planner's own (prefilled with what they wrote)."""
    _setup(ws, [(KEY, 4), ("部分", 10), ("序号", 6), ("初稿（程序起草）", 70), (FILL_IN[2], 70), *HIDDEN])
    for part, heading, sentences in ctx.draft.parts():
        for n, (key, sentence) in enumerate(sentences, start=1):
            planner = ctx.planner.get(key)
            ws.append(safe_row([key, heading, n, sentence, planner.text if planner else None,
                                planner.text if planner else None, sentence]))
            row = ws.max_row
            for col in (4, 5):
                ws.cell(row=row, column=col).alignment = WRAP
            ws.cell(row=row, column=5).fill = INPUT_FILL


def _notes(ctx: ReportContext, ws: Worksheet) -> None:
    plan = ctx.catalog.plan
    for k, v in (("规划", plan.title), ("评估单位", ctx.unit_name), ("评估期", ctx.quarter.label),
                 ("数据", "示例数据（虚构）" if ctx.is_sample else "各单位报送台账"),
                 ("状态", "、".join(group("status").values()) + "，判定方法见报告“方法说明”"),
                 ("填写", ("黄色单元格可填写：总览及各行动表的“情况说明”、重点任务的“进展说明（审定）”、评估意见的“审定稿”。"
                          "保存后用 python -m analysis ingest 本文件 导入，重新生成报告时即以填写内容代替初稿；"
                          "请勿改动隐藏的编号列。"))):
        ws.append(safe_row([k, v]))
        ws.cell(row=ws.max_row, column=2).alignment = WRAP
    ws.column_dimensions["A"].width = 12
    ws.column_dimensions["B"].width = 90


def identify(path: Path) -> tuple[str, str, str] | None:
    """(plan, unit, period) of a scoreboard the product wrote, else None (a ledger, say)."""
    try:
        wb = load_workbook(path, read_only=True)
    except Exception:  # noqa: BLE001 - not a workbook we can read: not ours
        return None
    try:
        ident = wb.properties.identifier or ""
    finally:
        wb.close()
    if not ident.startswith(IDENTIFIER):
        return None
    parts = ident.removeprefix(IDENTIFIER).split("/")
    return tuple(parts) if len(parts) == 3 else None


def read_scoreboard(path: Path) -> list[Entry]:
    """The planner's text in a scoreboard: one entry per row of the fill-in columns (an empty cell
    clears what was there), with the row's shown figures or draft as its basis."""
    found = identify(path)
    if found is None:
        return []
    plan_id, unit_id, period = found
    wb = load_workbook(path, read_only=True, data_only=True)
    out: dict[str, Entry] = {}
    try:
        for ws in wb.worksheets:
            header = [c.value for c in next(ws.iter_rows(min_row=1, max_row=1))]
            if header[:1] != [KEY] or WRITTEN not in header:
                continue
            fill = next(header.index(h) for h in header if h in FILL_IN)
            written, basis = header.index(WRITTEN), header.index(BASIS)
            for row in ws.iter_rows(min_row=2, values_only=True):
                key = row[0]
                if not isinstance(key, str):
                    continue
                text = unquote(str(row[fill])).strip() if row[fill] is not None else ""
                if not text and not row[written]:
                    continue  # empty now and when written: nothing to say
                if key in out and out[key].text and not text:
                    continue  # an indicator is on 总览 and on its action's sheet: what was written wins
                out[key] = Entry(plan_id, unit_id, period, key, text, unquote(str(row[basis] or "")), path.name)
    finally:
        wb.close()
    return list(out.values())

