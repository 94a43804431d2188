"""The planner's own words persist: text entered where planners work — the scoreboard's 情况说明 and
审定稿 cells, the Word file's 评估意见 paragraphs — goes in through `ingest`, replaces the draft in the
next HTML, Word and PDF, survives a data change and a re-run, and is flagged when the figures it
was written against have moved."""

from __future__ import annotations

import csv
import re
import shutil
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest
from typer.testing import CliRunner

from analysis.cli import app
from analysis.publish.pipeline import publish
from tests.conftest import PERIOD, PLAN, UNIT

pytestmark = pytest.mark.slow

OPINION = "今年以来七项指标达标，整改成效明显，下一步重点抓带队检查。"
NOTE = "部分企业停产整顿，带队检查顺延，复产后一周内补做。"
WORD = "危化品企业三类人员已于10月集中补训，11月底前完成考核。"
INDICATOR = "unannounced_drill_share"


def edit_word(path: Path, out: Path, text: str) -> str:
    """Replace the text of the first problems.* paragraph in a report's Word file, as Word would."""
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    doc = parts["word/document.xml"].decode("utf-8")
    m = re.search(r'<w:tag w:val="analysis:(problems\.[^"]+)"/>.*?<w:sdtContent>(.*?)</w:sdtContent>', doc, re.DOTALL)
    para = re.sub(r"<w:r>.*</w:r>", f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>', m.group(2), flags=re.DOTALL)
    parts["word/document.xml"] = doc.replace(m.group(2), para, 1).encode("utf-8")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for n, b in parts.items():
            z.writestr(n, b)
    return m.group(1)


@pytest.fixture(scope="module")
def edited(warehouse, sample_dir, tmp_path_factory):
    root = tmp_path_factory.mktemp("planner")
    db, reports = root / "w.duckdb", root / "reports"
    shutil.copy(warehouse, db)
    first = publish(PLAN, UNIT, PERIOD, reports_dir=reports, db=db)
    wb = openpyxl.load_workbook(first.with_suffix(".xlsx"))
    opinion = wb["评估意见"]
    opinion_key = opinion.cell(row=2, column=1).value
    opinion.cell(row=2, column=5).value = OPINION
    overview = wb["总览"]
    row = next(r for r in range(2, overview.max_row + 1) if overview.cell(row=r, column=1).value == f"note.{INDICATOR}")
    column = next(c.column for c in overview[1] if c.value == "情况说明（请填写）")
    overview.cell(row=row, column=column).value = NOTE
    xlsx = root / "计分板（审定）.xlsx"
    wb.save(xlsx)
    word = root / "评估报告（审定）.docx"
    word_key = edit_word(first.with_suffix(".docx"), word, WORD)
    result = CliRunner().invoke(app, ["ingest", str(xlsx), str(word), "--db", str(db)], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "3 new, 0 changed, 0 cleared" in result.output
    return {"db": db, "reports": reports, "html": publish(PLAN, UNIT, PERIOD, reports_dir=reports, db=db),
            "keys": (opinion_key, word_key), "root": root}


def test_planner_text_replaces_the_draft_in_html_and_word(edited):
    html = edited["html"].read_text(encoding="utf-8")
    opinion_key, word_key = edited["keys"]
    assert re.search(rf'<li data-key="{re.escape(opinion_key)}" class="by-planner"><span class="planner">{OPINION}', html)
    assert re.search(rf'<li data-key="{re.escape(word_key)}" class="by-planner"><span class="planner">{WORD}', html)
    assert f'<span class="planner">情况说明：{NOTE}</span>' in html
    assert "其中2段为规划编制人员审定稿" in html  # which text is whose
    body = docx.Document(str(edited["html"].with_suffix(".docx"))).element.body
    text = "".join(body.itertext())  # the 评估意见 paragraphs sit in content controls
    assert OPINION in text and WORD in text
    # the scoreboard written again carries the planner's text in its fill-in cells
    wb = openpyxl.load_workbook(edited["html"].with_suffix(".xlsx"))
    assert OPINION in [c.value for c in wb["评估意见"]["E"]]


def test_rerun_and_reingest_keep_it_and_unchanged_files_change_nothing(edited):
    result = CliRunner().invoke(app, ["ingest", str(edited["html"].with_suffix(".docx")), "--db", str(edited["db"])])
    assert result.exit_code == 0 and "0 new, 0 changed, 0 cleared" in result.output  # the file as written
    again = publish(PLAN, UNIT, PERIOD, reports_dir=edited["reports"], db=edited["db"])
    assert OPINION in again.read_text(encoding="utf-8")


def test_a_data_change_keeps_the_text_and_flags_what_it_cited(edited, sample_dir):
    """Re-deliver the street's drills with more 四不 drills: the note on that share stays, flagged."""
    drills = edited["root"] / "drills__SLQ-QF.csv"
    with open(sample_dir / "drills__SLQ-QF.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    flipped = 0
    for r in rows[1:]:
        if r[3].startswith("2025") and r[5] == "否" and r[2] and flipped < 40:
            r[5], flipped = "是", flipped + 1
    with open(drills, "w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows(rows)
    assert CliRunner().invoke(app, ["ingest", str(drills), "--db", str(edited["db"])]).exit_code == 0
    html = publish(PLAN, UNIT, PERIOD, reports_dir=edited["reports"], db=edited["db"]).read_text(encoding="utf-8")
    assert f'<span class="stale">情况说明：{NOTE}</span>' in html
    assert OPINION in html and WORD in html  # never overwritten by data


def test_pdf_carries_the_planner_text(edited):
    if not shutil.which("chromium"):
        pytest.skip("chromium not installed")
    import subprocess

    pdf = publish(PLAN, UNIT, PERIOD, reports_dir=edited["reports"], db=edited["db"], formats=("pdf",))
    text = subprocess.run(["pdftotext", str(pdf.with_suffix(".pdf")), "-"], capture_output=True, text=True,
                          check=True).stdout.replace("\n", "")
    assert OPINION[:12] in text and WORD[:12] in text
