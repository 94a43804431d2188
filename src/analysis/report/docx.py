"""The Word renderer: report blocks as a 公文-style .docx on the reference template
(templates/docx/reference.docx, built by `report.docx_reference`).

Layout (GB/T 9704-2012, ../shared/GONGWEN.md): title block in 小标宋, the plan assessed with its 文号,
body in 仿宋 三号 with 首行缩进2字, parts numbered 一、（一）1., charts as print-resolution images with
numbered captions, the announcement of the attachments, 落款 (unit and date), then each appendix on
its own page as 附表N — the wide ones landscape — and the method as 附件. The drafted 评估意见 sit in
content controls tagged with their keys, so the planner's edits can be read back (`planner_text`).

The body is WordprocessingML from a Jinja2 template (autoescaped XML) written into a copy of the
reference package: building the same paragraphs through python-docx's object model took ten
times as long, and a batch writes a Word file for every report."""

from __future__ import annotations

import base64
import json
import re
import struct
import zipfile
from functools import cache
from io import BytesIO
from pathlib import Path

from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup, escape
from pydantic import BaseModel

from analysis.config import TEMPLATES_DIR
from analysis.labels import group
from analysis.report.layout import layout
from analysis.store.planner_text import IDENTIFIER, Entry

REFERENCE = TEMPLATES_DIR / "docx" / "reference.docx"
MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TEXT_WIDTH = {"portrait": 8844, "landscape": 12756}
"""Width of the type area in twips: 156 mm upright, 225 mm on a landscape page."""
EMU_PER_TWIP = 635
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def render_docx(blocks: list[BaseModel]) -> bytes:
    """The .docx bytes of a report's blocks (as `model.blocks_of` reads them from the notebook)."""
    lay = layout(blocks)
    images = []
    for x in lay.items:
        if x["kind"] == "table":
            width = TEXT_WIDTH[x["orient"]]
            total = sum(x["weights"])
            x["widths"] = [int(width * w / total) for w in x["weights"]]
            x["width"] = sum(x["widths"])
        elif x["kind"] == "figure" and x["png"]:
            png = base64.b64decode(x["png"])
            w, h = struct.unpack(">II", png[16:24])  # the PNG header's width and height
            images.append(png)
            x["cx"] = TEXT_WIDTH[x["orient"]] * EMU_PER_TWIP
            x["cy"] = int(x["cx"] * h / w)
            x["rid"] = f"rIdImg{len(images)}"
    xml = _template().render(items=lay.items, last_orient=lay.orient, footers=_footers())
    edits = {x["key"]: {"shown": x["shown"], "basis": x["basis"]} for x in lay.items if x["kind"] == "editable"}
    header = lay.header
    return _package(xml, images, title=header.title if header else "", report=header.report if header else "",
                    edits=edits)


def _xml(text) -> str:
    """Text safe in XML: escaped, and without the control characters XML 1.0 forbids."""
    return str(escape(_ILLEGAL_XML.sub("", str(text))))


RUN_STYLES = {"small": '<w:color w:val="595959"/><w:sz w:val="18"/>', "muted": '<w:color w:val="595959"/>',
              "strong": "<w:b/>", "stale": '<w:highlight w:val="yellow"/>',
              "flag": '<w:color w:val="B26A00"/><w:sz w:val="18"/>'}


def _run(text: str, rpr: str = "") -> str:
    return f'<w:r>{f"<w:rPr>{rpr}</w:rPr>" if rpr else ""}<w:t xml:space="preserve">{_xml(text)}</w:t></w:r>'


def _paragraph(content, style: str = "", extra: str = "") -> Markup:
    """One <w:p> of plain text and spans (badges as icon + text in the status colour)."""
    statuses, icons, colors = _labels()
    runs = []
    for x in content:
        if isinstance(x, str):
            runs.append(_run(x))
        elif x.style == "br":
            runs.append("<w:r><w:br/></w:r>")
        elif x.style == "badge":
            runs.append(_run(f"{icons[x.status]} {x.text or statuses[x.status]}",
                             f'<w:b/><w:color w:val="{colors[x.status][1:]}"/>'))
        elif x.style == "flag":
            runs.append(_run(f"〔{x.text}〕", RUN_STYLES["flag"]))
        else:
            runs.append(_run(x.text, RUN_STYLES.get(x.style, "")))
    ppr = (f'<w:pStyle w:val="{style}"/>' if style else "") + extra
    return Markup(f'<w:p>{f"<w:pPr>{ppr}</w:pPr>" if ppr else ""}{"".join(runs)}</w:p>')


@cache
def _labels() -> tuple[dict, dict, dict]:
    return group("status"), group("status_icon"), group("status_color")


@cache
def _template():
    env = Environment(loader=FileSystemLoader(str(TEMPLATES_DIR / "docx")), autoescape=True,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["paragraph"] = _paragraph
    return env.get_template("body.xml.j2")


@cache
def _reference() -> dict[str, bytes]:
    with zipfile.ZipFile(REFERENCE) as z:
        return {n: z.read(n) for n in z.namelist()}


@cache
def _footers() -> str:
    """The reference's footer references (odd and even page numbers), for every section."""
    doc = _reference()["word/document.xml"].decode("utf-8")
    return "".join(re.findall(r"<w:footerReference [^>]*/>", doc))


EDITS_PART = "customXml/item90.xml"
"""Which report the file is, and the text each editable paragraph showed and was written against:
Word keeps custom XML parts when the planner saves, so `read_docx` can tell their edits apart."""
EDITS_NS = "urn:analysis:report-edits"


def _package(body_xml: str, images: list[bytes], title: str = "", report: str = "", edits: dict | None = None) -> bytes:
    ref = _reference()
    doc = ref["word/document.xml"].decode("utf-8")
    head = doc[:doc.index("<w:body>") + len("<w:body>")]
    doc = head + body_xml + "</w:body></w:document>"
    rels = ref["word/_rels/document.xml.rels"].decode("utf-8")
    image_rels = "".join(
        f'<Relationship Id="rIdImg{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" '
        f'Target="media/image{i}.png"/>' for i in range(1, len(images) + 1))
    edits_rel = ('<Relationship Id="rIdEdits" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                 f'customXml" Target="../{EDITS_PART}"/>')
    rels = rels.replace("</Relationships>", image_rels + edits_rel + "</Relationships>")
    edits_xml = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><edits xmlns="{EDITS_NS}" '
                 f'report="{_xml(report)}">{_xml(json.dumps(edits or {}, ensure_ascii=False))}</edits>')
    core = ref["docProps/core.xml"].decode("utf-8")
    core = re.sub(r"<dc:title>.*?</dc:title>", f"<dc:title>{_xml(title)}</dc:title>", core)
    core = core.replace("<dc:subject/>", f"<dc:identifier>{_xml(IDENTIFIER + report)}</dc:identifier>")
    types = ref["[Content_Types].xml"].decode("utf-8")
    if 'Extension="png"' not in types:
        types = types.replace("<Default ", '<Default Extension="png" ContentType="image/png"/><Default ', 1)
    buf = BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in ref.items():
            if name == "word/document.xml":
                data = doc.encode("utf-8")
            elif name == "word/_rels/document.xml.rels":
                data = rels.encode("utf-8")
            elif name == "[Content_Types].xml":
                data = types.encode("utf-8")
            elif name == "docProps/core.xml":
                data = core.encode("utf-8")
            z.writestr(_fixed(name), data)
        z.writestr(_fixed(EDITS_PART), edits_xml.encode("utf-8"))
        for i, png in enumerate(images, start=1):
            z.writestr(_fixed(f"word/media/image{i}.png"), png)
    return buf.getvalue()


def _fixed(name: str) -> zipfile.ZipInfo:
    """A zip entry with a fixed time, so the same report gives the same bytes."""
    info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def write_docx(blocks: list[BaseModel], out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".docx.tmp")
    tmp.write_bytes(render_docx(blocks))
    tmp.replace(out)
    return out


_SDT = re.compile(r'<w:sdt>.*?<w:tag w:val="analysis:([^"]+)"/>.*?<w:sdtContent>(.*?)</w:sdtContent></w:sdt>', re.DOTALL)
_TEXT = re.compile(r"<w:t(?: [^>]*)?>([^<]*)</w:t>")
_NUMBER = re.compile(r"^\s*\d+\.\s*")


def read_docx(path: Path) -> list[Entry]:
    """The planner's edits in a report's Word file: each tagged paragraph whose text is no longer
    what the file showed, with what it was written against (an unchanged paragraph gives nothing)."""
    from html import unescape

    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            if EDITS_PART not in names:
                return []
            meta = z.read(EDITS_PART).decode("utf-8")
            doc = z.read("word/document.xml").decode("utf-8")
    except (OSError, zipfile.BadZipFile, KeyError):
        return []
    report = re.search(r'report="([^"]*)"', meta)
    body = re.search(r">([^<]*)</edits>", meta)
    parts = unescape(report.group(1)).split("/") if report else []
    if len(parts) != 3 or not body:
        return []
    plan_id, unit_id, period = parts
    edits = json.loads(unescape(body.group(1)))
    out = []
    for key, content in _SDT.findall(doc):
        if key not in edits:
            continue
        paragraphs = re.findall(r"<w:p[ >].*?</w:p>", content, re.DOTALL)
        text = "\n".join(unescape("".join(_TEXT.findall(p))) for p in paragraphs).strip()
        text = _NUMBER.sub("", text)
        if text != edits[key]["shown"].strip():
            out.append(Entry(plan_id, unit_id, period, key, text, edits[key]["basis"], path.name))
    return out
