"""Writes the corpus cases of issue 12 that are binary or awkward to keep by hand (xlsx workbooks
as a clerk's Excel or WPS leaves them, UTF-16 and oversized CSVs). Run from the repository root:

    .venv/bin/python tests/data/bad/build_corpus.py

Refused cases go to tests/data/bad/ledgers/<case>/, cases intake understands to
tests/data/odd/ledgers/<case>/; tests/test_bad_inputs.py holds what each must give."""

from __future__ import annotations

import shutil
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent
BAD = HERE / "ledgers"
ODD = HERE.parent / "odd" / "ledgers"
DRILL_HEADERS = ["演练编号", "所属社区/村或街道代码", "单位统一编码", "演练日期", "演练类型", "是否“四不”演练", "参演人数"]
DRILL_ROWS = [["D1", "SLQ-QF-01", "E1", datetime(2024, 3, 5), "综合演练", "是", 30],
              ["D2", "SLQ-QF-01", "", datetime(2024, 4, 1), "专项演练", "否", 12]]
ECONOMY_HEADERS = "单位代码,季度末日期,\"地区生产总值(亿元,当季)\",工矿商贸从业人员数,机动车保有量,常住人口,报送日期"


def case(root: Path, name: str) -> Path:
    folder = root / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def csv_text(folder: Path, file: str, text: str, encoding: str = "utf-8-sig") -> None:
    (folder / file).write_bytes(text.encode(encoding))


def drills_book(rows=DRILL_ROWS, title: str | None = None) -> tuple[openpyxl.Workbook, openpyxl.worksheet.worksheet.Worksheet]:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "应急演练"
    if title:
        ws.append([title])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(DRILL_HEADERS))
    ws.append(DRILL_HEADERS)
    for r in rows:
        ws.append(r)
    return wb, ws


def set_dimension(path: Path, ref: str) -> None:
    """Rewrite the sheet's <dimension ref> as some tools leave it (the whole grid)."""
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                start = text.index("<dimension ref=\"") + len("<dimension ref=\"")
                text = text[:start] + ref + text[text.index("\"", start):]
                data = text.encode()
            dst.writestr(item, data)
    tmp.replace(path)


def main() -> None:
    # --- refused ------------------------------------------------------------------------------
    f = case(BAD, "org_unit_own_parent")
    csv_text(f, "org_units__self.csv", "单位代码,单位名称,上级单位代码,层级,类型\nSLQ-QF-02,全福二社区,SLQ-QF-02,社区,\n")
    f = case(BAD, "org_tree_cycle")  # with the warehouse's SLQ-QF-01 -> SLQ-QF, the new parent closes a ring
    csv_text(f, "org_units__ring.csv", "单位代码,单位名称,上级单位代码,层级,类型\nSLQ-QF,全福街道,SLQ-QF-01,街道,\n")
    f = case(BAD, "formula_behind_space")
    csv_text(f, "org_units__formula.csv", "单位代码,单位名称,上级单位代码,层级,类型\n"
                                          'SLQ-QF-02,"  =HYPERLINK(""http://x.example"",""全福二社区"")",SLQ-QF,社区,\n')
    f = case(BAD, "non_finite_number")
    csv_text(f, "personnel_training__inf.csv", "记录编号,人员编号,单位统一编码,所属社区/村代码,人员类别,培训日期,学时,考核是否合格\n"
                                               "R1,P1,E1,SLQ-QF-01,主要负责人,2024-03-05,inf,是\n"
                                               "R2,P2,E1,SLQ-QF-01,主要负责人,2024-03-05,1e308,是\n"
                                               "R3,P3,E1,SLQ-QF-01,主要负责人,2024-03-05,NaN,是\n")
    f = case(BAD, "quarter_end_not_end")
    csv_text(f, "economy__qe.csv", ECONOMY_HEADERS + "\nSLQ-QF,2024-08-31,8.2,5000,3000,60000,2024-09-10\n")
    f = case(BAD, "unknown_plan")
    csv_text(f, "tasks_status__plan.csv", "规划编号,任务编号,报送单位代码,报送日期,进展状态,完成日期,进展说明\n"
                                          "quanfu_2042_2044,T01,SLQ-QF,2024-06-30,推进中,,\n")
    f = case(BAD, "unknown_task")
    csv_text(f, "tasks_status__task.csv", "规划编号,任务编号,报送单位代码,报送日期,进展状态,完成日期,进展说明\n"
                                          "quanfu_2024_2026,T99,SLQ-QF,2024-06-30,推进中,,\n")
    f = case(BAD, "long_first_row")  # a first data row longer than the 64 kB read for the header
    csv_text(f, "drills__long.csv", ",".join(DRILL_HEADERS) + "\n"
             f"D1,SLQ-QF-01,E1,2024-03-05,{'综合演练' * 20000},是,30\nD2,SLQ-QF-01,E1,2024-03-06,综合演练,是,30\n")
    f = case(BAD, "huge_cell")  # over 1 MB in one cell: larger than arrow's read block
    csv_text(f, "drills__huge.csv", ",".join(DRILL_HEADERS) + "\n"
             f"D1,SLQ-QF-01,E1,2024-03-05,综合演练,是,30\nD2,SLQ-QF-01,E1,2024-03-06,\"{'演' * 400_000}\",是,30\n")
    f = case(BAD, "utf16_csv")  # Excel's “Unicode 文本” export
    csv_text(f, "drills__utf16.csv", "\t".join(DRILL_HEADERS) + "\nD1\tSLQ-QF-01\tE1\t2024-03-05\t综合演练\t是\t30\n",
             encoding="utf-16")
    f = case(BAD, "total_row")
    csv_text(f, "drills__total.csv", ",".join(DRILL_HEADERS) + "\nD1,SLQ-QF-01,E1,2024-03-05,综合演练,是,30\n"
                                                               "D2,SLQ-QF-01,E1,2024-03-06,综合演练,否,12\n合计,,,,,,42\n")
    f = case(BAD, "gdp_in_wan_yuan")  # one quarter typed in 万元: 10,000 times the unit's other quarters
    csv_text(f, "economy__wan.csv", ECONOMY_HEADERS + "\nSLQ-QF,2024-03-31,8.1,5000,3000,60000,2024-04-10\n"
                                                      "SLQ-QF,2024-06-30,8.6,5010,3010,60100,2024-07-10\n"
                                                      "SLQ-QF,2024-09-30,87200,5020,3020,60200,2024-10-10\n"
                                                      "SLQ-QF,2024-12-31,9.4,5030,3030,60300,2025-01-10\n")
    f = case(BAD, "money_unit_mismatch")
    csv_text(f, "economy__unit.csv", ECONOMY_HEADERS + "\nSLQ-QF,2024-03-31,81000万元,5000,3000,60000,2024-04-10\n")

    f = case(BAD, "column_without_header")  # a note typed in the column right of the last header
    csv_text(f, "drills__nohdr.csv", ",".join(DRILL_HEADERS) + ",\nD1,SLQ-QF-01,E1,2024-03-05,综合演练,是,30,已补报\n"
                                                              "D2,SLQ-QF-01,E1,2024-03-06,综合演练,是,30,\n")
    f = case(BAD, "stray_cell_far_out")  # one value at the last cell of the grid
    wb, ws = drills_book()
    ws["XFD1048576"] = "x"
    wb.save(f / "drills__stray.xlsx")
    f = case(BAD, "hidden_sheet")  # rows on a hidden sheet, one of them bad
    wb, ws = drills_book()
    old = wb.create_sheet("旧版")
    old.append(DRILL_HEADERS)
    old.append(["D9", "SLQ-QF-01", "E1", datetime(2024, 5, 5), "消防演练", "是", 8])
    old.sheet_state = "hidden"
    wb.save(f / "drills__hidden.xlsx")
    f = case(BAD, "merged_title_and_total")  # 合并单元格 title row, a 合 计 row with a SUM at the bottom
    wb, ws = drills_book(title="全福街道应急演练台账（2024年）")
    ws.append(["合 计", None, None, None, None, None, "=SUM(G3:G4)"])
    ws.merge_cells(start_row=5, start_column=1, end_row=5, end_column=6)
    wb.save(f / "drills__merged.xlsx")
    f = case(BAD, "excel_error_value")
    wb, ws = drills_book()
    ws["G3"] = "#N/A"
    ws["G3"].data_type = "e"
    wb.save(f / "drills__error.xlsx")

    # --- understood ---------------------------------------------------------------------------
    f = case(ODD, "semicolon_csv")
    csv_text(f, "drills__semi.csv", ";".join(DRILL_HEADERS) + "\nD1;SLQ-QF-01;E1;2024-03-05;综合演练;是;30\n")
    f = case(ODD, "dates_with_spaces")
    csv_text(f, "drills__spaces.csv", ",".join(DRILL_HEADERS) + "\nD1,SLQ-QF-01,E1,2024 - 03 - 05,综合演练,是,30\n"
                                                                "D2,SLQ-QF-01,E1,2024年 3 月 6 日,综合演练,是,30\n"
                                                                "D3,SLQ-QF-01,E1,\u30002024/3/7\u00a0,综合演练,是,30\n")
    f = case(ODD, "numbers_with_units")
    csv_text(f, "drills__units.csv", ",".join(DRILL_HEADERS) + "\nD1,SLQ-QF-01,E1,2024-03-05,综合演练,是,12人\n"
                                                               "D2,SLQ-QF-01,E1,2024-03-06,综合演练,是,\"1,200 人\"\n")
    f = case(ODD, "full_width_codes")
    csv_text(f, "drills__fullwidth.csv", ",".join(DRILL_HEADERS) + "\nＤ１,ＳＬＱ－ＱＦ－０１,Ｅ１,2024-03-05,综合演练,是,30\n",
             encoding="gbk")
    f = case(ODD, "declared_max_dimension")  # the sheet claims A1:XFD1048576, holds three rows
    wb, ws = drills_book()
    wb.save(f / "drills__dim.xlsx")
    set_dimension(f / "drills__dim.xlsx", "A1:XFD1048576")
    f = case(ODD, "merged_data_cells")  # 所属社区 merged down the rows it covers
    wb, ws = drills_book(rows=[["D1", "SLQ-QF-01", "E1", datetime(2024, 3, 5), "综合演练", "是", 30],
                               ["D2", None, "E1", datetime(2024, 3, 6), "专项演练", "否", 12]])
    ws.merge_cells("B2:B3")
    wb.save(f / "drills__merged.xlsx")
    f = case(ODD, "wps_export")
    write_wps(f / "drills__wps.xlsx")


def write_wps(path: Path) -> None:
    """A workbook as WPS 表格 writes it: inline strings, no <dimension>, dates as serials under a
    custom 年月日 format, its hidden WpsReserved sheet, app.xml naming WPS."""
    def cell(ref: str, v) -> str:
        if isinstance(v, str):
            return f'<c r="{ref}" t="inlineStr"><is><t>{v}</t></is></c>'
        return f'<c r="{ref}" s="1"><v>{v}</v></c>' if ref[0] == "D" and ref[1:] != "1" else f'<c r="{ref}"><v>{v}</v></c>'
    rows = [DRILL_HEADERS, ["D1", "SLQ-QF-01", "E1", 45356, "综合演练", "是", 30],
            ["D2", "SLQ-QF-01", "E1", 45383, "专项演练", "否", 12]]
    sheet_rows = "".join(f'<row r="{i}">' + "".join(cell(f"{'ABCDEFG'[j]}{i}", v) for j, v in enumerate(r)) + "</row>"
                         for i, r in enumerate(rows, start=1))
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ' \
         'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/worksheets/sheet2.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/><Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/></Relationships>',
        "docProps/app.xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>WPS 表格</Application><AppVersion>12.1.0.16388</AppVersion></Properties>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet2.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>',
        "xl/workbook.xml": f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook {ns}><sheets><sheet name="应急演练" sheetId="1" r:id="rId1"/><sheet name="WpsReserved_CellImgList" sheetId="2" state="veryHidden" r:id="rId2"/></sheets></workbook>',
        "xl/styles.xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="176" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;;@"/></numFmts><fonts count="1"><font><sz val="11"/><name val="宋体"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="176" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>',
        "xl/worksheets/sheet1.xml": f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet {ns}><sheetData>{sheet_rows}</sheetData></worksheet>',
        "xl/worksheets/sheet2.xml": f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet {ns}><sheetData/></worksheet>',
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text)


if __name__ == "__main__":
    main()
