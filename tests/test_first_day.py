"""A district's first day, as docs/guide.md tells it, through the real CLI (subprocess): a new
workspace for the fictional 青石区 (tests/data/district2: 3 streets, 30 enterprises, 2024Q1–Q3,
typed by hand into the templates' headers, not made by the sample generator), one delivery with
a mistake that validation catches and the street corrects, then the quarterly report in HTML and
Word, whose headline figures are checked against values computed here from the CSV rows."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import docx
import pytest

DATA = Path(__file__).parent / "data" / "district2"
PLAN = "qingshi_2024_2026"
KEY_ROLES = ("主要负责人", "安全管理人员", "特种作业人员")


def run(ws: Path, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
    """`python -m analysis ARGS` in the workspace folder, as the guide has the planner do it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANALYSIS_")}
    env["COLUMNS"] = "200"
    p = subprocess.run([sys.executable, "-m", "analysis", *args], cwd=ws, env=env, capture_output=True, text=True, check=False,
                       timeout=300)
    out = p.stdout + p.stderr
    assert "Traceback" not in out, out
    if ok:
        assert p.returncode == 0, f"{args}: exit {p.returncode}\n{out}"
    else:
        assert p.returncode != 0, f"{args} should have failed:\n{out}"
    return p


PLANNER_SENTENCE = "青石区三类人员培训进度快于序时，下一步重点督促南山街道补训。"


def edit_first_opinion(word: Path, text: str) -> None:
    """What a planner does in Word: the last sentence of the first drafted 评估意见 paragraph
    (a content control) replaced by their own."""
    with zipfile.ZipFile(word) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    doc = parts["word/document.xml"].decode("utf-8")
    sdt = re.search(r"<w:sdt>.*?</w:sdt>", doc, re.DOTALL).group(0)
    last = re.findall(r"<w:t[^>]*>([^<]*)</w:t>", sdt)[-1]
    parts["word/document.xml"] = doc.replace(sdt, sdt.replace(last, text, 1), 1).encode("utf-8")
    with zipfile.ZipFile(word, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def rows(name: str) -> list[dict]:
    """Every row of every delivered file of this name pattern (the corrected file in place of the wrong one)."""
    found = []
    for q in ("2024Q1", "2024Q2", "2024Q3"):
        for f in sorted((DATA / q).glob(name)):
            fixed = DATA / "corrected" / f.name
            raw = (fixed if fixed.exists() else f).read_bytes()
            text = raw.decode("utf-8-sig") if not _gbk(raw) else raw.decode("gbk")
            found += list(csv.DictReader(text.splitlines()))
    return found


def _gbk(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
        return False
    except UnicodeDecodeError:
        return True


def day(text: str) -> date:
    y, m, d = (int(x) for x in re.findall(r"\d+", text)[:3])
    return date(y, m, d)


def active(e: dict, on: date) -> bool:
    return day(e["成立日期"]) <= on and (not e["注销/关闭日期"] or day(e["注销/关闭日期"]) > on)


@pytest.fixture(scope="module")
def district(tmp_path_factory) -> dict:
    """The guide's steps, from an empty folder to the published 2024Q3 report; each step's output kept."""
    ws = tmp_path_factory.mktemp("first-day") / "青石区"
    seen: dict[str, subprocess.CompletedProcess] = {}

    # 0. 建立工作区
    seen["init"] = run(ws.parent, "init", str(ws), "--plan", "quanfu_2024_2026", "--unit-name", "青石区",
                       "--unit-id", "QSQ", "--id", PLAN, "--level", "district", "--period", "2024Q1")
    catalog = ws / "plans" / f"{PLAN}.yaml"
    seen["catalog_as_made"] = catalog.read_text(encoding="utf-8")
    # the planner fills the marked fields with the district's own plan
    text = seen["catalog_as_made"]
    for key, value in (("title", "青石区安全生产治本攻坚三年行动实施方案（2024—2026年）"),
                       ("issuer", "青石区人民政府办公室"), ("document_no", "青政办发〔2024〕7号"),
                       ("issued_on", "2024-04-02"), ("source_file", "青政办发〔2024〕7号.docx")):
        text, n = re.subn(rf"^  {key}: .*$", f"  {key}: {value}", text, count=1, flags=re.MULTILINE)
        assert n == 1, key
    catalog.write_text(text, encoding="utf-8")
    seen["check"] = run(ws, "plans", "check", f"plans/{PLAN}.yaml")
    seen["needs"] = run(ws, "plans", "needs", PLAN)

    # 生成报告 before any data: says what is missing
    seen["report_empty"] = run(ws, "report", "quarterly", "--plan", PLAN, "--period", "2024Q1", ok=False)
    # 1–5 for 2024Q1, the org tree first: still not enough for a report
    raw1 = ws / "raw" / "2024Q1"
    shutil.copy(DATA / "2024Q1" / "组织机构.csv", raw1)
    run(ws, "ingest", "raw/2024Q1")
    seen["report_org_only"] = run(ws, "report", "quarterly", "--plan", PLAN, "--period", "2024Q1", ok=False)
    for f in (DATA / "2024Q1").iterdir():
        shutil.copy(f, raw1)
    seen["validate_q1"] = run(ws, "validate", "raw/2024Q1")
    seen["ingest_q1"] = run(ws, "ingest", "raw/2024Q1")
    shutil.copytree(DATA / "2024Q2", ws / "raw" / "2024Q2")
    seen["ingest_q2"] = run(ws, "ingest", "raw/2024Q2")

    # 2024Q3: one street's file has a mistake; it goes back annotated and comes back corrected
    shutil.copytree(DATA / "2024Q3", ws / "raw" / "2024Q3")
    seen["validate_q3"] = run(ws, "validate", "raw/2024Q3", "--annotate", "returned/2024Q3", ok=False)
    seen["ingest_refused"] = run(ws, "ingest", "raw/2024Q3", ok=False)
    seen["warehouse_before"] = (ws / "data" / "warehouse.duckdb").stat().st_mtime_ns
    for f in (DATA / "corrected").iterdir():
        shutil.copy(f, ws / "raw" / "2024Q3" / f.name)
    seen["validate_q3_fixed"] = run(ws, "validate", "raw/2024Q3")
    seen["ingest_q3"] = run(ws, "ingest", "raw/2024Q3")
    seen["collect"] = run(ws, "collect", "--period", "2024Q3", "--today", "2024-10-20")
    seen["report"] = run(ws, "report", "quarterly", "--plan", PLAN, "--period", "2024Q3")
    # 审改评估意见: the planner rewrites a drafted paragraph in the Word file and hands it back
    word = ws / "reports" / PLAN / "QSQ" / "2024Q3.docx"
    seen["draft_docx"] = word.read_bytes()
    edit_first_opinion(word, PLANNER_SENTENCE)
    seen["ingest_docx"] = run(ws, "ingest", str(word.relative_to(ws)))
    seen["archive"] = run(ws, "archive", "--period", "2024Q3")
    return {"ws": ws, **seen}


def test_init_lays_out_a_workspace_with_only_the_plans_ledgers(district):
    ws = district["ws"]
    for folder in ("plans", "templates", "raw/2024Q1", "returned", "data", "reports", "archive"):
        assert (ws / folder).is_dir(), folder
    assert (ws / "workspace.yaml").is_file() and (ws / "使用说明.md").is_file()
    templates = sorted(p.stem for p in (ws / "templates").glob("*.xlsx"))
    assert templates == sorted(["org_units", "enterprises", "personnel_training", "drills", "hazards", "accidents",
                                "economy", "tasks_status", "safety_activities", "residential_compounds",
                                "gov_activities"])  # the street's 每月调度 (issue 13)
    assert "complaints" not in templates  # the plan reads no 举报投诉: the district does not collect it
    made = district["catalog_as_made"]
    assert re.search(r"^  document_no: .*# 【须填写】文号", made, re.MULTILINE)
    assert re.search(r"^  org_unit: QSQ  # 【已按 init 参数填写，请核对】", made, re.MULTILINE)
    needs = district["needs"].stdout
    assert "人员安全培训（personnel_training" in needs and "三类人员数" in needs
    assert "不需要收集" in needs and "安全生产举报投诉" in needs.split("不需要收集")[1]


def test_templates_for_a_plan_are_its_subset(district, tmp_path):
    run(district["ws"], "templates", "--plan", PLAN, "--out", str(tmp_path / "t"))
    assert sorted(p.name for p in (tmp_path / "t").iterdir()) == sorted(
        p.name for p in (district["ws"] / "templates").iterdir())


def test_a_report_before_the_data_says_what_is_missing(district):
    empty = district["report_empty"].stderr
    assert "无法生成报告" in empty and "尚未建立" in empty and "raw/2024Q1" in empty
    org_only = district["report_org_only"].stderr
    assert "缺少最基本的数据" in org_only
    assert "生产经营单位（enterprises）：尚未导入任何数据" in org_only
    assert "人员安全培训（personnel_training）" in org_only


def test_the_mistake_is_caught_sent_back_and_corrected(district):
    ws = district["ws"]
    out = district["validate_q3"].stdout
    assert "南山街道人员培训（三季度）.csv:第4行:人员类别" in out and "安全员" in out, out
    assert "发现 1 处问题" in out
    back = ws / "returned" / "2024Q3" / "南山街道人员培训（三季度）.xlsx"
    assert back.is_file()
    from openpyxl import load_workbook

    wb = load_workbook(back)
    assert "问题清单" in wb.sheetnames
    assert "未写入任何数据" in district["ingest_refused"].stderr
    assert "校验通过" in district["validate_q3_fixed"].stdout


def test_headline_figures_match_the_ledgers(district):
    ws = district["ws"]
    html = ws / "reports" / PLAN / "QSQ" / "2024Q3.html"
    word = html.with_suffix(".docx")
    assert html.is_file() and word.is_file()
    page = html.read_text(encoding="utf-8")
    assert "青石区" in page and "青政办发〔2024〕7号" in page and "示例数据" not in page

    # by hand, from the CSV rows: 三类人员培训完成率 = distinct key people of the enterprises open at
    # the quarter's end who passed a training since the plan began (凡培训必考核) ÷ their 三类人员数
    end = date(2024, 9, 30)
    enterprises = rows("生产经营单位名册.csv")
    assert len(enterprises) == 30
    open_ = {e["单位统一编码"] for e in enterprises if active(e, end)}
    required = sum(int(e["三类人员数"]) for e in enterprises if e["单位统一编码"] in open_)
    trained = {r["人员编号"] for r in rows("*培训*.csv")
               if r["人员类别"] in KEY_ROLES and date(2024, 1, 1) <= day(r["培训日期"]) <= end
               and r["考核是否合格"] == "是" and r["单位统一编码"] in open_}
    coverage = 100 * len(trained) / required
    accidents = rows("生产安全事故.csv")
    deaths = sum(int(a["死亡人数"]) for a in accidents if day(a["发生日期"]).year == 2024)
    hazards = {h["隐患编号"]: h for h in rows("事故隐患台账.csv")}  # a re-delivered row replaces the first
    open_major = sum(1 for h in hazards.values() if h["隐患等级"] == "重大" and day(h["发现日期"]) <= end
                     and not (h["整改完成日期"] and day(h["整改完成日期"]) <= end))
    gdp = sum(float(r["地区生产总值(亿元,当季)"]) for r in rows("经济社会基础数据.csv"))
    # 凡培训必考核: QS027-01 failed the 考核 (Q2) and counts not; QS002-03 failed in Q1 and passed in Q2
    assert (required, len(trained), deaths, open_major) == (74, 48, 2, 1)  # the data set as written

    doc = docx.Document(io.BytesIO(district["draft_docx"]))
    cells = {}
    for table in doc.tables:
        for row in table.rows:
            texts = [c.text for c in row.cells]
            cells.setdefault(texts[0], texts)
    scorecard = next(v for k, v in cells.items() if k.startswith("三类人员培训完成率"))
    assert scorecard[2].startswith(f"{coverage:.1f}%"), scorecard
    assert "已达标" in scorecard[5]  # ≥60% by the end of 2024
    hazard_row = next(v for k, v in cells.items() if k.startswith("未整改重大事故隐患数"))
    assert hazard_row[2].startswith(f"{open_major} 项"), hazard_row
    assert cells["死亡人数"][1] == f"{deaths} 人"
    rate = next(v for k, v in cells.items() if k.startswith("亿元GDP生产安全事故死亡率"))
    assert rate[1].startswith(f"{deaths / gdp:.4f}") and rate[3] == str(deaths), rate
    body = "\n".join(p.text for p in doc.paragraphs)
    assert "青石区" in body and "评估意见" in body
    tasks = next(v for k, v in cells.items() if "健全重大事故隐患数据库" in (v[1] if len(v) > 1 else ""))
    assert tasks[5] == "按期完成", tasks  # T11, reported done on 2024-03-29 by 青石区 in the quarter


def test_the_planners_words_come_back_from_word(district):
    out = district["ingest_docx"].stdout
    assert "新增 1 段" in out, out


def test_the_quarter_is_archived(district):
    ws = district["ws"]
    z = zipfile.ZipFile(ws / "archive" / "2024Q3.zip")
    names = set(z.namelist())
    assert f"reports/{PLAN}/QSQ/2024Q3.html" in names and f"reports/{PLAN}/QSQ/2024Q3.docx" in names
    assert "raw/2024Q3/南山街道人员培训（三季度）.csv" in names and f"plans/{PLAN}.yaml" in names
    assert "清单.csv" in names
    run(ws, "archive", "--period", "2024Q3", ok=False)  # an archive is never overwritten silently
