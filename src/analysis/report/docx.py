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
    return _package(xml, images)


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
            runs.append(_run(f"{icons[x.status]} {statuses[x.status]}", f'<w:b/><w:color w:val="{colors[x.status][1:]}"/>'))
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


def _package(body_xml: str, images: list[bytes]) -> bytes:
    ref = _reference()
    doc = ref["word/document.xml"].decode("utf-8")
    head = doc[:doc.index("<w:body>") + len("<w:body>")]
    doc = head + body_xml + "</w:body></w:document>"
    rels = ref["word/_rels/document.xml.rels"].decode("utf-8")
    image_rels = "".join(
        f'<Relationship Id="rIdImg{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" '
        f'Target="media/image{i}.png"/>' for i in range(1, len(images) + 1))
    rels = rels.replace("</Relationships>", image_rels + "</Relationships>")
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
            z.writestr(_fixed(name), data)
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
