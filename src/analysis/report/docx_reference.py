"""Builds the Word reference template (templates/docx/reference.docx) with python-docx: A4 with the
GB/T 9704-2012 type area, styles for the 公文 roles (title 小标宋, body 仿宋 三号 with 首行缩进2字,
headings 黑体 / 楷体 / 仿宋, table text), and page numbers "— 1 —" outside on odd and even pages.
`report.docx` fills its body; this module runs only when the template is rebuilt:

    python -m analysis.report.docx_reference

Fonts are named as a government PC has them (方正小标宋简体, 仿宋_GB2312, 黑体, 楷体_GB2312) in the
East-Asian font slot, with the fonts Windows ships (仿宋, 楷体, 宋体) as alternates in the font table,
so Word substitutes them where the GB2312 fonts are missing."""

from __future__ import annotations

from copy import deepcopy
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from analysis.config import TEMPLATES_DIR

REFERENCE = TEMPLATES_DIR / "docx" / "reference.docx"

FONTS = {"title": "方正小标宋简体", "body": "仿宋_GB2312", "h1": "黑体", "h2": "楷体_GB2312", "number": "宋体"}
ALTERNATES = {"方正小标宋简体": "宋体", "仿宋_GB2312": "仿宋", "楷体_GB2312": "楷体", "黑体": "SimHei"}
"""Font table alternates: what Word uses where the office font is missing."""
BODY_PT = 16
"""三号."""
LINE_PT = 28.95
"""Exact line pitch: 22 lines in the 225 mm type area."""
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}


def _fonts(style, east_asia: str, size: float, bold: bool = False) -> None:
    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.name = "Times New Roman"
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for slot in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(slot), "Times New Roman")
    fonts.set(qn("w:eastAsia"), east_asia)


def _paragraph(style, *, indent: bool = True, align=None, before: float = 0, after: float = 0,
               keep_next: bool = False, exact: float | None = LINE_PT) -> None:
    pf = style.paragraph_format
    if exact:
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = Pt(exact)
    pf.space_before, pf.space_after = Pt(before), Pt(after)
    pf.first_line_indent = Pt(BODY_PT * 2) if indent else Pt(0)
    # 首行缩进2字 in characters, so it stays two characters whatever the size (and 0 where there is
    # none: Word reads the character count before the length, also when inherited)
    pf.element.get_or_add_pPr().get_or_add_ind().set(qn("w:firstLineChars"), "200" if indent else "0")
    if align is not None:
        pf.alignment = align
    pf.keep_with_next = keep_next
    pf.widow_control = True


def _style(doc, name: str, base: str | None = None):
    styles = doc.styles
    if name in [s.name for s in styles]:
        return styles[name]
    s = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    if base:
        s.base_style = styles[base]
    return s


def _page_number(paragraph, align, indent_side: str) -> None:
    """— PAGE — in 4号 宋体, one character in from the outer edge."""
    paragraph.alignment = align
    ind = paragraph._p.get_or_add_pPr().get_or_add_ind()
    ind.set(qn(f"w:{indent_side}"), str(14 * 20))
    for kind, text in (("text", "— "), ("field", "PAGE"), ("text", " —")):
        run = paragraph.add_run()
        run.font.size = Pt(14)
        run._r.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONTS["number"])
        run.font.name = FONTS["number"]
        if kind == "text":
            run.text = text
        else:
            for tag, attr in (("w:fldChar", "begin"), ("w:instrText", None), ("w:fldChar", "separate"),
                              ("w:t", None), ("w:fldChar", "end")):
                el = OxmlElement(tag)
                if attr:
                    el.set(qn("w:fldCharType"), attr)
                elif tag == "w:instrText":
                    el.set(qn("xml:space"), "preserve")
                    el.text = " PAGE "
                else:
                    el.text = "1"
                run._r.append(el)


def build(path: Path = REFERENCE) -> Path:
    doc = Document()
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.top_margin, sec.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    sec.left_margin, sec.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    sec.footer_distance = Mm(28) - Pt(14)  # the number's line 7 mm below the type area
    sec.header_distance = Mm(15)
    doc.settings.odd_and_even_pages_header_footer = True
    _page_number(sec.footer.paragraphs[0], WD_ALIGN_PARAGRAPH.RIGHT, "right")
    _page_number(sec.even_page_footer.paragraphs[0], WD_ALIGN_PARAGRAPH.LEFT, "left")

    normal = doc.styles["Normal"]
    _fonts(normal, FONTS["body"], BODY_PT)
    _paragraph(normal, indent=True, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    for name, east, size, bold, align, indent, keep, before in (
        ("Title", FONTS["title"], 22, False, WD_ALIGN_PARAGRAPH.CENTER, False, True, 0),
        ("Subtitle", FONTS["body"], BODY_PT, False, WD_ALIGN_PARAGRAPH.CENTER, False, True, 0),
        ("Heading 1", FONTS["h1"], BODY_PT, False, None, True, True, 0),
        ("Heading 2", FONTS["h2"], BODY_PT, False, None, True, True, 0),
        ("Heading 3", FONTS["body"], BODY_PT, True, None, True, True, 0),
        ("Heading 4", FONTS["body"], BODY_PT, False, None, True, True, 0),
    ):
        s = doc.styles[name]
        _fonts(s, east, size, bold)
        s.font.color.rgb = RGBColor(0, 0, 0)
        s.font.italic = False
        _paragraph(s, indent=indent, align=align, keep_next=keep, before=before,
                   exact=LINE_PT if size == BODY_PT else None)
        if name == "Title":
            s.paragraph_format.line_spacing = Pt(36)
            s.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        border = s.element.pPr.find(qn("w:pBdr"))
        if border is not None:
            s.element.pPr.remove(border)
    for name, east, size, bold, align, indent in (
        ("Attachment Label", FONTS["h1"], BODY_PT, False, WD_ALIGN_PARAGRAPH.LEFT, False),
        ("Attachment Title", FONTS["title"], 18, False, WD_ALIGN_PARAGRAPH.CENTER, False),
        ("Table Text", FONTS["body"], 10.5, False, WD_ALIGN_PARAGRAPH.LEFT, False),
        ("Table Heading", FONTS["h1"], 10.5, False, WD_ALIGN_PARAGRAPH.CENTER, False),
        ("Caption", FONTS["h2"], 14, False, WD_ALIGN_PARAGRAPH.CENTER, False),
        ("Note", FONTS["body"], 12, False, WD_ALIGN_PARAGRAPH.JUSTIFY, True),
        ("Signature", FONTS["body"], BODY_PT, False, WD_ALIGN_PARAGRAPH.RIGHT, False),
        ("Attachments", FONTS["body"], BODY_PT, False, WD_ALIGN_PARAGRAPH.LEFT, True),
        ("Draft Mark", FONTS["h2"], 12, False, WD_ALIGN_PARAGRAPH.LEFT, False),
    ):
        s = _style(doc, name, "Normal")
        _fonts(s, east, size, bold)
        _paragraph(s, indent=indent, align=align, exact=None if size != BODY_PT else LINE_PT,
                   keep_next=name in ("Attachment Label", "Attachment Title", "Caption"))
        if size < BODY_PT:
            s.paragraph_format.line_spacing = 1.15 if name != "Note" else Pt(20)
        if name == "Signature":  # 落款 and 成文日期 four characters in from the right
            s.paragraph_format.right_indent = Pt(BODY_PT * 4)
        if name == "Attachments":
            s.paragraph_format.space_before = Pt(LINE_PT)
    _alternates(doc)
    package_rels = doc.part.package.rels
    for rid in [rid for rid, rel in package_rels.items() if rel.reltype.endswith("/thumbnail")]:
        del package_rels[rid]  # python-docx's default template carries a picture of itself
    doc.core_properties.author = ""
    doc.core_properties.comments = ""
    doc.core_properties.title = "安全生产规划进度评估报告"
    doc.core_properties.language = "zh-CN"
    doc.core_properties.revision = 1
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(path)
    return path


def _alternates(doc) -> None:
    """Font table entries naming a substitute for each office font."""
    part = next(p for p in doc.part.package.parts if p.partname.endswith("fontTable.xml"))
    from docx.oxml import parse_xml

    root = parse_xml(part.blob)
    template = next(iter(root), None)
    for font, alt in ALTERNATES.items():
        el = deepcopy(template) if template is not None else OxmlElement("w:font")
        for child in list(el):
            el.remove(child)
        el.set(qn("w:name"), font)
        alt_el = OxmlElement("w:altName")
        alt_el.set(qn("w:val"), alt)
        charset = OxmlElement("w:charset")
        charset.set(qn("w:val"), "86")  # GB2312
        family = OxmlElement("w:family")
        family.set(qn("w:val"), "modern" if font != "方正小标宋简体" else "roman")
        el.extend([alt_el, charset, family])
        root.append(el)
    from lxml import etree

    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


if __name__ == "__main__":
    print(build())
