"""Word and PDF from the one executed notebook: the 附表 hold the page's values, the 公文 page setup
and fonts, every PDF font embedded, A4 pages with "— n —" numbers, nothing past the page edge; and
the nbconvert entry point."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from html import unescape

import docx
import pytest
from docx.shared import Pt

from analysis.publish.pipeline import publish
from tests.conftest import PERIOD, PLAN, UNIT

pytestmark = pytest.mark.slow


def _cells_text(html_cell: str) -> str:
    return unescape(re.sub(r"<[^>]+>", "", html_cell.replace("<br>", "\n"))).strip()


@pytest.fixture(scope="module")
def word(quarterly_report):
    return docx.Document(str(quarterly_report.with_suffix(".docx")))


def test_word_page_setup_and_fonts(word):
    first = word.sections[0]
    assert (round(first.page_width.mm), round(first.page_height.mm)) == (210, 297)  # A4 (twips round it)
    assert (round(first.top_margin.mm), round(first.bottom_margin.mm), round(first.left_margin.mm),
            round(first.right_margin.mm)) == (37, 35, 28, 26)
    assert any(s.orientation == 1 for s in word.sections)  # the wide 附表 on landscape pages
    normal = word.styles["Normal"]
    assert normal.font.size == Pt(16)
    fonts = normal.element.rPr.rFonts
    assert fonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == "仿宋_GB2312"
    assert word.paragraphs[0].style.name == "Title"
    headings = [p.text for p in word.paragraphs if p.style.name == "Heading 1"]
    assert headings[0].startswith("一、") and headings[1].startswith("二、")
    assert any(p.text.startswith("附件：附表1") for p in word.paragraphs)
    assert next(p.text for p in word.paragraphs if p.style.name == "Signature") == "全福街道"
    footer = word.sections[0].footer.paragraphs[0]._p.xml
    assert "PAGE" in footer and "— " in footer


def test_word_appendix_holds_the_pages_values(word, quarterly_report):
    """附表1 (指标完成情况表): the same 当前值, 完成率 and 状态 per indicator as the page's tables."""
    html = quarterly_report.read_text(encoding="utf-8")
    table = next(t for t in word.tables if t.rows[0].cells[0].text == "指标" and len(t.rows) > 10)
    in_word = {r.cells[0].text.split("\n")[0].split("（")[0][:8]: [c.text for c in r.cells] for r in table.rows[1:]
               if len({id(c) for c in r.cells}) > 1}
    compared = 0
    for row in re.findall(r'<tr class="row-[a-z_]+" data-indicator="[^"]+">(.*?)</tr>', html, re.DOTALL):
        cells = [_cells_text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL)]
        name = cells[0].split("（")[0][:8]
        if name not in in_word:
            continue
        w = in_word[name]
        assert w[2].split("\n")[0].replace("〔", "").replace("〕", "") == cells[2].split("\n")[0]  # 当前值
        assert w[3] == cells[3]  # 完成率
        assert w[5].split("\n")[0].split(" ", 1)[-1] == cells[5].split("\n")[0].split(" ", 1)[-1]  # 状态
        compared += 1
    assert compared >= 15


def test_nbconvert_finds_the_word_exporter(quarterly_report, tmp_path):
    nb = tmp_path / "r.ipynb"
    shutil.copy(quarterly_report.with_suffix(".ipynb"), nb)
    run = subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "report_docx", str(nb)],
                         capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stderr
    again = docx.Document(str(nb.with_suffix(".docx")))
    assert [p.text for p in again.paragraphs[:3]] == [p.text for p in docx.Document(
        str(quarterly_report.with_suffix(".docx"))).paragraphs[:3]]


@pytest.fixture(scope="module")
def pdf(warehouse, tmp_path_factory):
    if not shutil.which("chromium"):
        pytest.skip("chromium not installed")
    out = tmp_path_factory.mktemp("pdf")
    return publish(PLAN, UNIT, PERIOD, reports_dir=out, db=warehouse, formats=("docx", "pdf")).with_suffix(".pdf")


def test_pdf_fonts_embedded_pages_a4_numbered(pdf):
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts), fonts  # the emb column
    from pypdf import PdfReader

    reader = PdfReader(str(pdf))
    sizes = {tuple(sorted((round(float(p.mediabox.width)), round(float(p.mediabox.height))))) for p in reader.pages}
    assert sizes == {(595, 842)}  # A4 (portrait and landscape)
    assert len(reader.pages) >= 8
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = text.split("\f")
    assert "目" in pages[1] and "录" in pages[1]
    for n in (2, 3, len(reader.pages)):
        assert re.search(rf"—\s*{n}\s*—", pages[n - 1]), n
    assert not re.search(r"—\s*1\s*—", pages[0])  # no number on the cover
    # the contents give the page each part starts on
    first_part = re.search(r"一、总体判断\D*(\d+)", pages[1])
    assert first_part and "一、总体判断" in pages[int(first_part.group(1)) - 1]


def test_pdf_nothing_past_the_page_edge(pdf):
    from pypdf import PdfReader

    for page in PdfReader(str(pdf)).pages:
        width = float(page.mediabox.width)
        xs: list[float] = []

        def seen(text, cm, tm, *_, xs=xs):
            if text.strip():
                xs.append(tm[4] * cm[0] + cm[4])

        page.extract_text(visitor_text=seen)
        assert all(-1 <= x <= width - 20 for x in xs), (min(xs), max(xs), width)
